"""Retiring cached figures when the records behind them change.

Cached figures carry a generation number in their key. Any save or delete in
an app that provides metrics moves the number on, so the next read computes
afresh; stale entries simply expire. Bulk writes that send no signals
(``bulk_create``, ``QuerySet.update``) call ``invalidate()`` themselves.
The same signals move on the version of the figures materialised in the
database (``dashboards.summaries``), which the cache being cleared cannot undo.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

GENERATION_KEY = "metrics:generation"
SOURCE_APPS = {"projects", "trainings", "assistance", "research"}
# Rows no figure is computed from: logs, background jobs and history tables. Reading an
# identity, say, writes a log row, and must not retire every cached figure.
NOT_SOURCES = {
    "assistance.identityaccess",
    "assistance.casedataread",
    "assistance.identityerasure",
    "assistance.ctdcexport",
    "assistance.ctdcrelease",
    "assistance.ctdcrecord",
    "assistance.casenote",
    "projects.portfolioexport",
    "trainings.attendanceimport",
}


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        # A new series starts from the clock, so it never meets keys of an evicted one.
        cache.add(GENERATION_KEY, time.time_ns() // 1000, None)
        value = cache.get(GENERATION_KEY) or 1
    return int(value)


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet, or evicted: start a new series
        generation()


def invalidate() -> None:
    """Retire every cached figure and materialised summary once the current transaction
    commits."""
    from .summaries import store

    transaction.on_commit(_bump)
    store.changed()


def is_source(model) -> bool:
    meta = model._meta
    if meta.app_label not in SOURCE_APPS or meta.label_lower in NOT_SOURCES:
        return False
    # simple_history's tables: the record itself sends its own signal.
    return not meta.object_name.startswith("Historical")


def _changed(sender, **kwargs) -> None:
    if is_source(sender):
        invalidate()


def connect() -> None:
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_changed, dispatch_uid=f"metrics-invalidate-{signal}")
