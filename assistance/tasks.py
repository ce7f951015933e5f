from celery import shared_task


@shared_task(bind=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def build_ctdc_export(self, export_id: int) -> dict:
    """Build one queued CTDC export; idempotent, so a retry is safe."""
    from .export_services import ctdc_export_build

    export = ctdc_export_build(export_id=export_id)
    return {"id": export.pk, "status": export.status, "records": export.row_count}


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def erase_expired_identities() -> dict:
    """Erase the identities whose retention period is over; safe to run again."""
    from .retention.services import identities_erase_expired

    erased = identities_erase_expired()
    return {"erased": len(erased)}
