from celery import shared_task
from django.db import OperationalError


@shared_task(
    bind=True,
    autoretry_for=(ConnectionError, OperationalError),
    retry_backoff=True,
    max_retries=3,
    # A stuck PDF renderer must end as a recorded failure, not hold the report forever.
    soft_time_limit=600,
    time_limit=660,
)
def build_donor_report(self, report_id: int) -> dict:
    """Build one queued donor report; idempotent, so a retry is safe."""
    from .services import report_build

    report = report_build(report_id=report_id)
    return {"id": report.pk, "status": report.status}


@shared_task
def schedule_quarterly_reports(languages: list[str] | None = None) -> list[int]:
    """On a quarter's first days, queue the previous quarter's report of every active project."""
    from .services import scheduled_reports_create

    reports = scheduled_reports_create(languages=languages or ["en"])
    return [report.pk for report in reports]
