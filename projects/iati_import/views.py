"""The page to import an IATI activity file: upload, preview of what would change, confirm.

Only users who may create projects (programme officers, administrators) use
it; others get a 403, as on the new-project page. The checked file is kept
under a random name between the preview and the confirmation, and checked
again before anything is written.
"""

from __future__ import annotations

import os
import re
import secrets

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ctportal import access
from ctportal.uploads import OversizedUpload, limit_upload_size, upload_max_bytes

from .services import iati_import

KEPT_FOLDER = "imports/iati"
TOKEN = re.compile(r"^[0-9a-f]{32}$")


class ActivityFileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("IATI activity file"),
        help_text=gettext_lazy("An iati-activities XML file of IATI version 2.03."),
        widget=forms.FileInput(attrs={"accept": ".xml,application/xml,text/xml"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if isinstance(upload, OversizedUpload) or upload.size > upload_max_bytes():
            raise ValidationError(
                _("The file is %(size)s; the largest file accepted is %(max)s.")
                % {"size": filesizeformat(upload.size), "max": filesizeformat(upload_max_bytes())}
            )
        if os.path.splitext(upload.name or "")[1].lower() != ".xml":
            raise ValidationError(_("Choose an XML file (its name ends in .xml)."))
        return upload


class ConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)

    def clean_token(self):
        token = self.cleaned_data["token"]
        if not TOKEN.match(token):
            raise ValidationError(_("This preview is no longer available; upload the file again."))
        return token


def _kept_name(user, token: str) -> str:
    return f"{KEPT_FOLDER}/{user.pk}-{token}.xml"


@limit_upload_size
@login_required
@require_http_methods(["GET", "POST"])
def import_iati(request: HttpRequest) -> HttpResponse:
    """Upload a file and see what importing it would do, or confirm a previewed file."""
    if not access.can_create_project(request.user):
        raise PermissionDenied
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request)
    form = ActivityFileForm(request.POST or None, request.FILES or None)
    if request.method == "GET":
        return _page(request, form)
    if not form.is_valid():
        return _page(request, form, status=400)
    content = form.cleaned_data["file"].read()
    outcome = iati_import(user=request.user, content=content, dry_run=True)
    if outcome.problems:
        return _page(request, form, outcome=outcome, status=400)
    token = secrets.token_hex(16)
    default_storage.save(_kept_name(request.user, token), ContentFile(content))
    return _page(request, form, outcome=outcome, confirm=ConfirmForm(initial={"token": token}))


def _confirm(request: HttpRequest) -> HttpResponse:
    confirm = ConfirmForm(request.POST)
    name = _kept_name(request.user, request.POST.get("token", ""))
    if not confirm.is_valid() or not default_storage.exists(name):
        messages.error(request, _("This preview is no longer available; upload the file again."))
        return redirect("projects:import_iati")
    with default_storage.open(name, "rb") as handle:
        content = handle.read()
    outcome = iati_import(user=request.user, content=content)
    if outcome.problems:
        # Something changed since the preview; the file stays for another try.
        return _page(request, ActivityFileForm(), outcome=outcome, status=400)
    default_storage.delete(name)
    summary = outcome.plan.summary
    messages.success(
        request,
        _("Imported: %(create)s projects created, %(update)s updated, %(unchanged)s unchanged.")
        % summary,
    )
    return redirect("projects:list")


def _page(request, form, *, outcome=None, confirm=None, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "outcome": outcome,
        "summary": outcome.plan.summary if outcome else None,
        "confirm": confirm,
    }
    return render(request, "projects/import_iati.html", context, status=status)
