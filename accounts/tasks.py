"""Background jobs of accounts."""

from celery import shared_task

from . import services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def announce_account_lock(lock_id: int) -> int:
    return services.account_lock_announce(lock_id=lock_id)
