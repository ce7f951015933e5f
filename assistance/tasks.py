from celery import shared_task


@shared_task(bind=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def build_ctdc_export(self, export_id: int) -> dict:
    """Build one queued CTDC export; idempotent, so a retry is safe."""
    from .export_services import ctdc_export_build

    export = ctdc_export_build(export_id=export_id)
    return {"id": export.pk, "status": export.status, "records": export.row_count}


@shared_task
def publish_ctdc_release(user_id: int | None = None) -> dict:
    """Publish a new CTDC release; not retried, since a second run is a second release."""
    from django.contrib.auth import get_user_model

    from .ctdc import ctdc_release_publish

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    release = ctdc_release_publish(user=user)
    return {"id": release.pk, "records": release.published_count}
