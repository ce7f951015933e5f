"""A worker that stops taking messages while its broker is reachable ends itself.

Celery's Redis consumer can come back from a lost broker connection without consuming
again (celery/celery#10205, #10302): the process stays up, nothing runs, and queued jobs
wait for ever. So every ``WORKER_WATCHDOG_INTERVAL`` seconds the worker sends a probe to
its own queue (``worker_direct``). When no message at all has reached its consumer for
``WORKER_WATCHDOG_GRACE`` seconds, while the broker took the probes and the worker had a
free slot to fetch with, it shuts down warm with exit code 1, and its supervisor (the
compose file's restart policy, systemd) starts a fresh one. Nothing is lost: a running
job's message is acknowledged late and handed back, and the job sweeper sends again any
job whose message went missing (``ctportal.jobs``).

A worker that does not leave after a warm shutdown was asked for (a consumer stuck for
good) is stopped cold after another grace period, and the process ends after a third.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from celery import signals

logger = logging.getLogger(__name__)

PROBE_TASK = "ctportal.tasks.worker_probe"
EXIT_STALLED = 1
MIN_GRACE_INTERVALS = 3


@dataclass
class Watchdog:
    """When a worker's consumer is stalled: decided from what the worker saw, no I/O."""

    grace: float
    clock: Callable[[], float] = time.monotonic
    last_message: float = field(default=0.0)
    reachable_since: float | None = None

    def __post_init__(self) -> None:
        self.last_message = self.clock()

    def received(self) -> None:
        """A message reached the consumer: it is taking messages."""
        self.last_message = self.clock()

    def observe(self, *, sent: bool, saturated: bool) -> bool:
        """Record one probe round; True when the consumer is stalled.

        ``sent``: the broker took this round's probe. ``saturated``: every slot the
        worker fetches for is busy, so it rightly takes nothing new.
        """
        now = self.clock()
        if not sent:
            self.reachable_since = None  # the broker is down: the consumer cannot take anything
            return False
        if self.reachable_since is None:
            self.reachable_since = now
        if saturated:
            self.last_message = now
            return False
        quiet_since = max(self.last_message, self.reachable_since)
        return now - quiet_since >= self.grace


class _Runner:
    """The watchdog's thread in a worker's main process."""

    def __init__(self, consumer, interval: float, grace: float):
        self.consumer = consumer
        self.interval = interval
        self.watchdog = Watchdog(grace=grace)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, name="ctportal-watchdog", daemon=True)

    def saturated(self) -> bool:
        from celery.worker import state

        # A task waiting for its countdown holds an unacknowledged message, and a raised
        # prefetch limit, while it sits in scheduled_requests: count it with the reserved.
        limit = getattr(getattr(self.consumer, "qos", None), "value", 0) or 0
        held = len(state.reserved_requests) + len(state.scheduled_requests)
        return bool(limit) and held >= limit

    def send_probe(self) -> bool:
        from celery.utils.nodenames import worker_direct

        app = self.consumer.app
        try:
            app.send_task(
                PROBE_TASK,
                queue=worker_direct(self.consumer.hostname),
                expires=self.watchdog.grace,
                ignore_result=True,
            )
        except Exception:  # noqa: BLE001 - any failure to send means the broker is unreachable
            return False
        return True

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            sent = self.send_probe()
            if self.watchdog.observe(sent=sent, saturated=self.saturated()):
                self.leave()
                return

    def leave(self) -> None:
        from celery.worker import state

        grace = self.watchdog.grace
        logger.critical(
            "The worker took no message for %.0f s while its broker was reachable: "
            "it stops so that its supervisor starts a fresh one.",
            grace,
            extra={"event": "worker_stalled", "hostname": self.consumer.hostname},
        )
        state.should_stop = EXIT_STALLED
        if self.stopping.wait(grace):
            return
        logger.critical("The stalled worker did not stop: stopping it cold.")
        state.should_terminate = EXIT_STALLED
        if self.stopping.wait(grace):
            return
        logging.shutdown()
        os._exit(EXIT_STALLED)


_runner: _Runner | None = None
_lock = threading.Lock()


@signals.worker_ready.connect(weak=False)
def _start(sender=None, **kwargs) -> None:
    """Start once per worker process (the consumer reports ready again after reconnecting)."""
    global _runner
    from django.conf import settings

    interval = getattr(settings, "WORKER_WATCHDOG_INTERVAL", 0)
    grace = getattr(settings, "WORKER_WATCHDOG_GRACE", 0)
    if not interval or not grace or sender is None or not sender.app.conf.worker_direct:
        return
    if grace < MIN_GRACE_INTERVALS * interval:
        # A probe answered at once is still an interval old when the next round looks: a
        # grace within a few intervals would stop healthy workers.
        logger.warning(
            "WORKER_WATCHDOG_GRACE (%s s) is under %s times WORKER_WATCHDOG_INTERVAL (%s s): "
            "the watchdog uses %s s.",
            grace,
            MIN_GRACE_INTERVALS,
            interval,
            MIN_GRACE_INTERVALS * interval,
        )
        grace = MIN_GRACE_INTERVALS * interval
    with _lock:
        if _runner is not None:
            return
        _runner = _Runner(sender, interval, grace)
        _runner.thread.start()


@signals.task_received.connect(weak=False)
def _received(sender=None, **kwargs) -> None:
    if _runner is not None:
        _runner.watchdog.received()


@signals.worker_shutting_down.connect(weak=False)
def _stop(sender=None, **kwargs) -> None:
    if _runner is not None:
        _runner.stopping.set()
