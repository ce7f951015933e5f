"""Pages of victim assistance: the case list, a case's page, its identity and the case forms.

Reads go through selectors, writes through services. A case outside the
user's scope is a 404 on every page; so is every form for anyone but the case
workers of the case's country office (administrators see cases, never
identities, notes or forms). Views that receive identities or notes hide the
posted values from error reports (``sensitive_post_parameters``), and no
message or log line ever carries them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ctportal import access
from ctportal.audit import StaleVersion
from ctportal.forms import add_service_errors
from trainings.views import label_empty_choices

from . import page_selectors, selectors, services
from .forms import CaseForm, CloseForm, IdentityForm
from .models import Case
from .vocabulary import ExploitationType

PAGE_SIZE = 25


def workable_case(request: HttpRequest, pk: int) -> Case:
    """A case the user works on: the case workers of its office. 404 for everyone else."""
    case = get_object_or_404(Case.objects.visible_to(request.user).for_list(), pk=pk)
    if not access.can_work_case(request.user, case):
        raise Http404
    return case


def place_errors(error: ValidationError, *forms_: forms.Form) -> None:
    """A service's errors on the first form with the field they name, else on top of the first."""
    items = error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]
    for key, texts in items:
        target = next((form for form in forms_ if key in form.fields), None)
        if target is not None:
            target.add_error(key, texts)
        else:
            forms_[0].add_error(None, texts)


def case_form_page(
    request: HttpRequest,
    *,
    case: Case,
    form: forms.Form,
    save: Callable[[], Any],
    heading: str,
    success: str,
    template: str = "assistance/care_form.html",
    **context,
) -> HttpResponse:
    """A workflow form of a case: on a valid post call ``save``, then back to the case page.

    Service errors land on the form's fields (400); a stale version is a 409
    with the conflict message; nothing is written in either case.
    """
    status, conflict = 200, False
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                save()
            except StaleVersion:
                status, conflict = 409, True
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, success)
                return redirect("assistance:case", pk=case.pk)
    return render(
        request,
        template,
        {"case": case, "form": form, "heading": heading, "conflict": conflict, **context},
        status=status,
    )


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    if not _keeps_cases(request.user):
        raise Http404
    filterset, cases = page_selectors.case_list(user=request.user, params=request.GET)
    label_empty_choices(filterset)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    for case in page.object_list:
        case.exploitation_labels = [ExploitationType(c).label for c in case.exploitation_types]
    return render(
        request,
        "assistance/case_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "cases": page.object_list,
            "can_register": access.case_office_id(request.user) is not None,
            "is_admin": access.role_of(request.user) == access.Role.ADMINISTRATOR,
        },
    )


def _keeps_cases(user) -> bool:
    """Administrators and case workers with an office have a case list, even an empty one."""
    return (
        access.role_of(user) == access.Role.ADMINISTRATOR or access.case_office_id(user) is not None
    )


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(
        request, "assistance/case_detail.html", page_selectors.case_page(user=request.user, pk=pk)
    )


@never_cache
@login_required
@require_POST
def case_identity(request: HttpRequest, pk: int) -> HttpResponse:
    """The identity of a case, read (and logged) on the case worker's explicit request."""
    case = get_object_or_404(Case.objects.visible_to(request.user).for_list(), pk=pk)
    identity = services.identity_read(user=request.user, case=case, request=request)
    return render(request, "assistance/identity.html", {"case": case, "identity": identity})


@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
def case_register(request: HttpRequest) -> HttpResponse:
    """A new case of the case worker's office, with its identity if known."""
    if access.case_office_id(request.user) is None:
        raise Http404
    data = request.POST if request.method == "POST" else None
    form = CaseForm(data, user=request.user)
    identity_form = IdentityForm(data, prefix="identity")
    status = 200
    if data is not None:
        status = 400
        if form.is_valid() and identity_form.is_valid():
            try:
                case = services.case_register(
                    user=request.user,
                    data=form.case_data(),
                    identity=identity_form.identity_data(),
                    request=request,
                )
            except ValidationError as error:
                place_errors(error, form, identity_form)
            else:
                messages.success(
                    request,
                    _("Case %(reference)s has been registered.") % {"reference": case.reference},
                )
                return redirect("assistance:case", pk=case.pk)
    return render(
        request,
        "assistance/case_form.html",
        {"form": form, "identity_form": identity_form, "case": None, "conflict": False},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = workable_case(request, pk)
    data = request.POST if request.method == "POST" else None
    initial = CaseForm.initial_for(case) if data is None else None
    form = CaseForm(data, initial=initial, user=request.user, case=case)
    form.fields["version"].required = True
    status, conflict = 200, False
    if data is not None:
        status = 400
        if form.is_valid():
            try:
                services.case_update(
                    user=request.user,
                    case=case,
                    data=form.case_data(),
                    expected_version=form.cleaned_data["version"],
                )
            except StaleVersion:
                status, conflict = 409, True
            except ValidationError as error:
                place_errors(error, form)
            else:
                messages.success(request, _("The case has been saved."))
                return redirect("assistance:case", pk=case.pk)
    return render(
        request,
        "assistance/case_form.html",
        {"form": form, "case": case, "conflict": conflict},
        status=status,
    )


@never_cache
@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
def identity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Record or correct the identity: showing the form reads it, saving it writes it (logged)."""
    case = workable_case(request, pk)
    if request.method == "POST":
        form = IdentityForm(request.POST)
    else:
        identity = services.identity_read(user=request.user, case=case, request=request)
        form = IdentityForm(initial=IdentityForm.initial_for(identity))

    def save():
        services.identity_save(
            user=request.user,
            case=case,
            data=form.cleaned_data,
            request=request,
            expected_version=form.cleaned_data.get("version"),
        )

    return case_form_page(
        request,
        case=case,
        form=form,
        save=save,
        heading=_("Identity"),
        success=_("The identity has been saved."),
        lead=_("Every reading and change of an identity is logged."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    case = workable_case(request, pk)
    if request.method == "POST":
        form = CloseForm(request.POST)
    else:
        form = CloseForm(initial={"version": case.version})
    form.fields["version"].required = True

    def save():
        services.case_close(
            user=request.user,
            case=case,
            closure_reason=form.cleaned_data["closure_reason"],
            closed_on=form.cleaned_data["closed_on"],
            expected_version=form.cleaned_data["version"],
        )

    return case_form_page(
        request,
        case=case,
        form=form,
        save=save,
        heading=_("Close the case"),
        success=_("The case has been closed."),
    )


@login_required
@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    """Cases identified and assisted, with breakdowns; small cells hidden from aggregate viewers."""
    case_figures = selectors.case_figures(user=request.user)
    return render(
        request,
        "assistance/figures.html",
        {
            "figures": case_figures,
            "rows": page_selectors.figure_rows(case_figures),
            "limit": access.small_cell_limit(request.user, "case"),
            "own_office": access.case_office_id(request.user) is not None,
        },
    )
