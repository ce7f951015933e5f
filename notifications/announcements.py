"""Which events are mailed to whom, and what each message may say.

Each function decides the recipients and the context (references, titles and
links only) and hands them to ``services.notify``; the templates under
``templates/notifications/mail/`` write the words.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from ctportal import access
from ctportal.access import Role

from .kinds import NotificationKind
from .services import administrators, notify

# Where a person follows each kind of job, by model label.
JOB_PAGES = {
    "projects.portfolioexport": lambda job: reverse("projects:exports"),
    "trainings.attendanceimport": lambda job: reverse("trainings:import_status", args=[job.pk]),
    "assistance.ctdcexport": lambda job: reverse("assistance_exports:list"),
    "reports.donorreport": lambda job: reverse("reports:detail", args=[job.pk]),
}
REQUESTER_FIELDS = ("requested_by", "uploaded_by")


def _requester(job):
    for field in REQUESTER_FIELDS:
        if hasattr(job, field):
            return getattr(job, field)
    return None


def job_ended_announce(job) -> int:
    """Tell the person who started an import, export or report that it finished or failed."""
    label = job._meta.label_lower
    page = JOB_PAGES.get(label)
    requester = _requester(job)
    if page is None or requester is None:
        return 0
    failed = job.status == job.job_failed
    sent = notify(
        kind=NotificationKind.JOB_ENDED,
        key=f"{label}:{job.pk}:{job.attempt}",
        users=[requester],
        context={
            "what": str(job._meta.verbose_name),
            "reference": f"#{job.pk}",
            "failed": failed,
            "url": page(job),
        },
    )
    if label == "reports.donorreport" and not failed:
        report_ready_announce(job)
    return len(sent)


def report_ready_announce(report) -> int:
    """Tell the donors of the project that its report for the period is ready."""
    project = report.project
    donors = get_user_model().objects.filter(
        role=Role.DONOR,
        is_active=True,
        organisation__in=project.fundings.values("donor"),
    )
    sent = notify(
        kind=NotificationKind.REPORT_READY,
        key=f"report:{report.pk}:{report.generated_version or report.version}",
        users=donors,
        context={
            "project_code": project.code,
            "project_title": project.title,
            "period_start": report.period_start.isoformat(),
            "period_end": report.period_end.isoformat(),
            "language": report.language,
            "url": reverse("reports:detail", args=[report.pk]),
        },
    )
    return len(sent)


def account_locked_announce(lock) -> int:
    """Tell administrators that an account was locked (no password, no address list)."""
    sent = notify(
        kind=NotificationKind.ACCOUNT_LOCKED,
        key=f"lock:{lock.pk}",
        users=administrators(),
        context={
            "username": lock.username,
            "locked_at": lock.locked_at.isoformat(),
            "locked_until": lock.locked_until.isoformat(),
            "failures": lock.failures,
            "addresses": lock.addresses,
            "address": lock.ip_address or "",
            "url": "/admin/accounts/accountlock/",
        },
    )
    return len(sent)


def case_digests_announce(today: datetime.date | None = None) -> int:
    """Each case worker's weekly list of open cases needing follow-up, by reference only."""
    from assistance.models import Case

    today = today or timezone.localdate()
    year, week, _ = today.isocalendar()
    workers = get_user_model().objects.filter(
        role=Role.CASE_WORKER, is_active=True, country_office__isnull=False
    )
    sent = 0
    for worker in workers:
        flagged = (
            access.scope_case_references(Case.objects.all(), worker)
            .with_follow_up(today)
            .filter(follow_up=True)
            .order_by("reference")
            .values("pk", "reference", "quiet", "referral_waiting")
        )
        cases = [
            {
                "reference": row["reference"],
                "quiet": row["quiet"],
                "referral_waiting": row["referral_waiting"],
                "url": reverse("assistance:case", args=[row["pk"]]),
            }
            for row in flagged
        ]
        if not cases:
            continue
        sent += len(
            notify(
                kind=NotificationKind.CASE_DIGEST,
                key=f"digest:{year}-W{week:02d}",
                users=[worker],
                context={"cases": cases, "week": f"{year}-W{week:02d}"},
            )
        )
    return sent
