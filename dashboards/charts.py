"""What a widget draws: figures turned into tables and SVG geometry for the chart templates.

Templates only place what is computed here. Amounts in different currencies
are never drawn on one scale: a money figure makes one group per currency.
A hidden small cell draws no mark (its length or area would tell the number
it hides), and rows are ordered so that a hidden one's place among the shown
ones tells nothing either. In right-to-left languages bars grow from the
right and time runs from right to left; the map keeps its geography. Text in
the SVG is laid out left to right (numbers and ISO codes must read that way)
and placed here with physical anchors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.html import format_html
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

from projects.templatetags.portal_format import money, number

from .figures import Figure, Row
from .registry import DIMENSIONS

# Okabe–Ito: told apart with every common colour-vision deficiency. The classes
# s0…s7 in dashboards.css carry these colours in this order.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
MAX_SERIES = len(PALETTE)
# Drawing widths by widget width, so that text keeps about the same size on screen.
WIDTHS = {"third": 400, "half": 600, "full": 1000}
LABEL_CHARS = 30


def svg(number_: float) -> str:
    # SVG coordinates must not be localised ("12,5" breaks them in French).
    return f"{number_:.1f}"


def short(label: str, chars: int = LABEL_CHARS) -> str:
    return label if len(label) <= chars else label[: chars - 1].rstrip() + "…"


def compact(value, currency: str = "") -> str:
    """A number short enough for a chart label: 1.3 M, 350 k, 1,234."""
    value = Decimal(value)
    if currency and abs(value) >= 1_000_000:
        return _("%(number)s M") % {"number": number(value / 1_000_000, 1)}
    if currency and abs(value) >= 10_000:
        return _("%(number)s k") % {"number": number(value / 1_000, 0)}
    return number(value, 0 if value == value.to_integral_value() else 1)


@dataclass
class Shown:
    """One figure as a viewer may read it: a number, a hidden marker, or nothing."""

    value: int | Decimal | None  # None when hidden or absent
    text: str  # plain text, for SVG and titles
    html: str  # for tables
    suppressed: bool = False

    @property
    def drawn(self) -> float:
        # Marks have no negative length (a refund can make spend negative).
        return max(0.0, float(self.value or 0))


NOTHING = Shown(None, "—", "—")


def shown(cell, currency: str = "") -> Shown:
    if cell is None:
        return NOTHING
    if cell.suppressed:
        marker = str(cell.shown)
        return Shown(None, marker, format_html('<bdi dir="ltr">{}</bdi>', marker), True)
    value = cell.value or 0
    if currency:
        return Shown(value, f"{currency} {number(value)}", money(value, currency))
    return Shown(value, number(value), format_html("<bdi>{}</bdi>", number(value)))


@dataclass
class Group:
    """The part of a figure drawn on one scale: everything, or one currency of money."""

    currency: str
    dims: tuple[str, ...]
    rows: list[Row]
    total: Shown | None = None
    more: int = 0
    more_series: int = 0
    table: dict[str, Any] = field(default_factory=dict)
    plot: dict[str, Any] = field(default_factory=dict)


def split_groups(figure: Figure) -> list[Group]:
    money_figure = figure.metric.unit == "money"
    dims = figure.dimensions[1:] if money_figure else figure.dimensions
    totals = {t.keys[:1] if money_figure else (): t.cell for t in figure.totals}
    if not money_figure:
        total = totals.get(())
        return [Group("", dims, list(figure.rows), shown(total) if total else None)]
    groups: dict[str, Group] = {}
    for row in figure.rows:
        currency = str(row.keys[0])
        group = groups.setdefault(currency, Group(currency, dims, []))
        group.rows.append(Row(row.keys[1:], row.labels[1:], row.cell))
    for (currency,), cell in totals.items():
        group = groups.setdefault(str(currency), Group(str(currency), dims, []))
        group.total = shown(cell, str(currency))
    return sorted(groups.values(), key=lambda g: g.currency)


def _order(rows: list[Row], ordered: bool) -> list[Row]:
    """Time in its order; otherwise the largest shown first and the hidden ones last."""
    if ordered:
        return list(rows)
    return sorted(
        rows,
        key=lambda r: (
            r.cell.suppressed,
            0.0 if r.cell.suppressed else -float(r.cell.value or 0),
            r.label,
        ),
    )


def _keys_by_size(rows: list[Row], index: int, dim: str) -> list[tuple[Any, str]]:
    """Distinct keys of one dimension with their labels, in drawing order."""
    sizes: dict[Any, float] = {}
    labels: dict[Any, str] = {}
    for row in rows:
        key = row.keys[index]
        labels[key] = row.labels[index]
        sizes[key] = sizes.get(key, 0.0) + (
            0.0 if row.cell.suppressed else float(row.cell.value or 0)
        )
    keys = list(labels)
    if is_ordered(dim):
        keys.sort(key=DIMENSIONS[dim].sort_key)
    else:
        keys.sort(key=lambda k: (-sizes[k], labels[k]))
    return [(k, labels[k]) for k in keys]


def take(items: list, limit: int, ordered: bool) -> tuple[list, int]:
    """The first ``limit`` items, or the latest ones over time; and how many were left out."""
    if len(items) <= limit:
        return items, 0
    return (items[-limit:] if ordered else items[:limit]), len(items) - limit


def is_ordered(dim: str) -> bool:
    return bool(dim in DIMENSIONS and DIMENSIONS[dim].ordered)


def one_way_table(group: Group, limit: int) -> None:
    ordered = is_ordered(group.dims[0])
    rows, group.more = take(_order(group.rows, ordered), limit, ordered)
    group.rows = rows
    group.table = {
        "columns": None,
        "rows": [{"label": r.label, "cells": [shown(r.cell, group.currency)]} for r in rows],
    }


def two_way_table(group: Group, limit: int) -> tuple[list, list, dict]:
    """A pivot: the first dimension down, the second across (at most MAX_SERIES columns)."""
    first, second = group.dims
    lines, group.more = take(_keys_by_size(group.rows, 0, first), limit, is_ordered(first))
    series, group.more_series = take(
        _keys_by_size(group.rows, 1, second), MAX_SERIES, is_ordered(second)
    )
    cells = {row.keys: row.cell for row in group.rows}
    group.table = {
        "columns": [label for _key, label in series],
        "rows": [
            {
                "label": label,
                "cells": [shown(cells.get((key, s)), group.currency) for s, _l in series],
            }
            for key, label in lines
        ],
    }
    return lines, series, cells


@dataclass
class Layout:
    """The rows and parts a plot draws: ``cells[(key, part)]``; one part named None."""

    keys: list[tuple[Any, str]]
    series: list[tuple[Any, str]]
    cells: dict[tuple, Any]
    rtl: bool
    uid: str
    width: int = WIDTHS["half"]


def bar_plot(group: Group, layout: Layout) -> None:
    """Horizontal bars, one per row, labels before and values after the bar."""
    width_, row_h, bar_h = layout.width, 26, 16
    label_w, value_w = min(190, int(width_ * 0.34)), 86
    plot_w = width_ - label_w - value_w
    rtl = layout.rtl
    values = [shown(layout.cells.get((key, None)), group.currency) for key, _l in layout.keys]
    top = max((v.drawn for v in values), default=0)
    bars = []
    for index, ((_key, label), value) in enumerate(zip(layout.keys, values, strict=True)):
        width = plot_w * value.drawn / top if top else 0.0
        y = 4 + index * row_h
        if rtl:
            bar_x, label_x, value_x = (
                width_ - label_w - width,
                width_ - label_w + 8,
                width_ - label_w - width - 6,
            )
        else:
            bar_x, label_x, value_x = label_w, label_w - 8, label_w + width + 6
        bars.append(
            {
                "label": short(label),
                "title": f"{label}: {value.text}",
                "x": svg(bar_x),
                "y": svg(y),
                "width": svg(width),
                "drawn": width > 0,
                "text_y": svg(y + bar_h / 2 + 4),
                "label_x": svg(label_x),
                "value_x": svg(value_x),
                "value": value.text if value.suppressed else compact(value.drawn, group.currency),
                "suppressed": value.suppressed,
            }
        )
    group.plot = {
        "width": width_,
        "height": 8 + len(bars) * row_h,
        "bar_height": bar_h,
        "bars": bars,
        "axis_x": svg(width_ - label_w if rtl else label_w),
        "label_anchor": "start" if rtl else "end",
        "value_anchor": "end" if rtl else "start",
    }


def stacked_plot(group: Group, layout: Layout) -> None:
    """Horizontal bars split into parts, one colour per part of the second dimension."""
    width_, row_h, bar_h = layout.width, 26, 16
    label_w = min(190, int(width_ * 0.34))
    plot_w = width_ - label_w - 24
    rtl, cells = layout.rtl, layout.cells

    def part(key, s) -> Shown:
        return shown(cells.get((key, s)), group.currency)

    sums = {key: sum(part(key, s).drawn for s, _l in layout.series) for key, _l in layout.keys}
    top = max(sums.values(), default=0)
    bars = []
    for index, (key, label) in enumerate(layout.keys):
        y = 4 + index * row_h
        cursor = 0.0
        parts = []
        for colour, (s, s_label) in enumerate(layout.series):
            value = part(key, s)
            width = plot_w * value.drawn / top if top else 0.0
            if width > 0:
                x = width_ - label_w - cursor - width if rtl else label_w + cursor
                parts.append(
                    {
                        "x": svg(x),
                        "width": svg(width),
                        "colour": colour,
                        "title": f"{label} · {s_label}: {value.text}",
                    }
                )
            cursor += width
        bars.append(
            {
                "label": short(label),
                "title": label,
                "y": svg(y),
                "text_y": svg(y + bar_h / 2 + 4),
                "parts": parts,
                # A part hidden from the viewer is marked, not drawn.
                "hidden": any(part(key, s).suppressed for s, _l in layout.series),
                "marker_x": svg(width_ - label_w - cursor - 6 if rtl else label_w + cursor + 6),
            }
        )
    group.plot = {
        "width": width_,
        "height": 8 + len(bars) * row_h,
        "bar_height": bar_h,
        "bars": bars,
        "axis_x": svg(width_ - label_w if rtl else label_w),
        "label_x": svg(width_ - label_w + 8 if rtl else label_w - 8),
        "label_anchor": "start" if rtl else "end",
        "marker_anchor": "end" if rtl else "start",
        "legend": legend(layout.series),
    }


def legend(series: list[tuple[Any, str]]) -> list[dict[str, Any]]:
    return [{"label": label, "colour": i} for i, (_key, label) in enumerate(series)]


def build(widget, figure: Figure) -> dict[str, Any]:
    """Everything the chart templates need to draw ``widget`` from ``figure``."""
    from . import cartogram, lines

    plots = {
        "bar": bar_plot,
        "stacked_bar": stacked_plot,
        "line": lines.line_plot,
        "donut": lines.donut_plot,
        "map": cartogram.map_plot,
    }
    rtl = bool(get_language_bidi())
    kind = widget.kind
    groups = split_groups(figure)
    for group in groups:
        if kind == "kpi" or not group.dims:
            continue
        if kind == "line":
            lines.fill_periods(group)
        if len(group.dims) == 1:
            # A map shows every country it has; other charts their largest rows.
            one_way_table(group, len(group.rows) if kind == "map" else widget.max_rows)
            keys = [(r.keys[0], r.label) for r in group.rows]
            series = [(None, "")]
            cells = {(r.keys[0], None): r.cell for r in group.rows}
        else:
            keys, series, cells = two_way_table(group, widget.max_rows)
        if kind in plots and group.rows:
            width = WIDTHS.get(widget.width, WIDTHS["half"])
            plots[kind](group, Layout(keys, series, cells, rtl, f"w{widget.pk}", width))
    cells = [row.cell for group in groups for row in group.rows]
    cells += [t.cell for t in figure.totals]
    metric = figure.metric
    money_figure = metric.unit == "money"
    return {
        "kind": kind,
        "uid": f"w{widget.pk}",
        "groups": groups,
        "empty": not any(group.rows for group in groups),
        "small": any(c.suppressed and not c.hidden for c in cells),
        "hidden": any(c.hidden for c in cells),
        "marker": f"<{max((c.limit for c in cells), default=0) + 1}",
        "overlapping": [
            str(DIMENSIONS[d].label) for d in figure.dimensions if d in metric.overlapping
        ],
        "money": money_figure,
        "dimension_labels": _dimension_labels(figure.dimensions, money_figure),
    }


def _dimension_labels(dims: tuple[str, ...], money_figure: bool) -> list[str]:
    dims = dims[1:] if money_figure else dims
    return [str(DIMENSIONS[d].label) for d in dims]
