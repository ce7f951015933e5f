"""Tasks of the job component itself."""

from celery import shared_task


@shared_task
def send_waiting_jobs() -> int:
    """Send the jobs recorded while the broker was unreachable (see ctportal.jobs)."""
    from .jobs import jobs_send_waiting

    return jobs_send_waiting()
