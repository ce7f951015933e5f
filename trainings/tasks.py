"""Background jobs of trainings: large attendance sheets."""

from celery import shared_task
from django.db import OperationalError

from ctportal.jobs import TASK_OPTIONS


@shared_task(autoretry_for=(ConnectionError, OperationalError), retry_backoff=True, **TASK_OPTIONS)
def run_attendance_import(self, import_id: int, attempt: int | None = None) -> dict:
    """Check and write one kept attendance sheet; a finished import is left as it is."""
    from .import_services import attendance_import_run

    record = attendance_import_run(import_id=import_id, attempt=attempt, task=self)
    return {
        "id": record.pk,
        "status": record.status,
        "rows": record.total_rows,
        "errors": len(record.errors),
    }
