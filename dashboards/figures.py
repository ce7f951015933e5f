"""Computing a metric for a viewer: labels, totals, small-cell suppression and caching.

Every figure is computed over what the viewer may see (the sources start
from ``visible_to``/``counted_for``), then counts of people from 1 to the
viewer's small-cell limit are hidden, with one more cell hidden wherever a
hidden one could be found by subtraction from what is shown (rows, columns
and the total). Results are cached per viewer scope and language; any change
to the underlying records moves the generation number and so retires them.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ctportal import access
from ctportal.suppression import Cell, protect

from .invalidation import generation
from .registry import DIMENSIONS, Filters, Key, Metric, Query, get_metric
from .summaries import store as summaries

CACHE_SECONDS = 60 * 60
CENT = Decimal("0.01")


class BadDimension(ValueError):
    pass


@dataclass
class Row:
    keys: tuple[Key, ...]
    labels: tuple[str, ...]
    cell: Cell

    @property
    def label(self) -> str:
        return " · ".join(self.labels)


@dataclass
class Figure:
    metric: Metric
    dimensions: tuple[str, ...]
    rows: list[Row]
    # One total per currency for money, a single one otherwise.
    totals: list[Row]

    def long(self) -> list[dict[str, Any]]:
        """Long (tidy) format: one record per cell, ready to pivot."""
        records = []
        for row in self.rows:
            record: dict[str, Any] = {"metric": self.metric.code}
            for dim, key, label in zip(self.dimensions, row.keys, row.labels, strict=True):
                record[dim] = key
                record[f"{dim}_label"] = label
            record.update(cell_record(row.cell))
            records.append(record)
        return records

    def total_records(self) -> list[dict[str, Any]]:
        return [
            {**dict(zip(self.dimensions[:1], t.keys, strict=False)), **cell_record(t.cell)}
            for t in self.totals
        ]


def cell_record(cell: Cell) -> dict[str, Any]:
    value = cell.value
    if isinstance(value, Decimal):
        value = str(value)
    return {
        "value": None if cell.suppressed else value,
        "suppressed": cell.suppressed,
        "display": str(cell.shown),
    }


def scope_key(user) -> str:
    """What decides a user's figures: role, projects in scope, case office, small-cell limits."""
    cached = getattr(user, "_metrics_scope_key", None)
    if cached:
        return cached
    role = access.role_of(user)
    ids = access.visible_project_ids(user)
    projects = (
        "all"
        if ids is None
        else ",".join(str(pk) for pk in sorted(next(iter(row.values())) for row in ids))
    )
    parts = [
        str(role),
        projects,
        str(access.case_office_id(user)),
        str(access.small_cell_limit(user, "training")),
        str(access.small_cell_limit(user, "case")),
    ]
    key = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
    with contextlib.suppress(AttributeError):  # AnonymousUser and friends
        user._metrics_scope_key = key
    return key


def _source_rows(metric: Metric, query: Query) -> list[tuple[tuple[Key, ...], Any]]:
    rows = [(tuple(keys), value) for keys, value in metric.source(query) if value is not None]
    if metric.unit == "money":
        # To the cent, whatever precision the database's arithmetic came back with.
        rows = [(keys, Decimal(value).quantize(CENT)) for keys, value in rows]
    return rows


def _sort(metric: Metric, dims: tuple[str, ...], rows: list[tuple[tuple, Any]]) -> list:
    def sort_key(row):
        keys, value = row
        ordered = [
            (DIMENSIONS[d].sort_key(k) if DIMENSIONS[d].ordered else "")
            for d, k in zip(dims, keys, strict=True)
        ]
        return (*ordered, -(value or 0), [str(k) for k in keys])

    return sorted(rows, key=sort_key)


def _labels(dims: tuple[str, ...], rows: list[tuple[tuple, Any]]) -> list[dict[Key, str]]:
    names = []
    for i, dim in enumerate(dims):
        keys = list({row[0][i] for row in rows})
        labeller = DIMENSIONS[dim].labels
        found = labeller(keys) if labeller else {}
        names.append({k: found.get(k) or ("—" if k in (None, "") else str(k)) for k in keys})
    return names


def _lines(keys: list[tuple], dims: tuple[str, ...]) -> list[list[tuple]]:
    """The keys of cells that add up to a figure someone may see: a row or a column,
    and the quarters of a year (a figure by year may be shown beside one by quarter)."""
    lines: dict[tuple, list[tuple]] = {}
    for axis, dim in enumerate(dims):
        for key in keys:
            rest = key[:axis] + key[axis + 1 :]
            lines.setdefault((axis, rest), []).append(key)
            if dim == "quarter" and key[axis]:
                lines.setdefault((axis, rest, str(key[axis])[:4]), []).append(key)
    return list(lines.values())


