"""Pages of donor reports: the download list, a new report, a report with its narrative.

Reads go through selectors, writes through services. A report outside the
user's scope (for donors: one not ready yet) is a 404; one they may see but
not change answers 403 to a change.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ctportal import access
from ctportal.audit import StaleVersion
from ctportal.files import file_response
from ctportal.forms import add_service_errors
from projects.models import Project

from . import periods, selectors, services
from .forms import NarrativeForm, ReportForm, RequestForm
from .models import DonorReport, ReportStatus

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
FILE_FIELDS = {"xlsx": "xlsx_file", "pdf": "pdf_file"}


def _project_param(request: HttpRequest) -> Project | None:
    raw = request.GET.get("project")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return get_object_or_404(Project.objects.visible_to(request.user), pk=int(raw))


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    """Donors: the finished reports of their projects. Officers: their projects' reports."""
    project = _project_param(request)
    reports = selectors.report_list(user=request.user, project=project)
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    can_create = (
        access.can_edit_project(request.user, project)
        if project is not None
        else access.role_of(request.user) in access.PROJECT_EDITORS
    )
    return render(
        request,
        "reports/report_list.html",
        {
            "project": project,
            "page_obj": page,
            "reports": page.object_list,
            "can_create": can_create,
            "can_request": access.can_request_report(request.user),
            "is_donor": access.role_of(request.user) == access.Role.DONOR,
            "schedule": selectors.report_schedule(user=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest) -> HttpResponse:
    """A new report: officers write one; donors ask for one of a project they fund."""
    if access.can_request_report(request.user):
        return _report_request(request)
    projects = selectors.reportable_projects(request.user)
    project = _project_param(request)
    if access.role_of(request.user) not in access.PROJECT_EDITORS or (
        project is not None and not access.can_edit_project(request.user, project)
    ):
        raise PermissionDenied
    if request.method == "POST":
        form = ReportForm(request.POST, projects=projects)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = services.report_create(
                    user=request.user,
                    project=data["project"],
                    period_kind=data["period_kind"],
                    period=data["period"],
                    language=data["language"],
                    narrative=data,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The report has been created. Check the narrative, then generate the files."),
                )
                return redirect("reports:detail", pk=report.pk)
        project = form.cleaned_data.get("project") if hasattr(form, "cleaned_data") else project
    else:
        initial = {"language": request.LANGUAGE_CODE}
        if project is not None:
            initial["project"] = project.pk
        form = ReportForm(initial=initial, projects=projects)
    return _form_page(request, form, project)


def _form_page(request: HttpRequest, form, project, *, requesting: bool = False) -> HttpResponse:
    """The report form, officers' or donors', with the periods the chosen project offers."""
    return render(
        request,
        "reports/report_form.html",
        {
            "form": form,
            "project": project,
            "requesting": requesting,
            "offered": periods.offered(project) if project is not None else [],
        },
        status=400 if form.errors else 200,
    )


def _report_request(request: HttpRequest) -> HttpResponse:
    """A donor's report of a project they fund, built at once with their own figures."""
    projects = selectors.reportable_projects(request.user)
    project = _project_param(request)
    if request.method == "POST":
        form = RequestForm(request.POST, projects=projects)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report, created = services.report_request(
                    user=request.user,
                    project=data["project"],
                    period_kind=data["period_kind"],
                    period=data["period"],
                    language=data["language"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                report.refresh_from_db(fields=["status"])
                if not created and report.status == ReportStatus.DONE:
                    messages.info(request, _("This report is ready already."))
                elif report.status == ReportStatus.DONE:
                    messages.success(request, _("The report is ready to download."))
                else:
                    messages.info(
                        request,
                        _("The report is being generated. This page shows when it is ready."),
                    )
                return redirect("reports:detail", pk=report.pk)
        project = form.cleaned_data.get("project") if hasattr(form, "cleaned_data") else project
    else:
        initial = {"language": request.LANGUAGE_CODE}
        if project is not None:
            initial["project"] = project.pk
        elif projects.count() == 1:
            project = projects.get()
            initial["project"] = project.pk
        form = RequestForm(initial=initial, projects=projects)
    return _form_page(request, form, project, requesting=True)


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A report: its state, downloads and, for editors, the narrative form."""
    report = selectors.report_get(user=request.user, pk=pk)
    can_edit = access.can_edit_project(request.user, report.project)
    status, conflict = 200, False
    form = None
    if can_edit:
        initial = {
            "version": report.version,
            "summary": report.summary,
            "challenges": report.challenges,
            "next_steps": report.next_steps,
        }
        form = NarrativeForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.report_update_narrative(
                    user=request.user,
                    report=report,
                    data=form.cleaned_data,
                    expected_version=form.cleaned_data["version"],
                )
            except StaleVersion:
                status, conflict = 409, True
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The narrative has been saved."))
                return redirect("reports:detail", pk=report.pk)
        if status == 200:
            status = 400
    return render(
        request,
        "reports/report_detail.html",
        {"report": report, "form": form, "can_edit": can_edit, "conflict": conflict},
        status=status,
    )


@login_required
@require_POST
def report_generate(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the report's files; the page then follows their progress."""
    report = selectors.report_get(user=request.user, pk=pk)
    try:
        services.report_generate(user=request.user, report=report)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        raise
    except Exception:
        # Without a broker the files are built in this request; the failure is
        # recorded on the report and shown on its page.
        logger.exception("Donor report %s failed while building in-process", report.pk)
        messages.error(request, _("The report could not be generated."))
    else:
        report.refresh_from_db(fields=["status"])
        if report.status == ReportStatus.DONE:
            messages.success(request, _("The report is ready to download."))
        else:
            messages.info(
                request, _("The report is being generated. This page shows when it is ready.")
            )
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_GET
def report_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Where a report's generation stands, for the page's progress bar."""
    report = selectors.report_get(user=request.user, pk=pk)
    return JsonResponse(selectors.report_status(report))


@login_required
@require_GET
def report_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The XLSX or PDF of a finished report the user may see; 404 otherwise."""
    report: DonorReport = selectors.report_get(user=request.user, pk=pk)
    if fmt not in FILE_FIELDS or report.status != ReportStatus.DONE:
        raise Http404
    title = f"{report.project.code} {report.period_label} {report.language}"
    return file_response(getattr(report, FILE_FIELDS[fmt]), title=title)
