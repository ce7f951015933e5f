"""Reads of the report pages: the list, one report, where its generation stands.

Each starts from ``DonorReport.objects.visible_to(user)`` and costs a fixed
number of queries whatever the number of reports.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ctportal import access
from projects.models import Project, ProjectStatus

from . import periods
from .models import DonorReport, ReportStatus

# The beat entry that prepares each quarter's reports (ctportal.settings.base).
SCHEDULE_ENTRY = "donor-reports-quarterly"
# Projects in these states get their quarter's report from the schedule.
SCHEDULED_STATUSES = (
    ProjectStatus.IMPLEMENTATION,
    ProjectStatus.FINALISATION,
    ProjectStatus.CLOSED,
)
# The schedule prepares the previous quarter's reports on any of a quarter's first days,
# so a day the beat missed is caught up on the next.
SCHEDULE_DAYS = 7


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
    """The projects whose reports the user may write (editors) or ask for (donors: the
    projects their organisation funds, as the access policy scopes them)."""
    if access.role_of(user) not in access.PROJECT_EDITORS and not access.can_request_report(user):
        return Project.objects.none()
    return Project.objects.visible_to(user).order_by("code")


def projects_reported_in(period: periods.Period) -> QuerySet:
    """The projects the schedule reports on for ``period``: active and running in it."""
    return (
        Project.objects.filter(status__in=SCHEDULED_STATUSES)
        .annotate(
            report_start=Coalesce("actual_start", "planned_start"),
            report_end=Coalesce("actual_end", "planned_end"),
        )
        .filter(Q(report_start__lte=period.end) & Q(report_end__gte=period.start))
        .order_by("code")
    )


def scheduled_languages() -> list[str]:
    """The languages the schedule prepares reports in, as the beat entry names them."""
    entry = settings.CELERY_BEAT_SCHEDULE.get(SCHEDULE_ENTRY, {})
    return list(entry.get("kwargs", {}).get("languages", ["en"]))


@dataclass(frozen=True)
class ScheduledRound:
    """One round of the quarterly schedule: the days it runs and what it prepares."""

    period: periods.Period
    first_day: datetime.date
    last_day: datetime.date
    languages: list[str]
    projects: list[Project]
    under_way: bool


def report_schedule(*, user, today: datetime.date | None = None) -> ScheduledRound:
    """The next round of the schedule with the user's projects it reports on.

    In a quarter's first week, that is the round under way (the previous
    quarter's reports); otherwise the next quarter's first week, for the
    quarter in progress. One query.
    """
    today = today or timezone.localdate()
    previous = periods.previous_quarter(today)
    if (today - previous.end).days <= SCHEDULE_DAYS:
        period, under_way = previous, True
    else:
        period, under_way = periods.quarter(today.year, periods.quarter_of(today)), False
    first_day = period.end + datetime.timedelta(days=1)
    projects = projects_reported_in(period).filter(
        pk__in=Project.objects.visible_to(user).values("pk")
    )
    return ScheduledRound(
        period=period,
        first_day=first_day,
        last_day=first_day + datetime.timedelta(days=SCHEDULE_DAYS - 1),
        languages=scheduled_languages(),
        projects=list(projects.only("pk", "code", "title")),
        under_way=under_way,
    )


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