def _protect_grid(cells: dict[tuple, Cell], dims: tuple[str, ...]) -> None:
    """Hide complementary cells along every dimension shown, until nothing changes."""
    lines = _lines(list(cells), dims)
    for _round in range(4):
        before = sum(c.hidden for c in cells.values())
        for line in lines:
            # A hidden zero hides nothing: it must not pass for a complementary cell.
            protect([cells[key] for key in line if cells[key].value])
        if sum(c.hidden for c in cells.values()) == before:
            return


def _protect_rest(
    cells: dict[tuple, Cell],
    names: dict[tuple, tuple],
    whole: Figure,
    dims: tuple[str, ...],
    limit: int,
) -> None:
    """Hide cells of a part (victims assisted) so that the rest of its whole (those
    identified but not assisted) can't be counted either: neither cell by cell nor by
    subtraction along a row, a column or the total, with the whole's figure beside it.
    A whole's cell that has no part shows a hidden zero where that is needed."""
    wholes = {row.keys: row.cell for row in whole.rows}
    groups = [list(wholes), *_lines(list(wholes), dims)]

    def rest(keys) -> int:
        return wholes[keys].value - (cells[keys].value if keys in cells else 0)

    def unknown(keys) -> bool:
        return wholes[keys].suppressed or (keys in cells and cells[keys].suppressed)

    def hide(keys) -> None:
        if keys not in cells:
            cells[keys] = Cell(0, limit)
            names[keys] = next(row.labels for row in whole.rows if row.keys == keys)
        cells[keys].hidden = True

    for _round in range(8):
        before = (len(cells), sum(c.hidden for c in cells.values()))
        for keys in wholes:
            if not unknown(keys) and 0 < rest(keys) <= limit:
                hide(keys)
        for group in groups:
            if 0 < sum(rest(k) for k in group if unknown(k)) <= limit:
                known = [k for k in group if not unknown(k) and rest(k) > 0]
                if known:
                    hide(min(known, key=rest))
        if dims:
            _protect_grid(cells, dims)
        if (len(cells), sum(c.hidden for c in cells.values())) == before:
            return


def raw_figure(metric: Metric, query: Query, totals_known: dict | None = None) -> dict[str, Any]:
    """The figure's rows and totals as ``(keys, value)``, sorted, without labels.

    ``totals_known`` keeps the totals computed, by metric and filters, for the next figures
    of the same viewer's scope (every breakdown of a metric has the same total)."""
    dims = summaries.stored_dimensions(metric, query.dimensions)
    rows = _sort(metric, dims, _source_rows(metric, Query(query.user, dims, query.filters)))
    total_dims = dims[:1] if metric.unit == "money" else ()
    known = {} if totals_known is None else totals_known
    if not metric.has_total:
        totals = []
    elif dims == total_dims:
        totals = rows
    elif (metric.code, query.filters.key()) in known:
        totals = known[(metric.code, query.filters.key())]
    else:
        totals = _source_rows(metric, Query(query.user, total_dims, query.filters))
        known[(metric.code, query.filters.key())] = totals
    return {"dims": dims, "rows": rows, "totals": totals}


def _stored(metric: Metric, query: Query) -> dict[str, Any] | None:
    """The figure as materialised for the viewer's scope, if current (``summaries``)."""
    data = summaries.read(
        metric.code,
        summaries.shape_key(
            summaries.stored_dimensions(metric, query.dimensions), query.filters.key()
        ),
        query.user,
    )
    if data is None:
        return None

    def value(v):
        # Decimals (money, indicator values) come back from JSON as text.
        return Decimal(v) if isinstance(v, str) else v

    return {
        "dims": tuple(data["dims"]),
        "rows": [(tuple(keys), value(v)) for keys, v in data["rows"]],
        "totals": [(tuple(keys), value(v)) for keys, v in data["totals"]],
    }


def _labelled(raw: dict[str, Any]) -> dict[str, Any]:
    dims, rows, totals = raw["dims"], raw["rows"], raw["totals"]
    names = _labels(dims, rows)
    total_names = _labels(dims[: len(totals[0][0])] if totals else (), totals)
    return {
        "dims": dims,
        "rows": [
            (keys, tuple(names[i][k] for i, k in enumerate(keys)), value) for keys, value in rows
        ],
        "totals": [
            (keys, tuple(total_names[i][k] for i, k in enumerate(keys)), value)
            for keys, value in totals
        ],
    }


def compute(metric: Metric, query: Query) -> dict[str, Any]:
    """The figure as plain data (cacheable): dims, rows and totals of (keys, labels, value).

    Read from the summaries where the viewer's scope has this figure materialised and
    current, computed from the records otherwise: the same numbers either way.
    """
    return _labelled(_stored(metric, query) or raw_figure(metric, query))


