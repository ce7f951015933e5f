"""Pages of trainings: the session list and calendar, a session's page and its entry form.

Reads go through selectors, writes through services; a session outside the
user's scope is a 404 on every page.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import ChoiceField, ModelChoiceField
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ctportal import access
from ctportal.audit import StaleVersion
from projects.forms import formset_rows, share_choices
from projects.models import Project

from . import exports, page_selectors, services
from .forms import (
    CountryCountFormSet,
    InstitutionCountFormSet,
    ParticipantFormSet,
    ParticipationMode,
    SessionForm,
    SexCountsForm,
    count_initial,
)
from .models import CountDimension, SessionStatus, TrainingSession

PAGE_SIZE = 25
ERROR_KEY = re.compile(r"^(?P<prefix>\w+?)(?:\[(?P<index>\d+)\])?(?:\.(?P<field>\w+))?$")


def label_empty_choices(filterset) -> None:
    """Filters offer "All" rather than a row of dashes."""
    for field in filterset.form.fields.values():
        if hasattr(field, "empty_label"):
            field.empty_label = _("All")
            if not isinstance(field, ModelChoiceField):
                # The widget kept a copy of the choices made before the label changed.
                field.widget.choices = field.choices
        elif isinstance(field, ChoiceField):
            field.choices = [("", _("All")), *(c for c in field.choices if c[0] != "")]


@login_required
@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    filterset, sessions = page_selectors.session_list(user=request.user, params=request.GET)
    label_empty_choices(filterset)
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "trainings/session_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "sessions": page.object_list,
            "limit": access.small_cell_limit(request.user, "training"),
            "can_create": access.can_create_project(request.user),
        },
    )


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
@require_GET
def session_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The session list with the page's filters, as CSV or XLSX."""
    if fmt not in EXPORT_TYPES:
        raise Http404
    _filterset, sessions = page_selectors.session_list(user=request.user, params=request.GET)
    limit = access.small_cell_limit(request.user, "training")
    render_file = exports.render_csv if fmt == "csv" else exports.render_xlsx
    response = HttpResponse(render_file(sessions, limit=limit), content_type=EXPORT_TYPES[fmt])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="training-sessions-{stamp}.{fmt}"'
    return response


def _year(value: str | None) -> int:
    try:
        year = int(value or "")
    except ValueError:
        return timezone.localdate().year
    return year if 1990 <= year <= 2100 else timezone.localdate().year


@login_required
@require_GET
def session_calendar(request: HttpRequest) -> HttpResponse:
    year = _year(request.GET.get("year"))
    params = request.GET.copy()
    # The year is the calendar's date range.
    for name in ("year", "date_from", "date_to"):
        params.pop(name, None)
    filterset, sessions = page_selectors.session_list(user=request.user, params=params)
    for name in ("date_from", "date_to"):
        del filterset.form.fields[name]
    label_empty_choices(filterset)
    return render(
        request,
        "trainings/session_calendar.html",
        {
            "filter": filterset,
            "year": year,
            "months": page_selectors.sessions_calendar(sessions=sessions, year=year),
            "can_create": access.can_create_project(request.user),
        },
    )


@login_required
@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = page_selectors.session_get(user=request.user, pk=pk)
    role = access.role_of(request.user)
    aggregate_only = role in access.AGGREGATE_ONLY
    return render(
        request,
        "trainings/session_detail.html",
        {
            "session": session,
            # Aggregate viewers get the breakdowns, never a row per person.
            "participants": (
                None if aggregate_only else page_selectors.session_participants(session=session)
            ),
            "breakdown": page_selectors.session_breakdown(session=session, user=request.user),
            "history": (
                None
                if role == access.Role.DONOR
                else page_selectors.session_history(session=session)
            ),
            "sees_names": access.sees_participant_names(request.user),
            "limit": access.small_cell_limit(request.user, "training"),
            "can_edit": access.can_edit_project(request.user, session.project),
            # A sheet lists people: it is offered only where it can be imported.
            "by_totals": session.by_totals,
        },
    )


def _count_forms(data, session: TrainingSession | None) -> dict:
    initial = session is not None and data is None
    forms = {
        "sex": SexCountsForm(
            data, prefix="sex", initial=SexCountsForm.initial_for(session) if initial else None
        ),
        "institutions": InstitutionCountFormSet(
            data,
            prefix="institutions",
            initial=count_initial(session, CountDimension.INSTITUTION_TYPE) if initial else None,
        ),
        "countries": CountryCountFormSet(
            data,
            prefix="countries",
            initial=count_initial(session, CountDimension.COUNTRY) if initial else None,
        ),
    }
    share_choices(forms["countries"], "country")
    return forms


