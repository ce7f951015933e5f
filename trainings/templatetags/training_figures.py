"""Training figures on pages: small cells hidden, labels in the reader's language.

Bars reuse the shared progress component; a hidden small cell draws no bar,
since its length would tell the number it hides.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from projects.models import Country, Sex
from projects.templatetags.portal_format import number
from trainings.models import Audience
from trainings.page_selectors import session_cells as _session_cells
from trainings.selectors import Cell, TrainingFigures

register = template.Library()


def _shown(value: int | str) -> str:
    # "<5" has no letter to set its direction: without ltr it reads "5>" in Arabic.
    return (
        format_html('<bdi dir="ltr">{}</bdi>', value) if isinstance(value, str) else number(value)
    )


@register.simple_tag
def small_cell_marker(limit) -> str:
    """How a hidden small count looks, e.g. ``<5``, safe to place in any language."""
    return format_html('<bdi dir="ltr">&lt;{}</bdi>', int(limit) + 1)


@register.filter
def cell(value, limit) -> str:
    """A count as an aggregate-only viewer may see it: ``3`` becomes ``<5``."""
    return _shown(Cell(value, int(limit or 0)).shown)


@register.filter
def signed(value) -> str:
    """A score gain with its sign, kept left-to-right in Arabic: ``+12.5``."""
    if value is None:
        return "—"
    sign = "+" if value > 0 else "−" if value < 0 else ""
    return format_html('<bdi dir="ltr">{}{}</bdi>', sign, number(abs(value), 1))


@register.filter
def shown(value: Cell) -> str:
    """A figure of the selectors, formatted, or its ``<5`` mask."""
    return _shown(value.shown)


def _bar(value: Cell) -> int:
    return 0 if value.suppressed else (value.value or 0)


def _rows(cells: dict, labels: dict) -> list[dict[str, Any]]:
    return [
        {
            "label": labels.get(key) or str(key),
            "shown": _shown(value.shown),
            "bar": _bar(value),
        }
        for key, value in cells.items()
    ]


@register.simple_tag
def session_cells(session, limit) -> dict[str, Any]:
    """A session's total, women, men and the rest, formatted and protected for aggregate
    viewers; women and men read "not recorded" when nobody's sex was recorded as either."""
    cells = _session_cells(session, limit)
    shown = {key: _shown(cells[key].shown) for key in ("total", "female", "male", "other")}
    if not cells["sex_recorded"]:
        shown["female"] = shown["male"] = not_recorded()
    return shown


@register.simple_tag
def not_recorded() -> str:
    """What a count of women or men reads when no one's sex was recorded as either."""
    return format_html('<span class="muted not-recorded">{}</span>', _("not recorded"))


@register.simple_tag
def training_rows(figures: TrainingFigures) -> dict[str, list[dict[str, Any]]]:
    """Labelled rows of each breakdown, largest first (years in order).

    The selector has protected each breakdown against the total shown beside it.
    """
    countries = {c.code: c.name for c in Country.objects.filter(code__in=list(figures.by_country))}
    audiences = {
        a.code: str(a) for a in Audience.objects.filter(code__in=list(figures.by_audience))
    }

    def largest_first(rows):
        return sorted(rows, key=lambda row: -row["bar"])

    return {
        "sex": _rows(figures.by_sex, dict(Sex.choices)),
        "country": largest_first(_rows(figures.by_country, countries)),
        "audience": largest_first(_rows(figures.by_audience, audiences)),
        "year": _rows(figures.by_year, {}),
        "year_columns": [
            {"label": str(year), "value": value.value or 0}
            for year, value in figures.by_year.items()
        ],
        "year_suppressed": any(c.suppressed for c in figures.by_year.values()),
        "suppressed": any(
            c.suppressed
            for group in (figures.by_sex, figures.by_country, figures.by_audience, figures.by_year)
            for c in group.values()
        )
        or figures.people_trained.suppressed,
    }


@register.inclusion_tag("trainings/_cell_bars.html")
def cell_bars(rows, label_heading: str = "", value_heading: str = "", caption: str = ""):
    """A table of counts with bars, like components/bar_table.html but with hidden cells."""
    rows = [
        {"label": row["label"], "shown": _shown(row["cell"].shown), "bar": _bar(row["cell"])}
        if "cell" in row
        else row
        for row in rows
    ]
    return {
        "rows": rows,
        "top": max((row["bar"] for row in rows), default=0) or 1,
        "label_heading": label_heading or _("Name"),
        "value_heading": value_heading or _("People"),
        "caption": caption,
    }
