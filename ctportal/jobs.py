"""One background-job component: reports, exports and imports are all built this way.

A job is a row (``BackgroundJob`` mixin) and a Celery task that builds it.

- Queue (``job_queue``): a new attempt number is written with the row in the
  request's transaction; the message goes out after commit. The row is the
  outbox: a message that could not be sent (broker down) leaves the job
  waiting with no ``sent_at``, and ``jobs_send_waiting`` (beat, every minute)
  sends it once the broker is back. The web request never waits more than
  about a second for the broker.
- Run (``job_run``, from the task): the row is locked, and only the current
  attempt may start. A late redelivery of an older attempt does nothing, a
  second delivery of a job that is running elsewhere waits and looks again,
  and a finished job is left alone: one copy, whatever the broker delivers.
- Heartbeat: a running job touches ``heartbeat_at`` every ``JOB_HEARTBEAT``
  seconds (a thread in the worker, and every progress step). A job silent for
  ``JOB_STOPPED_AFTER`` seconds lost its worker: it is shown as stopped and
  may be run again at once (a new attempt).
- Messages are acknowledged late and given back when a worker dies, with a
  visibility timeout just over ``JOB_TIME_LIMIT`` (settings).

Each job model only says which statuses mean waiting and running, and which
task builds it; each builder only says what it builds.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.db import close_old_connections, connection, models, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# Sent, never started, for this long: shown as stopped, may be run again.
WAITING_STOPPED_AFTER = datetime.timedelta(minutes=30)
MESSAGE_LENGTH = 300

# Options every job task shares: a stuck build ends as a recorded failure.
TASK_OPTIONS: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": settings.JOB_TIME_LIMIT * 9 // 10,
    "time_limit": settings.JOB_TIME_LIMIT,
    "max_retries": 3,
}
# Times a delivery may look again at a job running in another worker.
BUSY_RETRIES = 30


class JobState(models.TextChoices):
    """What a person sees of any job, whatever its own statuses."""

    WAITING = "waiting", _("Waiting to start")
    RUNNING = "running", _("Running")
    STOPPED = "stopped", _("Stopped: run it again")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class BackgroundJob(models.Model):
    """Fields and rules every background job shares; the model keeps its own ``status``.

    Subclasses set ``job_task`` (the task's name), ``job_waiting`` and
    ``job_running`` (their statuses for those states), ``job_started`` (the
    status a run begins with), ``job_failed`` and ``job_finished`` (every
    status after which nothing more happens).
    """

    job_task: str = ""
    job_waiting: tuple[str, ...] = ("pending",)
    job_running: tuple[str, ...] = ("running",)
    job_started: str = "running"
    job_failed: str = "failed"
    job_finished: tuple[str, ...] = ("done",)

    attempt = models.PositiveIntegerField(_("attempt"), default=0, editable=False)
    sent_at = models.DateTimeField(_("sent to a worker"), null=True, blank=True, editable=False)
    started_at = models.DateTimeField(_("started"), null=True, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def job_active(self) -> bool:
        return self.status in self.job_waiting or self.status in self.job_running

    @property
    def stopped(self) -> bool:
        """Waiting or running, but its worker is gone: it may be run again."""
        now = timezone.now()
        if self.status in self.job_running:
            last = self.heartbeat_at or self.started_at
            silence = datetime.timedelta(seconds=settings.JOB_STOPPED_AFTER)
            return last is None or last < now - silence
        if self.status in self.job_waiting:
            return self.sent_at is not None and self.sent_at < now - WAITING_STOPPED_AFTER
        return False

    @property
    def in_progress(self) -> bool:
        return self.job_active and not self.stopped

    @property
    def job_state(self) -> str:
        if self.stopped:
            return JobState.STOPPED
        if self.status in self.job_waiting:
            return JobState.WAITING
        if self.status in self.job_running:
            return JobState.RUNNING
        if self.status == self.job_failed:
            return JobState.FAILED
        return JobState.DONE

    @property
    def job_state_label(self) -> str:
        return JobState(self.job_state).label

    @staticmethod
    def job_failure_reason(exc: BaseException) -> str:
        """What a failed run records: the kind of error only, no data from its message."""
        return exc.__class__.__name__

    @property
    def job_progress(self) -> int | None:
        """Percent done while running, when the job knows it."""
        return None


Job = TypeVar("Job", bound=BackgroundJob)


class JobBusy(Exception):
    """The job is running in another worker: look again later."""


class JobSuperseded(Exception):
    """A newer attempt of the job was started: this run stops and writes nothing more."""


def job_models() -> list[type[BackgroundJob]]:
    return [model for model in apps.get_models() if issubclass(model, BackgroundJob)]


# --- the web side: queue and send ---------------------------------------------


def job_queue(job: BackgroundJob, *, update_fields: tuple[str, ...] = ()) -> BackgroundJob:
    """Start a new attempt of ``job`` (saved or not) and send it once the transaction commits.

    The caller holds the row (``select_for_update``) when it may be queued twice.
    ``update_fields`` are the caller's own fields changed with it.
    """
    job.attempt += 1
    job.status = job.job_waiting[0]
    job.sent_at = job.started_at = job.heartbeat_at = job.finished_at = None
    if job.pk is None:
        job.save()
    else:
        fields = ("attempt", "status", "sent_at", "started_at", "heartbeat_at", "finished_at")
        job.save(update_fields=[*fields, *update_fields])
    model, pk, attempt = type(job), job.pk, job.attempt
    transaction.on_commit(lambda: job_send(model, pk, attempt))
    return job


def job_rerun(model: type[Job], pk: int, *, reset: dict[str, Any] | None = None) -> Job:
    """Run a failed or stopped job again, as a new attempt. Refused while it is in progress.

    The caller has checked the user may. ``reset`` holds the job's own fields to
    set back (its error, its progress) for the new attempt.
    """
    from django.core.exceptions import ValidationError

    with transaction.atomic():
        job = model.objects.select_for_update().get(pk=pk)
        if job.in_progress:
            raise ValidationError(_("This job is still running; wait until it ends."))
        if job.status in job.job_finished:
            raise ValidationError(_("This job has already finished."))
        for name, value in (reset or {}).items():
            setattr(job, name, value)
        return job_queue(job, update_fields=tuple(reset or ()))


def _task(model: type[BackgroundJob]):
    from ctportal.celery import app

    module = model.job_task.rsplit(".", 1)[0]
    __import__(module)
    return app.tasks[model.job_task]


def job_send(model: type[BackgroundJob], pk: int, attempt: int) -> bool:
    """Hand one attempt to the broker; False (logged, left in the outbox) when it is down."""
    from ctportal.celery import app

    task = _task(model)
    if app.conf.task_always_eager:
        model.objects.filter(pk=pk, attempt=attempt).update(sent_at=timezone.now())
        task.apply_async(args=(pk, attempt))
        return True
    try:
        with app.connection_for_write() as conn:
            # One quick try: the broker is there or the job waits for the sweeper.
            conn.ensure_connection(max_retries=0, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT)
            task.apply_async(args=(pk, attempt), connection=conn, retry=False)
    except Exception as exc:  # noqa: BLE001 - any broker failure leaves the job in the outbox
        logger.warning(
            "%s %s (attempt %s) not sent, the broker is unreachable (%s); it will be sent "
            "when the broker is back",
            model._meta.label,
            pk,
            attempt,
            exc.__class__.__name__,
        )
        return False
    model.objects.filter(pk=pk, attempt=attempt).update(sent_at=timezone.now())
    return True


def jobs_send_waiting(*, now: datetime.datetime | None = None) -> int:
    """Send every waiting job never sent, or sent long ago and never started. Returns the count."""
    now = now or timezone.now()
    sent = 0
    for model in job_models():
        waiting = model.objects.filter(status__in=model.job_waiting).filter(
            models.Q(sent_at__isnull=True)
            | models.Q(sent_at__lt=now - datetime.timedelta(seconds=settings.JOB_RESEND_AFTER))
        )
        for pk, attempt in waiting.values_list("pk", "attempt"):
            if not job_send(model, pk, attempt):
                return sent  # the broker is down: the rest waits for the next sweep
            sent += 1
    return sent


# --- the worker side: run, heartbeat, finish ------------------------------------


def job_begin(model: type[Job], pk: int, attempt: int | None) -> Job | None:
    """Lock the job and mark it started, or None when this delivery has nothing to do.

    Raises JobBusy when the same attempt runs in a worker that is still alive.
    """
    with transaction.atomic():
        job = model.objects.select_for_update().filter(pk=pk).first()
        if job is None:
            return None
        if attempt is None:  # a message from before attempts were numbered
            attempt = job.attempt
        if job.attempt != attempt:
            logger.info("%s %s: attempt %s superseded, skipped", model._meta.label, pk, attempt)
            return None
        if job.status in job.job_finished:
            return None
        if job.status in job.job_running and not job.stopped:
            raise JobBusy
        now = timezone.now()
        job.status = job.job_started
        job.started_at = job.heartbeat_at = now
        job.finished_at = None
        job.save(update_fields=["status", "started_at", "heartbeat_at", "finished_at"])
        return job


def job_touch(job: BackgroundJob, **fields: Any) -> None:
    """Record a sign of life (and any progress fields); stop if a newer attempt took over."""
    updated = (
        type(job)
        .objects.filter(pk=job.pk, attempt=job.attempt)
        .update(heartbeat_at=timezone.now(), **fields)
    )
    if not updated:
        raise JobSuperseded


# Sent once the attempt's end is committed (``job``: the finished or failed job), e.g. to
# mail the person who started it.
job_ended = Signal()


def job_finish(job: BackgroundJob, *, status: str | None = None, **fields: Any) -> bool:
    """Mark the attempt finished (``done`` by default). False if a newer attempt took over."""
    now = timezone.now()
    status = status or job.job_finished[0]
    updated = (
        type(job)
        .objects.filter(pk=job.pk, attempt=job.attempt)
        .update(status=status, finished_at=now, heartbeat_at=now, **fields)
    )
    if updated:
        job.status, job.finished_at = status, now
        for name, value in fields.items():
            setattr(job, name, value)
        transaction.on_commit(lambda: job_ended.send(sender=type(job), job=job))
    return bool(updated)


def job_fail(job: BackgroundJob, exc: BaseException | str, *, field: str = "error") -> bool:
    """Record the attempt as failed, with a short reason a person can read."""
    if isinstance(exc, BaseException):
        reason = f"{exc.__class__.__name__}: {exc}".strip().rstrip(":")
    else:
        reason = exc
    return job_finish(job, status=job.job_failed, **{field: reason[:MESSAGE_LENGTH]})


def job_store(job: BackgroundJob, field: str, filename: str, content) -> str:
    """Write a job's file under its fixed name, replacing an earlier attempt's: one copy."""
    current = getattr(job, field)
    storage = current.storage
    name = current.field.generate_filename(job, filename)
    for old in {name, current.name}:
        if old and storage.exists(old):
            storage.delete(old)
    return storage.save(name, content)


@contextlib.contextmanager
def job_heartbeat(job: BackgroundJob) -> Iterator[None]:
    """Touch the job every JOB_HEARTBEAT seconds while the block runs (workers only).

    The thread dies with its process, so a killed worker's job falls silent.
    """
    from ctportal.celery import app

    if app.conf.task_always_eager:
        yield
        return
    done = threading.Event()

    def beat() -> None:
        try:
            while not done.wait(settings.JOB_HEARTBEAT):
                try:
                    type(job).objects.filter(pk=job.pk, attempt=job.attempt).update(
                        heartbeat_at=timezone.now()
                    )
                except Exception:  # noqa: BLE001 - a missed beat is retried at the next
                    logger.warning("Heartbeat of %s %s missed", job._meta.label, job.pk)
                    close_old_connections()
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"heartbeat-{job.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=5)


def job_run(
    task, model: type[Job], pk: int, attempt: int | None, build: Callable[[Job], Any]
) -> Job | None:
    """What every job task does: begin this attempt, build with a heartbeat, return the row.

    ``build`` writes the job's own results and finishes it (``job_finish``);
    an exception it raises is recorded with ``job_fail`` (unless it recorded the
    failure itself) and raised again. ``task`` is the bound Celery task, or None
    when called directly. A delivery with nothing to do returns the row as it is.
    """
    try:
        job = job_begin(model, pk, attempt)
    except JobBusy:
        if task is None:
            raise
        # Running elsewhere: look again once that worker would have fallen silent.
        raise task.retry(countdown=settings.JOB_STOPPED_AFTER, max_retries=BUSY_RETRIES) from None
    if job is not None:
        try:
            with job_heartbeat(job):
                build(job)
        except JobSuperseded:
            pass
        except Exception as exc:
            logger.exception("%s %s failed", model._meta.label, pk)
            job.refresh_from_db(fields=["status"])
            if job.status not in job.job_finished and job.status != job.job_failed:
                job_fail(job, model.job_failure_reason(exc))
            raise
    return model.objects.filter(pk=pk).first()
