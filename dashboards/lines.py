"""Line and donut geometry for dashboard widgets (see ``charts``)."""

from __future__ import annotations

import math
import re
from decimal import Decimal

from ctportal.suppression import Cell

from .charts import NOTHING, PALETTE, Group, Layout, compact, legend, shown, svg
from .figures import Row

LINE_HEIGHT = 240
# Inner edges of the plot: the axis side is wider for the value labels.
AXIS_SIDE, FAR_SIDE, TOP, BOTTOM = 58, 16, 14, 34
MAX_FILLED_PERIODS = 80
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def _period_index(key) -> int | None:
    """Years and quarters as consecutive integers, so that gaps can be filled."""
    if isinstance(key, int):
        return key * 4
    match = QUARTER.match(str(key))
    if match:
        return int(match[1]) * 4 + int(match[2]) - 1
    if str(key).isdigit():
        return int(key) * 4
    return None


def _period_key(index: int, quarterly: bool):
    year, quarter = divmod(index, 4)
    return f"{year}-Q{quarter + 1}" if quarterly else year


def fill_periods(group: Group) -> None:
    """Periods with nothing recorded count as zero, so a line does not skip over them."""
    indexes = {
        row.keys[0]: _period_index(row.keys[0]) for row in group.rows if row.keys[0] is not None
    }
    known = [i for i in indexes.values() if i is not None]
    if not known or len(known) != len(indexes):
        return
    quarterly = group.dims[0] == "quarter"
    step = 1 if quarterly else 4
    first, last = min(known), max(known)
    if (last - first) // step > MAX_FILLED_PERIODS:
        return
    limit = max((row.cell.limit for row in group.rows), default=0)
    series = {row.keys[1:]: row.labels[1:] for row in group.rows} or {(): ()}
    present = set(known)
    for index in range(first, last + 1, step):
        if index in present:
            continue
        key = _period_key(index, quarterly)
        for rest, labels in series.items():
            group.rows.append(Row((key, *rest), (str(key), *labels), Cell(0, limit)))
    group.rows.sort(key=lambda row: _period_index(row.keys[0]) if row.keys[0] is not None else -1)


def nice_top(value: float) -> float:
    """The axis maximum: 1, 2, 2.5 or 5 times a power of ten, at least ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def line_plot(group: Group, layout: Layout) -> None:
    """One line per part over time; a hidden point breaks its line and is not drawn."""
    rtl, width = layout.rtl, layout.width
    left, right = (FAR_SIDE, AXIS_SIDE) if rtl else (AXIS_SIDE, FAR_SIDE)
    plot_w = width - left - right
    plot_h = LINE_HEIGHT - TOP - BOTTOM
    n = len(layout.keys)

    def x_at(index: int) -> float:
        offset = plot_w / 2 if n == 1 else plot_w * index / (n - 1)
        return width - right - offset if rtl else left + offset

    values = {
        (key, s): shown(layout.cells[(key, s)], group.currency)
        if (key, s) in layout.cells
        else shown(Cell(0, 0), group.currency)
        for key, _l in layout.keys
        for s, _sl in layout.series
    }
    top = nice_top(max((v.drawn for v in values.values()), default=0))

    def y_at(value: float) -> float:
        return TOP + plot_h - plot_h * value / top

    series = []
    for colour, (s, s_label) in enumerate(layout.series):
        segments, points, current = [], [], []
        for index, (key, label) in enumerate(layout.keys):
            value = values[(key, s)]
            if value.suppressed:
                if current:
                    segments.append(" ".join(current))
                current = []
                continue
            x, y = svg(x_at(index)), svg(y_at(value.drawn))
            current.append(f"{x},{y}")
            name = f"{label} · {s_label}" if s_label else label
            points.append({"x": x, "y": y, "title": f"{name}: {value.text}"})
        if current:
            segments.append(" ".join(current))
        series.append({"colour": colour, "segments": segments, "points": points})
    every = max(1, math.ceil(n / 10))
    axis_x = width - right + 6 if rtl else left - 6
    group.plot = {
        "width": width,
        "height": LINE_HEIGHT,
        "series": series,
        "ticks": [
            {
                "y": svg(y_at(top * i / 4)),
                "text_y": svg(y_at(top * i / 4) + 4),
                "label": compact(Decimal(str(top * i / 4)), group.currency),
            }
            for i in range(5)
        ],
        "tick_x": svg(axis_x),
        "tick_anchor": "start" if rtl else "end",
        "grid_x1": svg(left),
        "grid_x2": svg(width - right),
        "periods": [
            {"x": svg(x_at(i)), "label": label}
            for i, (_key, label) in enumerate(layout.keys)
            if i % every == 0 or i == n - 1
        ],
        "hidden": [
            {"x": svg(x_at(i)), "text": values[(key, s)].text}
            for i, (key, _label) in enumerate(layout.keys)
            for s, _sl in layout.series
            if values[(key, s)].suppressed
        ],
        "period_y": svg(LINE_HEIGHT - BOTTOM + 18),
        "hidden_y": svg(TOP + 10),
        "legend": legend(layout.series) if layout.series[0][0] is not None else [],
    }


DONUT_SIZE = 220
OUTER, INNER = 104, 64
MAX_SLICES = len(PALETTE)


def _point(angle: float, radius: float) -> str:
    centre = DONUT_SIZE / 2
    return f"{svg(centre + radius * math.cos(angle))} {svg(centre + radius * math.sin(angle))}"


def _sector(start: float, end: float) -> str:
    large = 1 if end - start > math.pi else 0
    return (
        f"M {_point(start, OUTER)} A {OUTER} {OUTER} 0 {large} 1 {_point(end, OUTER)} "
        f"L {_point(end, INNER)} A {INNER} {INNER} 0 {large} 0 {_point(start, INNER)} Z"
    )


def donut_plot(group: Group, layout: Layout) -> None:
    """Slices of the shown values, the smallest beyond the palette gathered as one."""
    from django.utils.translation import gettext as _

    parts = [
        (label, shown(layout.cells.get((key, None)), group.currency)) for key, label in layout.keys
    ]
    drawn = [(label, value) for label, value in parts if value.drawn > 0]
    if len(drawn) > MAX_SLICES:
        rest = drawn[MAX_SLICES - 1 :]
        other = sum((Decimal(str(v.value)) for _l, v in rest), Decimal(0))
        drawn = [*drawn[: MAX_SLICES - 1], (_("Other"), shown(Cell(other, 0), group.currency))]
    whole = sum(v.drawn for _l, v in drawn)
    complete = not any(value.suppressed for _l, value in parts)
    slices, angle = [], -math.pi / 2
    for colour, (label, value) in enumerate(drawn):
        share = value.drawn / whole if whole else 0
        end = angle + 2 * math.pi * share
        if share >= 0.9999:
            # One slice is the whole ring: two halves, as an arc cannot close on itself.
            path = f"{_sector(angle, angle + math.pi)} {_sector(angle + math.pi, end)}"
        else:
            path = _sector(angle, end)
        slices.append(
            {
                "path": path,
                "colour": colour,
                "label": label,
                "value": value,
                "title": f"{label}: {value.text}",
                # Shares of what is shown mislead when part of the whole is hidden.
                "share": round(share * 100, 1) if complete else None,
            }
        )
        angle = end
    group.plot = {
        "size": DONUT_SIZE,
        "centre": svg(DONUT_SIZE / 2),
        "total_y": svg(DONUT_SIZE / 2 + 4),
        "label_y": svg(DONUT_SIZE / 2 + 22),
        "slices": slices,
        "total": group.total or NOTHING,
    }
