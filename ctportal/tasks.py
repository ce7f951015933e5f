"""Tasks of the job component itself."""

from celery import shared_task


@shared_task
def send_waiting_jobs() -> int:
    """Send the jobs recorded while the broker was unreachable (see ctportal.jobs)."""
    from .jobs import jobs_send_waiting

    return jobs_send_waiting()


@shared_task(ignore_result=True)
def worker_heartbeat() -> None:
    """Run by beat every minute: a worker that runs it is taking tasks (/healthz, /metrics)."""
    from celery import current_task

    from .observability.tasks import heartbeat_record

    heartbeat_record(hostname=getattr(current_task.request, "hostname", "") or "")


@shared_task(ignore_result=True)
def worker_probe() -> None:
    """Sent by a worker to its own queue: its arrival shows the consumer takes messages.

    See ctportal.watchdog; the work is in receiving it, running it does nothing.
    """
