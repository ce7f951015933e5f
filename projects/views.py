"""Pages of the projects domain: lists, details, dashboards and the editing forms.

Reads go through selectors, writes through services; a project outside the
user's scope is a 404 on every page.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import ChoiceField, Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ctportal import access
from ctportal.audit import StaleVersion
from research.selectors import research_figures
from trainings.page_selectors import project_sessions
from trainings.selectors import training_figures

from . import selectors, services
from .forms import (
    COMMON_CURRENCIES,
    CountryFormSet,
    FundingFormSet,
    IndicatorForm,
    ParticipantFormSet,
    PeriodFormSet,
    ProjectForm,
    ResultChoiceForm,
    SectorFormSet,
    formset_rows,
    share_choices,
)
from .models import Project, ResultKind

PAGE_SIZE = 25
ERROR_KEY = re.compile(r"^(?P<prefix>\w+?)(?:\[(?P<index>\d+)\])?(?:\.(?P<field>\w+))?$")


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    filterset, projects = selectors.project_list(user=request.user, params=request.GET)
    for field in filterset.form.fields.values():
        if hasattr(field, "empty_label"):
            field.empty_label = _("All")
        elif isinstance(field, ChoiceField):
            field.choices = [("", _("All")), *(c for c in field.choices if c[0] != "")]
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/project_list.html",
        {"filter": filterset, "page_obj": page, "projects": page.object_list},
    )


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    role = access.role_of(request.user)
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "transactions": selectors.project_transactions(project=project),
            "budgets": selectors.project_budgets(project=project),
            "results": selectors.project_results(project=project),
            # Donors see figures, not who in the office changed what.
            "history": (
                selectors.project_history(project=project) if role != access.Role.DONOR else None
            ),
            "can_edit": access.can_edit_project(request.user, project),
            "can_edit_results": access.can_edit_results(request.user, project),
            "editors": selectors.project_editors(project=project, user=request.user),
            "sessions": project_sessions(user=request.user, project=project),
            "sessions_limit": access.small_cell_limit(request.user, "training"),
        },
    )


@login_required
def project_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    return render(
        request,
        "projects/project_dashboard.html",
        {
            "project": project,
            "figures": selectors.project_dashboard(project=project),
            "training": training_figures(
                user=request.user, sessions=project.training_sessions.all()
            ),
            "research": research_figures(user=request.user, project=project),
            "can_edit": access.can_edit_project(request.user, project),
        },
    )


@login_required
def portfolio_dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "projects/portfolio_dashboard.html",
        {
            "figures": selectors.portfolio_dashboard(user=request.user),
            "training": training_figures(user=request.user),
            "research": research_figures(user=request.user),
        },
    )


def place_errors(error: ValidationError, form: Form, formsets: dict) -> None:
    """Put a service's errors on the form, row or formset their keys name.

    Keys look like ``planned_end``, ``countries`` or ``fundings[0].amount``;
    ``formsets`` maps a key prefix to ``(formset, forms in the order sent)``.
    """
    items = error.message_dict.items() if hasattr(error, "error_dict") else [("", error.messages)]
    for key, texts in items:
        match = ERROR_KEY.match(key)
        prefix = match["prefix"] if match else ""
        if prefix in formsets:
            formset, used = formsets[prefix]
            index = match["index"]
            if index is not None and int(index) < len(used):
                row = used[int(index)]
                field = match["field"]
                row.add_error(field if field in row.fields else None, texts)
            else:
                formset.non_form_errors().extend(texts)
        elif key in form.fields:
            form.add_error(key, texts)
        else:
            form.add_error(None, texts)


def _project_formsets(data, project: Project | None) -> dict:
    def initial(rows):
        return None if data is not None else rows

    fundings = countries = participants = sectors = []
    if project is not None and data is None:
        sectors = [{"code": s.code, "percentage": s.percentage} for s in project.sectors.all()]
        fundings = [
            {"donor": f.donor_id, "amount": f.amount, "currency": f.currency}
            for f in project.fundings.all()
        ]
        countries = [
            {"country": c.country_id, "percentage": c.percentage}
            for c in project.recipient_countries.all()
        ]
        participants = [
            {"organisation": p.organisation_id, "role": p.role}
            for p in project.participating_organisations.all()
        ]
    formsets = {
        "fundings": FundingFormSet(data, prefix="fundings", initial=initial(fundings)),
        "countries": CountryFormSet(data, prefix="countries", initial=initial(countries)),
        "participants": ParticipantFormSet(
            data, prefix="participants", initial=initial(participants)
        ),
    }
    # A form that does not send sector rows leaves the project's sectors as they are.
    if data is None or "sectors-TOTAL_FORMS" in data:
        formsets["sectors"] = SectorFormSet(data, prefix="sectors", initial=initial(sectors))
    share_choices(formsets["fundings"], "donor")
    share_choices(formsets["countries"], "country")
    share_choices(formsets["participants"], "organisation")
    return formsets


def _project_editor(request: HttpRequest, project: Project | None) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    if data is None:
        initial = ProjectForm.initial_for(project) if project else {"currency": "USD"}
        form = ProjectForm(initial=initial)
    else:
        form = ProjectForm(data)
    form.fields["version"].required = project is not None
    formsets = _project_formsets(data, project)
    status, conflict = 200, False
    if data is not None and form.is_valid() and all(fs.is_valid() for fs in formsets.values()):
        rows = {name: formset_rows(fs) for name, fs in formsets.items()}
        try:
            saved = services.project_save(
                user=request.user,
                data=form.project_data(),
                project=project,
                expected_version=form.cleaned_data["version"],
                thematic_areas=form.cleaned_data["thematic_areas"],
                fundings=rows["fundings"][0],
                countries=rows["countries"][0],
                participants=rows["participants"][0],
                sectors=rows["sectors"][0] if "sectors" in rows else None,
            )
        except StaleVersion:
            status, conflict = 409, True
        except ValidationError as error:
            place_errors(error, form, {k: (formsets[k], rows[k][1]) for k in formsets})
        else:
            messages.success(request, _("The project has been saved."))
            return redirect("projects:detail", pk=saved.pk)
    return render(
        request,
        "projects/project_form.html",
        {
            "project": project,
            "form": form,
            "formsets": formsets,
            "conflict": conflict,
            "currencies": COMMON_CURRENCIES,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest) -> HttpResponse:
    if not access.can_create_project(request.user):
        raise PermissionDenied
    return _project_editor(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    if not access.can_edit_project(request.user, project):
        raise PermissionDenied
    return _project_editor(request, project)


@login_required
@require_http_methods(["GET", "POST"])
def project_results(request: HttpRequest, pk: int) -> HttpResponse:
    """The results framework of a project, and for editors a form to add an indicator."""
    project = selectors.project_get(user=request.user, pk=pk)
    can_edit = access.can_edit_results(request.user, project)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    result_form = ResultChoiceForm(data, project=project, prefix="result")
    indicator_form = IndicatorForm(data, prefix="indicator")
    periods = PeriodFormSet(data, prefix="periods")
    forms_valid = data is not None and all(
        [result_form.is_valid(), indicator_form.is_valid(), periods.is_valid()]
    )
    if forms_valid:
        rows, used = formset_rows(periods)
        chosen = result_form.cleaned_data
        try:
            services.result_indicator_add(
                user=request.user,
                project=project,
                result=chosen["result"],
                result_data={
                    "kind": chosen["result_kind"] or ResultKind.OUTPUT,
                    "title": chosen["result_title"],
                },
                indicator_data=indicator_form.cleaned_data,
                periods=rows,
            )
        except ValidationError as error:
            _place_result_errors(error, result_form, indicator_form, periods, used)
        else:
            messages.success(request, _("The indicator has been added."))
            return redirect("projects:results", pk=project.pk)
    return render(
        request,
        "projects/project_results.html",
        {
            "project": project,
            "results": selectors.project_results(project=project),
            "can_edit_results": can_edit,
            "can_edit": access.can_edit_project(request.user, project),
            "result_form": result_form,
            "indicator_form": indicator_form,
            "periods": periods,
        },
    )


def _place_result_errors(error, result_form, indicator_form, periods, used) -> None:
    renamed = {}
    for key, texts in error.message_dict.items() if hasattr(error, "error_dict") else []:
        if key.startswith("result."):
            field = "result_" + key.removeprefix("result.")
            result_form.add_error(field if field in result_form.fields else None, texts)
        else:
            renamed[key] = texts
    if renamed or not hasattr(error, "error_dict"):
        place_errors(
            ValidationError(renamed) if renamed else error,
            indicator_form,
            {"periods": (periods, used)},
        )
