"""Reading and retiring materialised figures, and the scope a viewer's figures belong to."""

from __future__ import annotations

import contextlib
import hashlib
import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Subquery

from ctportal import access

from .models import FigureSummary, SummaryState

logger = logging.getLogger(__name__)

QUEUED_KEY = "summaries:rebuild-queued"
# Changes close together are followed by one rebuild, this many seconds after the first.
REBUILD_DELAY = 30


def scope_key(user) -> str | None:
    """What the data behind a viewer's figures depends on: the projects they see and, for
    cases, their office. None for someone who sees nothing (nothing is kept for them)."""
    cached = getattr(user, "_summary_scope_key", None)
    if cached:
        return cached
    role = access.role_of(user)
    if role is None:
        return None
    ids = access.visible_project_ids(user)
    projects = (
        "all"
        if ids is None
        else ",".join(str(pk) for pk in sorted(next(iter(row.values())) for row in ids))
    )
    cases = (
        f"office:{access.case_office_id(user)}" if role == access.Role.CASE_WORKER else "projects"
    )
    key = hashlib.sha256(f"{projects}|{cases}".encode()).hexdigest()[:32]
    with contextlib.suppress(AttributeError):
        user._summary_scope_key = key
    return key


def shape_key(dims: tuple[str, ...] | list[str], filters_key: str = "") -> str:
    return f"{','.join(dims)}|{filters_key}"


def stored_dimensions(metric, dims) -> tuple[str, ...]:
    """The dimensions a figure is kept under: money always comes by currency first, so a
    breakdown asked for with or without it is one figure (``dashboards.figures.raw_figure``)."""
    dims = tuple(d for d in dims if d)
    if metric.unit == "money" and (not dims or dims[0] != "currency"):
        dims = ("currency", *[d for d in dims if d != "currency"])
    return dims


def _current(queryset):
    # The version is compared in the same query: no window between the two reads.
    return queryset.filter(
        version=Subquery(SummaryState.objects.order_by("pk").values("version")[:1])
    )


def read(kind: str, shape: str, user) -> Any | None:
    """The stored data of a figure for the viewer's scope, if built from the current data."""
    scope = scope_key(user)
    if scope is None:
        return None
    wanted = getattr(user, "_summaries_wanted", None)
    if wanted is not None and (kind, shape) in wanted:
        if wanted[(kind, shape)] is _NOT_READ:
            _read_all(wanted, scope)
        row = wanted[(kind, shape)]
    else:
        row = (
            _current(FigureSummary.objects.filter(kind=kind, shape=shape, scope=scope))
            .values_list("data", flat=True)
            .first()
        )
    # A figure no summary holds is computed directly; the rebuilds queued by changes and
    # run by beat add the scopes and widgets that appear.
    return row


_NOT_READ = object()


@contextlib.contextmanager
def loaded(user, keys: list[tuple[str, str]]):
    """Within the block, the figures ``keys`` (kind, shape) of the viewer's scope are read
    together, in one query, at the first that is not cached (every widget of a dashboard)."""
    user._summaries_wanted = dict.fromkeys(keys, _NOT_READ)
    try:
        yield
    finally:
        del user._summaries_wanted


def _read_all(wanted: dict, scope: str) -> None:
    keys = [key for key, value in wanted.items() if value is _NOT_READ]
    rows = _current(
        FigureSummary.objects.filter(
            scope=scope, kind__in={k for k, _s in keys}, shape__in={s for _k, s in keys}
        )
    ).values_list("kind", "shape", "data")
    for key in keys:
        wanted[key] = None
    for kind, shape, data in rows:
        if (kind, shape) in wanted:
            wanted[(kind, shape)] = data


def changed() -> None:
    """Source records changed in the current transaction: no summary of the data as it
    was may be read once it commits."""
    transaction.on_commit(_move_on)


def _move_on() -> None:
    try:
        SummaryState.objects.update(version=F("version") + 1)
    except DatabaseError:
        # Data migrations of the apps, before this table is created: nothing to retire.
        if SummaryState._meta.db_table in connection.introspection.table_names():
            raise
        return
    queue_rebuild()


def queue_rebuild() -> None:
    """A rebuild soon, through the worker; with no worker (tasks run in-process) the
    figures are computed directly until ``manage.py rebuild_summaries`` is run."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    try:
        if not cache.add(QUEUED_KEY, 1, REBUILD_DELAY):
            return
        from dashboards.tasks import rebuild_summaries

        rebuild_summaries.apply_async(countdown=REBUILD_DELAY)
    except Exception:  # noqa: BLE001 - figures stay right without it, only slower
        # The scheduled rebuild catches up.
        logger.warning("Could not queue the rebuild of figure summaries", exc_info=True)