def figure_key(metric: Metric, *, user, dimensions: tuple[str, ...], filters: Filters) -> str:
    """The cache key of a figure for a viewer: retired with every change to its records."""
    return "metric:{gen}:{code}:{dims}:{filters}:{scope}:{lang}".format(
        gen=generation(),
        code=metric.code,
        dims=",".join(dimensions),
        filters=filters.key(),
        scope=scope_key(user),
        lang=get_language() or "en",
    )


def figures(
    code: str | Metric,
    *,
    user,
    dimensions: tuple[str, ...] | list[str] = (),
    filters: Filters | None = None,
) -> Figure:
    """A metric for a viewer, broken down by ``dimensions`` and narrowed by ``filters``."""
    metric = code if isinstance(code, Metric) else get_metric(code)
    dims = tuple(d for d in dimensions if d)
    bad = [d for d in dims if not metric.allows(d) and d != "currency"]
    if bad or len(set(dims)) != len(dims):
        raise BadDimension(", ".join(bad) or "repeated dimension")
    filters = filters or Filters()
    key = figure_key(metric, user=user, dimensions=dims, filters=filters)
    data = cache.get(key)
    if data is None:
        data = compute(metric, Query(user, dims, filters))
        cache.set(key, data, CACHE_SECONDS)
    whole = None
    if (
        metric.subset_of
        and metric.sensitivity
        and access.small_cell_limit(user, metric.sensitivity)
    ):
        whole = figures(metric.subset_of, user=user, dimensions=dims, filters=filters)
    return _suppressed(metric, user, data, whole)


def _suppressed(metric: Metric, user, data: dict[str, Any], whole: Figure | None = None) -> Figure:
    limit = access.small_cell_limit(user, metric.sensitivity) if metric.sensitivity else 0
    dims = tuple(data["dims"])
    cells = {tuple(keys): Cell(value, limit) for keys, _names, value in data["rows"]}
    names = {tuple(keys): tuple(lbl) for keys, lbl, _value in data["rows"]}
    totals = [Row(tuple(k), tuple(lbl), Cell(v, limit)) for k, lbl, v in data["totals"]]
    # Overlapping values (a victim of several types of exploitation) add up to more than the
    # total, but often to just the total: their cells are protected like any others.
    if limit and dims:
        _protect_grid(cells, dims)
    if limit and whole is not None and whole.rows:
        _protect_rest(cells, names, whole, dims, limit)
        whole_total, part_total = whole.totals[0].cell, totals[0].cell if totals else None
        if (
            part_total is not None
            and not (whole_total.suppressed or part_total.suppressed)
            and 0 < whole_total.value - part_total.value <= limit
        ):
            part_total.hidden = True
    rows = [Row(keys, names[keys], cell) for keys, cell in cells.items()]
    return Figure(metric=metric, dimensions=dims, rows=_shown_order(dims, rows), totals=totals)


def _shown_order(dims: tuple[str, ...], rows: list[Row]) -> list[Row]:
    """Largest first, but hidden cells last and by name: their place must not hint at a size."""

    def key(row: Row):
        ordered = [
            DIMENSIONS[d].sort_key(k) if DIMENSIONS[d].ordered else ""
            for d, k in zip(dims, row.keys, strict=True)
        ]
        if row.cell.suppressed:
            return (*ordered, 1, 0, row.labels)
        return (*ordered, 0, -(row.cell.value or 0), row.labels)

    return sorted(rows, key=key)


# What the database and date lookups accept: record ids are 64-bit, years those of a date.
FILTER_RANGES = {
    "project": (1, 2**63 - 1),
    "donor": (1, 2**63 - 1),
    "year": (datetime.MINYEAR, datetime.MAXYEAR),
}


def parse_filters(params) -> tuple[Filters, dict[str, str]]:
    """Filters from query parameters or widget settings, with an error per bad field."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, (low, high) in FILTER_RANGES.items():
        raw = params.get(name)
        if raw in (None, ""):
            continue
        try:
            number = int(raw)
        except (TypeError, ValueError):
            errors[name] = _("Enter a whole number.")
            continue
        if not low <= number <= high:
            errors[name] = _("Enter a number from %(low)d to %(high)d.") % {
                "low": low,
                "high": high,
            }
            continue
        values[name] = number
    country = params.get("country")
    if country:
        if isinstance(country, str) and len(country) == 2 and country.isalpha():
            values["country"] = country.upper()
        else:
            errors["country"] = _("Enter a two-letter ISO country code.")
    return Filters(**values), errors
