"""Background jobs of trainings: large attendance sheets."""

from celery import shared_task


@shared_task(bind=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def run_attendance_import(self, import_id: int) -> dict:
    """Check and write one kept attendance sheet; a finished import is left as it is."""
    from .import_services import attendance_import_run

    record = attendance_import_run(import_id=import_id)
    return {
        "id": record.pk,
        "status": record.status,
        "rows": record.total_rows,
        "errors": len(record.errors),
    }
