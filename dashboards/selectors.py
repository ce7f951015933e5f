"""Reads of the dashboards pages, the CSV downloads and the admin preview.

Dashboards and widgets start from ``visible_to``; the figures of every
widget are computed for the viewer by ``figures``, whoever composed it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

from accounts.models import User
from ctportal.access import Role

from . import charts
from .figures import CACHE_SECONDS, BadDimension, Figure, figure_key, figures
from .models import Dashboard, Widget
from .registry import METRICS
from .summaries import store as summaries


def dashboard_list(*, user) -> QuerySet[Dashboard]:
    """The dashboards a user may open, in the administrators' order."""
    return Dashboard.objects.visible_to(user).select_related("country", "donor", "project")


def dashboard_get(*, user, slug: str) -> Dashboard:
    """One dashboard by its address; 404 when the user may not see it."""
    return get_object_or_404(dashboard_list(user=user), slug=slug)


def widget_get(*, user, slug: str, pk: int) -> Widget:
    """One widget of a dashboard the user may see; 404 otherwise."""
    dashboard = dashboard_get(user=user, slug=slug)
    return get_object_or_404(_widgets(dashboard), pk=pk)


def _widgets(dashboard: Dashboard) -> QuerySet[Widget]:
    return dashboard.widgets.select_related("filter_country")


def widget_figure(*, widget: Widget, user) -> Figure:
    """The widget's metric for the viewer, narrowed by the widget and its dashboard."""
    return figures(widget.metric, user=user, dimensions=widget.dimensions, filters=widget.filters())


@dataclass
class ShownWidget:
    widget: Widget
    title: str
    description: str
    chart: dict[str, Any] | None
    problem: str = ""
    # The chart drawn in HTML, kept with it (``components/charts/drawing.html``).
    drawing: str = ""


def dashboard_widgets(*, dashboard: Dashboard, user) -> list[ShownWidget]:
    """Every widget of the dashboard drawn for ``user``, in order."""
    widgets = list(_widgets(dashboard))
    with summaries.loaded(user, _summary_keys(widgets)):
        return [shown_widget(widget=widget, user=user) for widget in widgets]


def _summary_keys(widgets: list[Widget]) -> list[tuple[str, str]]:
    """The summaries the widgets' figures read, and those of the wholes of their parts."""
    keys = []
    for widget in widgets:
        metric = METRICS.get(widget.metric)
        if metric is None:
            continue
        dims = summaries.stored_dimensions(metric, widget.dimensions)
        shape = summaries.shape_key(dims, widget.filters().key())
        keys.append((metric.code, shape))
        if metric.subset_of:
            keys.append((metric.subset_of, shape))
    return keys


def shown_widget(*, widget: Widget, user) -> ShownWidget:
    """One widget drawn for ``user``, saved or not (the admin's live preview).

    A widget whose metric has gone from the registry, or no longer offers its
    breakdown, says so in place of its chart instead of breaking the page.
    """
    metric = METRICS.get(widget.metric)
    if metric is None:
        return ShownWidget(widget, widget.title, "", None, _("This figure is not available."))
    key = _chart_key(widget, metric, user)
    kept = cache.get(key) if key else None
    if kept is not None:
        chart, drawing = kept
        return ShownWidget(widget, widget.title, str(metric.description), chart, drawing=drawing)
    try:
        figure = widget_figure(widget=widget, user=user)
    except BadDimension:
        return ShownWidget(
            widget,
            widget.title,
            str(metric.description),
            None,
            _("This figure cannot be broken down this way any more."),
        )
    shown = ShownWidget(widget, widget.title, str(metric.description), charts.build(widget, figure))
    if key:
        # Drawn once for every reader of the same figure, until its records change.
        context = {"item": shown, "widget": widget, "chart": shown.chart}
        shown.drawing = render_to_string("components/charts/drawing.html", context)
        cache.set(key, (shown.chart, shown.drawing), CACHE_SECONDS)
    return shown


def _chart_key(widget: Widget, metric, user) -> str | None:
    """The cache key of a saved widget's chart and drawing for the viewer: its figure's key
    (retired with every change to the records) and what the drawing is made from besides."""
    if widget.pk is None:
        return None  # the admin's live preview of an unsaved widget
    dims = tuple(d for d in widget.dimensions if d)
    figure = figure_key(metric, user=user, dimensions=dims, filters=widget.filters())
    title = hashlib.sha256(str(widget.title).encode()).hexdigest()[:16]
    drawn = f"{widget.pk}:{widget.kind}:{widget.max_rows}:{widget.width}:{title}"
    return f"chart:{drawn}:{get_language_bidi()}:{figure}"


def csv_rows(figure: Figure) -> tuple[list[str], list[list[Any]]]:
    """The figure in long format, one line per cell, hidden cells as the viewer sees them.

    Hidden cells come last, so that their place among the shown ones tells
    nothing about their size.
    """
    header = ["metric"]
    for dim in figure.dimensions:
        header += [dim, f"{dim}_label"]
    header += ["value", "suppressed", "display"]
    records = figure.long()
    ordered = sorted(range(len(records)), key=lambda i: records[i]["suppressed"])
    return header, [[records[i].get(column, "") for column in header] for i in ordered]


def donor_viewer(organisation) -> User:
    """A stand-in donor user of ``organisation``, to preview what its users would see."""
    return User(
        username=f"preview-{organisation.pk}",
        role=Role.DONOR,
        organisation=organisation,
        is_active=True,
    )


def preview_donors() -> QuerySet:
    """Organisations that fund at least one project: the donors a preview can stand in for."""
    from projects.models import Organisation

    return Organisation.objects.filter(fundings__isnull=False).distinct().order_by("name")
