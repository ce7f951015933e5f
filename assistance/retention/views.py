"""The administrator's page to erase a victim's identity on request."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ctportal import access

from ..models import Case, CaseNote, Identity, IdentityErasure
from .forms import IdentityEraseForm
from .services import identity_erase


@login_required
@require_http_methods(["GET", "POST"])
def identity_erase_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then erase: administrators only (404 outside the case scope, 403 inside it)."""
    case = get_object_or_404(Case.objects.visible_to(request.user).for_list(), pk=pk)
    if access.role_of(request.user) != access.Role.ADMINISTRATOR:
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = IdentityEraseForm(data, reference=case.reference)
    status = 200
    if data is not None:
        status = 400
        if form.is_valid():
            try:
                identity_erase(
                    user=request.user,
                    case=case,
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except ValidationError as error:
                for field, texts in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, texts)
            else:
                messages.success(request, _("The identifying data of this case has been erased."))
                return redirect("assistance:case", pk=case.pk)
    notes = CaseNote.objects.filter(case=case)
    return render(
        request,
        "assistance/identity_erase.html",
        {
            "case": case,
            "form": form,
            "heading": _("Erase the identity"),
            # Whether there is something to erase, never what it says.
            "has_identity": Identity.objects.filter(case=case).exists(),
            "note_count": notes.count(),
            "attachment_count": notes.exclude(attachment="").count(),
            "erasures": IdentityErasure.objects.filter(case=case).select_related("erased_by"),
        },
        status=status,
    )
