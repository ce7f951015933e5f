"""Charts drawn on the server as inline SVG: no script, no external asset.

Geometry is computed here so templates stay simple; in right-to-left
languages bars grow from the right and time runs from right to left.
"""

from decimal import Decimal

from django import template
from django.utils.translation import get_language_bidi

register = template.Library()

COLUMN_WIDTH = 560
COLUMN_HEIGHT = 220
COLUMN_TOP = 24
COLUMN_BOTTOM = 28


def _svg(number: float) -> str:
    # SVG coordinates must not be localised ("12,5" breaks them in French).
    return f"{number:.2f}"


def _ratio(value, maximum) -> float:
    if not value or not maximum:
        return 0.0
    return max(0.0, min(1.0, float(Decimal(value) / Decimal(maximum))))


@register.inclusion_tag("components/bar_table.html")
def bar_table(
    rows,
    currency: str = "",
    caption: str = "",
    label_heading: str = "",
    value_heading: str = "",
    maximum=None,
    percent_of=None,
):
    """A table whose rows carry a horizontal bar proportional to their value.

    ``rows`` are dicts with ``label`` and ``value``; ``percent_of`` adds a share column.
    """
    rows = list(rows)
    top = maximum or max((row["value"] or 0 for row in rows), default=0)
    rtl = get_language_bidi()
    drawn = []
    for row in rows:
        width = _ratio(row["value"], top) * 100
        share = None
        if percent_of:
            share = (Decimal(row["value"] or 0) * 100 / Decimal(percent_of)).quantize(
                Decimal("0.1")
            )
        drawn.append(
            {**row, "width": _svg(width), "x": _svg(100 - width if rtl else 0), "share": share}
        )
    return {
        "rows": drawn,
        "currency": currency,
        "caption": caption,
        "label_heading": label_heading,
        "value_heading": value_heading,
        "with_share": bool(percent_of),
    }


@register.inclusion_tag("components/column_chart.html")
def column_chart(rows, currency: str = "", caption: str = ""):
    """A vertical bar chart (e.g. spend by year) with its data table."""
    rows = list(rows)
    rtl = get_language_bidi()
    top = max((row["value"] or 0 for row in rows), default=0)
    plot_height = COLUMN_HEIGHT - COLUMN_TOP - COLUMN_BOTTOM
    slot = COLUMN_WIDTH / max(len(rows), 1)
    bar = min(slot * 0.6, 64)
    ordered = list(reversed(rows)) if rtl else rows
    columns = []
    for index, row in enumerate(ordered):
        height = _ratio(row["value"], top) * plot_height
        centre = slot * index + slot / 2
        columns.append(
            {
                **row,
                "x": _svg(centre - bar / 2),
                "y": _svg(COLUMN_TOP + plot_height - height),
                "width": _svg(bar),
                "height": _svg(height),
                "centre": _svg(centre),
                "value_y": _svg(COLUMN_TOP + plot_height - height - 6),
            }
        )
    return {
        "rows": rows,
        "columns": columns,
        "currency": currency,
        "caption": caption,
        "width": COLUMN_WIDTH,
        "height": COLUMN_HEIGHT,
        "baseline": _svg(COLUMN_TOP + plot_height),
        "label_y": _svg(COLUMN_HEIGHT - 8),
    }


@register.inclusion_tag("components/progress.html")
def progress(value, maximum=100, label: str = "", tone: str = ""):
    """A progress bar for a percentage or value against a maximum, capped at full."""
    ratio = _ratio(value, maximum)
    width = ratio * 100
    rtl = get_language_bidi()
    return {
        "width": _svg(width),
        "x": _svg(100 - width if rtl else 0),
        "label": label,
        "tone": tone,
        "over": bool(value and maximum and Decimal(value) > Decimal(maximum)),
    }
