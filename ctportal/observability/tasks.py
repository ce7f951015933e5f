"""Celery task outcomes and the worker's heartbeat, kept in the shared cache.

The worker and the web nodes are different processes, often different hosts:
counts kept in a process would show only on that process's ``/metrics``. They
live in the cache (Redis in production) instead, so any node reports them all.
Counting never fails a task: an unreachable cache loses a count, nothing more.
"""

from __future__ import annotations

import logging
import time

from celery import signals
from django.core.cache import cache

logger = logging.getLogger(__name__)

OUTCOMES = ("succeeded", "failed", "retried")
HEARTBEAT_KEY = "observability:worker-heartbeat"
# Kept long enough to tell "stale" from "never seen" for a day.
HEARTBEAT_TTL = 60 * 60 * 24


def count_key(task_name: str, outcome: str) -> str:
    return f"observability:task:{task_name}:{outcome}"


def task_count(task_name: str, outcome: str) -> None:
    key = count_key(task_name, outcome)
    try:
        # add() is a no-op when the key exists; incr() is atomic in Redis.
        cache.add(key, 0, timeout=None)
        cache.incr(key)
    except Exception:  # noqa: BLE001 - a lost count must never fail the task
        logger.warning("could not count the outcome of %s", task_name)


def task_counts(task_names: list[str]) -> dict[tuple[str, str], int]:
    """Every outcome count of the given tasks, in one cache round trip."""
    keys = {
        count_key(name, outcome): (name, outcome) for name in task_names for outcome in OUTCOMES
    }
    found = cache.get_many(list(keys))
    return {keys[key]: int(value) for key, value in found.items()}


def heartbeat_record(*, hostname: str = "") -> float:
    now = time.time()
    cache.set(HEARTBEAT_KEY, {"at": now, "hostname": hostname}, timeout=HEARTBEAT_TTL)
    return now


def heartbeat_last() -> dict | None:
    return cache.get(HEARTBEAT_KEY)


def _name(sender=None, task=None) -> str:
    task = task or sender
    return getattr(task, "name", None) or str(task)


@signals.task_success.connect(weak=False)
def _on_success(sender=None, **kwargs) -> None:
    task_count(_name(sender), "succeeded")


@signals.task_failure.connect(weak=False)
def _on_failure(sender=None, **kwargs) -> None:
    task_count(_name(sender), "failed")


@signals.task_retry.connect(weak=False)
def _on_retry(sender=None, **kwargs) -> None:
    task_count(_name(sender), "retried")
