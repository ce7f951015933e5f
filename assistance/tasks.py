from celery import shared_task
from django.db import OperationalError

from ctportal.jobs import TASK_OPTIONS


@shared_task(autoretry_for=(ConnectionError, OperationalError), retry_backoff=True, **TASK_OPTIONS)
def build_ctdc_export(self, export_id: int, attempt: int | None = None) -> dict:
    """Build one attempt of a queued CTDC export; a repeat or an old attempt does nothing."""
    from .export_services import ctdc_export_build

    export = ctdc_export_build(export_id=export_id, attempt=attempt, task=self)
    return {"id": export.pk, "status": export.status, "records": export.row_count}


@shared_task
def publish_ctdc_release(user_id: int | None = None) -> dict:
    """Publish a new CTDC release; not retried, since a second run is a second release."""
    from django.contrib.auth import get_user_model

    from .ctdc import ctdc_release_publish

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    release = ctdc_release_publish(user=user)
    return {"id": release.pk, "records": release.published_count}