def _counts(totals: dict) -> tuple[list[dict], list[tuple]]:
    """The service's count rows and, for each, the form and field to put its errors on."""
    counts, targets = [], []
    for row, field in totals["sex"].rows():
        counts.append(row)
        targets.append((totals["sex"], field))
    for name in ("institutions", "countries"):
        rows, used = formset_rows(totals[name])
        counts.extend(rows)
        targets.extend((form, "count") for form in used)
    return counts, targets


def _place_errors(error: ValidationError, form, people, people_used, targets, totals_errors):
    """Put each service error on the field, participant row or count it names."""
    items = error.message_dict.items() if hasattr(error, "error_dict") else [("", error.messages)]
    for key, texts in items:
        match = ERROR_KEY.match(key)
        prefix = match["prefix"] if match else ""
        index = int(match["index"]) if match and match["index"] is not None else None
        if prefix == "rows":
            if index is not None and index < len(people_used):
                row = people_used[index]
                field = match["field"]
                row.add_error(field if field in row.fields else None, texts)
            else:
                people.non_form_errors().extend(texts)
        elif prefix == "counts":
            if index is not None and index < len(targets):
                target, field = targets[index]
                target.add_error(field, texts)
            else:
                totals_errors.extend(texts)
        elif key in form.fields:
            form.add_error(key, texts)
        else:
            form.add_error(None, texts)


def _editor(
    request: HttpRequest,
    session: TrainingSession | None,
    *,
    source: TrainingSession | None = None,
    project: Project | None = None,
) -> HttpResponse:
    user = request.user
    data = request.POST if request.method == "POST" else None
    if data is None:
        if session is not None:
            initial = SessionForm.initial_for(session)
        elif source is not None:
            initial = SessionForm.initial_for(source, copy=True)
        else:
            initial = {"project": project.pk if project else None, "status": SessionStatus.HELD}
        narrow = (session or source).project if (session or source) else project
        form = SessionForm(initial=initial, user=user, project=narrow)
    else:
        form = SessionForm(data, user=user)
    form.fields["version"].required = session is not None
    people = ParticipantFormSet(data, prefix="people")
    share_choices(people, "nationality", "country_of_work")
    totals = _count_forms(data, session)
    status, conflict, totals_errors = 200, False, []
    if data is not None and form.is_valid():
        by_totals = form.cleaned_data["mode"] == ParticipationMode.TOTALS
        sections = [totals["sex"], totals["institutions"], totals["countries"]]
        if all(part.is_valid() for part in (sections if by_totals else [people])):
            rows, people_used = ([], []) if by_totals else formset_rows(people)
            counts, targets = _counts(totals) if by_totals else ([], [])
            cleaned = form.cleaned_data
            try:
                saved = services.session_save_with_participants(
                    user=user,
                    data=form.session_data(),
                    session=session,
                    expected_version=cleaned["version"],
                    audiences=cleaned["audiences"],
                    partners=cleaned["partners"],
                    facilitators=cleaned["facilitators"],
                    indicators=cleaned["indicators"],
                    counts=counts,
                    rows=rows,
                )
            except StaleVersion:
                status, conflict = 409, True
            except ValidationError as error:
                _place_errors(error, form, people, people_used, targets, totals_errors)
            else:
                messages.success(request, _("The session has been saved."))
                return redirect("trainings:detail", pk=saved.pk)
    return render(
        request,
        "trainings/session_form.html",
        {
            "session": session,
            "source": source,
            "form": form,
            "people": people,
            "totals": totals,
            "totals_errors": totals_errors,
            "recorded": page_selectors.session_participants(session=session) if session else [],
            "sees_names": access.sees_participant_names(user),
            "conflict": conflict,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest) -> HttpResponse:
    if not access.can_create_project(request.user):
        raise PermissionDenied
    project = None
    if request.GET.get("project", "").isdigit():
        project = Project.objects.visible_to(request.user).filter(pk=request.GET["project"]).first()
    return _editor(request, None, project=project)


def _editable(request: HttpRequest, pk: int) -> TrainingSession:
    session = get_object_or_404(
        TrainingSession.objects.visible_to(request.user).select_related("project"), pk=pk
    )
    if not access.can_edit_project(request.user, session.project):
        raise PermissionDenied
    return session


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _editor(request, _editable(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def session_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """A new session's form, filled in from an earlier one (no dates, no participants)."""
    return _editor(request, None, source=_editable(request, pk))
