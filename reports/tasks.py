from celery import shared_task
from django.db import OperationalError

from ctportal.jobs import TASK_OPTIONS


@shared_task(autoretry_for=(ConnectionError, OperationalError), retry_backoff=True, **TASK_OPTIONS)
def build_donor_report(self, report_id: int, attempt: int | None = None) -> dict:
    """Build one attempt of a queued donor report; a repeated or outdated delivery does nothing."""
    from .services import report_build

    report = report_build(report_id=report_id, attempt=attempt, task=self)
    return {"id": report.pk, "status": report.status}


@shared_task
def schedule_quarterly_reports(languages: list[str] | None = None) -> list[int]:
    """On a quarter's first days, queue the previous quarter's report of every active project."""
    from .services import scheduled_reports_create

    reports = scheduled_reports_create(languages=languages or ["en"])
    return [report.pk for report in reports]
