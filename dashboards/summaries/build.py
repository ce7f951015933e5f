"""Rebuilding the materialised figures: every figure shown unasked, for every scope in use."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

from django.db import transaction
from django.utils import timezone

from ctportal import access

from .models import FigureSummary, SummaryState
from .store import scope_key, shape_key, stored_dimensions


def scopes() -> Iterator[tuple[str, object]]:
    """Active users standing for the scopes in use, with the scope's key: one for each
    scope, role and organisation, as the dashboards they may open differ by those."""
    from accounts.models import User

    seen: set[tuple] = set()
    for user in User.objects.filter(is_active=True).order_by("pk"):
        if access.role_of(user) == access.Role.CASE_WORKER:
            # They read their office's figures once signed in with their second factor.
            user.is_verified = lambda: True
        key = scope_key(user)
        stands_for = (key, access.role_of(user), user.organisation_id)
        if key is None or stands_for in seen:
            continue
        seen.add(stands_for)
        yield key, user


def widget_shapes(user) -> Iterator[tuple[str, tuple[str, ...], object]]:
    """(metric, dimensions, filters) of every widget of the dashboards ``user`` may open,
    and of the wholes their parts are protected against."""
    from dashboards.models import Widget
    from dashboards.registry import METRICS

    widgets = Widget.objects.filter(dashboard__in=_dashboards(user).values("pk")).select_related(
        "dashboard", "filter_country"
    )
    for widget in widgets:
        metric = METRICS.get(widget.metric)
        if metric is None or widget.shape_errors():
            continue
        dims = tuple(d for d in widget.dimensions if d)
        yield metric.code, dims, widget.filters()
        if metric.subset_of:
            yield metric.subset_of, dims, widget.filters()


def api_shapes() -> Iterator[tuple[str, tuple[str, ...], object]]:
    """(metric, dimensions, filters) of every figure the metrics API offers unnarrowed with
    at most one dimension: each metric's total and its breakdown by each dimension."""
    from dashboards.registry import METRICS, Filters

    for metric in METRICS.values():
        yield metric.code, (), Filters()
        for dim in metric.dimensions:
            yield metric.code, (dim,), Filters()


def _dashboards(user):
    from dashboards.models import Dashboard

    return Dashboard.objects.visible_to(user)


def rebuild() -> dict:
    """Recompute every summary; written only if no source record changed meanwhile.

    Returns what was done: ``written`` (False when a change came in, and the
    rebuild should run again), the number of summaries and scopes, the seconds taken.
    """
    from assistance.selectors import FIGURES_PAGE as CASES_PAGE
    from assistance.selectors import case_numbers
    from dashboards.figures import raw_figure
    from dashboards.registry import Query, get_metric
    from trainings.breakdowns import AGGREGATE, DIMENSIONS, breakdown_numbers
    from trainings.selectors import FIGURES_PAGE as TRAININGS_PAGE
    from trainings.selectors import training_numbers

    started = time.perf_counter()
    state, _created = SummaryState.objects.get_or_create(pk=1)
    version = state.version
    rows: dict[tuple[str, str, str], object] = {}
    totals_of: dict[str, dict] = {}
    for key, user in scopes():
        if (TRAININGS_PAGE, "", key) not in rows:
            rows[(TRAININGS_PAGE, "", key)] = training_numbers(user=user)
            rows[(CASES_PAGE, "", key)] = case_numbers(user=user)
        shapes = widget_shapes(user)
        if access.can_use(user, "dashboards"):
            # Those who read dashboards read figures through the API too.
            shapes = itertools.chain(shapes, api_shapes())
            for by in DIMENSIONS:
                if (AGGREGATE, by, key) not in rows:
                    rows[(AGGREGATE, by, key)] = breakdown_numbers(user=user, by=by)
        totals = totals_of.setdefault(key, {})
        for code, dims, filters in shapes:
            shape = shape_key(stored_dimensions(get_metric(code), dims), filters.key())
            if (code, shape, key) not in rows:
                query = Query(user, dims, filters)
                rows[(code, shape, key)] = raw_figure(get_metric(code), query, totals)
    with transaction.atomic():
        # Held until the new rows are in: a change committing meanwhile moves the
        # version after them, so they are never read as current.
        state = SummaryState.objects.select_for_update().get(pk=1)
        written = state.version == version
        if written:
            FigureSummary.objects.all().delete()
            FigureSummary.objects.bulk_create(
                [
                    FigureSummary(kind=kind, shape=shape, scope=key, version=version, data=data)
                    for (kind, shape, key), data in rows.items()
                ],
                batch_size=500,
            )
            state.built_version = version
            state.built_at = timezone.now()
            state.build_seconds = time.perf_counter() - started
            state.save(update_fields=["built_version", "built_at", "build_seconds"])
    return {
        "written": written,
        "summaries": len(rows),
        "scopes": len({key for _kind, _shape, key in rows}),
        "seconds": round(time.perf_counter() - started, 3),
    }
