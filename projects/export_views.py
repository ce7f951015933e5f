"""Pages that hand out files: IATI XML of projects and the portfolio exports."""

from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ctportal import access
from ctportal.files import file_response
from ctportal.job_views import job_rerun_response

from . import iati
from .exports import downloadable_export, portfolio_exports_for
from .models import PortfolioExport, Project
from .services import portfolio_export_request, portfolio_export_rerun

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    PortfolioExport.Format.IATI: "application/xml",
    PortfolioExport.Format.CSV: "text/csv; charset=utf-8",
    PortfolioExport.Format.XLSX: (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
}


class ExportRequestForm(forms.Form):
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=PortfolioExport.Format.choices,
        initial=PortfolioExport.Format.IATI,
    )


def _xml_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


@login_required
@require_GET
def project_iati(request, pk: int) -> HttpResponse:
    """IATI 2.03 XML of one project in the user's scope."""
    projects = Project.objects.visible_to(request.user).filter(pk=pk)
    project = get_object_or_404(projects.only("pk", "code"))
    content, _count = iati.render_activities(projects, base_url=request.build_absolute_uri("/"))
    return _xml_response(content, f"{project.code}.xml")


@login_required
@require_GET
def portfolio_iati(request) -> HttpResponse:
    """IATI 2.03 XML of every project in the user's scope."""
    projects = Project.objects.visible_to(request.user)
    content, _count = iati.render_activities(projects, base_url=request.build_absolute_uri("/"))
    return _xml_response(content, "portfolio.xml")


def _check_page(request, projects, project: Project | None) -> HttpResponse:
    findings, count = iati.check_projects(projects, base_url=request.build_absolute_uri("/"))
    errors = [finding for finding in findings if finding.is_error]
    return render(
        request,
        "projects/iati_check.html",
        {
            "project": project,
            "findings": findings,
            "error_count": len(errors),
            "warning_count": len(findings) - len(errors),
            "activity_count": count,
            "can_edit": project is not None and access.can_edit_project(request.user, project),
        },
    )


@login_required
@require_GET
def project_iati_check(request, pk: int) -> HttpResponse:
    """Every problem IATI would find in the project's activity, before it is published."""
    projects = Project.objects.visible_to(request.user).filter(pk=pk)
    project = get_object_or_404(projects.select_related("reporting_organisation"))
    if not access.can_check_iati(request.user):
        raise PermissionDenied
    return _check_page(request, projects, project)


@login_required
@require_GET
def portfolio_iati_check(request) -> HttpResponse:
    """Every problem IATI would find in the file of the projects the user may see."""
    if not access.can_check_iati(request.user):
        raise PermissionDenied
    return _check_page(request, Project.objects.visible_to(request.user), None)


@login_required
@require_http_methods(["GET", "POST"])
def exports(request) -> HttpResponse:
    """The user's portfolio exports and the form to ask for another."""
    form = ExportRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            portfolio_export_request(user=request.user, fmt=form.cleaned_data["format"])
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            form.add_error(None, exc)
        except Exception:
            # Without a broker the file is built in this request; its failure is
            # recorded on the export and shown in the list below.
            logger.exception("Portfolio export failed while building in-process")
            messages.error(request, _("The export could not be built."))
            return redirect("projects:exports")
        else:
            messages.success(
                request, _("Your export is being prepared. This page shows when it is ready.")
            )
            return redirect("projects:exports")
    context = {
        "form": form,
        "exports": portfolio_exports_for(request.user)[:50],
    }
    return render(request, "projects/exports.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def export_rerun(request, pk: int) -> HttpResponse:
    """Build a failed or stopped export again; 404 for anyone else's."""
    return job_rerun_response(
        request, rerun=portfolio_export_rerun, pk=pk, back_to="projects:exports"
    )


@login_required
@require_GET
def export_download(request, pk: int) -> FileResponse:
    """The file of a finished export; only its owner gets it."""
    export = downloadable_export(request.user, pk)
    if export is None or not export.file:
        raise Http404
    extension = "xml" if export.format == PortfolioExport.Format.IATI else export.format
    return file_response(
        export.file,
        filename=f"portfolio-{export.created_at:%Y%m%d-%H%M}.{extension}",
        content_type=CONTENT_TYPES[export.format],
    )
