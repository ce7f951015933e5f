"""Reads of the report pages: the list, one report, where its generation stands.

Each starts from ``DonorReport.objects.visible_to(user)`` and costs a fixed
number of queries whatever the number of reports.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from ctportal import access
from projects.models import Project

from .models import DonorReport, ReportStatus


def report_list(*, user, project: Project | None = None) -> QuerySet:
    """The reports the user may see, newest period first, optionally of one project."""
    reports = DonorReport.objects.visible_to(user).for_list()
    if project is not None:
        reports = reports.filter(project=project)
    return reports


def report_get(*, user, pk: int) -> DonorReport:
    """One report the user may see; 404 outside their scope (and for donors, until ready)."""
    return get_object_or_404(DonorReport.objects.visible_to(user).for_list(), pk=pk)


def reportable_projects(user) -> QuerySet:
    """The projects whose reports the user may write: editors' projects in scope."""
    if access.role_of(user) not in access.PROJECT_EDITORS:
        return Project.objects.none()
    return Project.objects.visible_to(user).order_by("code")


def report_status(report: DonorReport) -> dict[str, Any]:
    """Where a report's generation stands, for the page's progress bar."""
    label = report.get_step_display() if report.status == ReportStatus.RUNNING else ""
    if report.stopped:
        label = str(report.job_state_label)
    return {
        "id": report.pk,
        "status": report.status,
        "label": label or str(report.get_status_display()),
        "progress": report.progress,
        "finished": not report.in_progress,
    }
