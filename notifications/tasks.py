"""Background jobs of notifications: thin, idempotent, retried."""

from smtplib import SMTPException

from celery import shared_task

from . import services


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=60 * 60,
    retry_jitter=True,
    max_retries=8,
    ignore_result=True,
)
def send_notification(notification_id: int) -> bool:
    return services.notification_send(notification_id=notification_id)


@shared_task(ignore_result=True)
def send_waiting_notifications() -> int:
    """Beat: messages recorded while the broker was unreachable go out now."""
    return services.notifications_send_waiting()


@shared_task(ignore_result=True)
def send_case_digests() -> int:
    """Beat, weekly: each case worker's list of cases needing follow-up (references only)."""
    from .announcements import case_digests_announce

    return case_digests_announce()
