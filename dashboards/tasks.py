"""Background jobs of dashboards: keeping the materialised figures current."""

from celery import shared_task
from django.core.cache import cache
from django.db import OperationalError

from ctportal.jobs import TASK_OPTIONS

RUNNING_KEY = "summaries:rebuilding"
RUNNING_SECONDS = 60 * 60


@shared_task(autoretry_for=(ConnectionError, OperationalError), retry_backoff=True, **TASK_OPTIONS)
def rebuild_summaries(self) -> dict:
    """Recompute the figure summaries; again later if records changed meanwhile."""
    from .summaries import store
    from .summaries.build import rebuild

    if not cache.add(RUNNING_KEY, 1, RUNNING_SECONDS):
        # One at a time; the running one is followed by another if it missed a change.
        return {"written": False, "running": True}
    try:
        done = rebuild()
    finally:
        cache.delete(RUNNING_KEY)
    if not done["written"]:
        store.queue_rebuild()
    return done
