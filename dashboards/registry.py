"""The metric registry: the figures each app offers to dashboards, reports and the API.

An app declares its metrics in ``<app>/metrics.py`` with ``@metric(...)`` on a
source function. A source receives a ``Query`` (the viewer, the dimensions
asked for and the filters) and returns ``(keys, value)`` pairs computed in
the database over what the viewer may see: ``keys`` is a tuple with one key
per dimension asked for. The registry does the rest the same way for every
metric: labels, totals, small-cell suppression and caching (``figures``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

Key = str | int | None
SourceRows = Iterable[tuple[tuple[Key, ...], int | Decimal | None]]


@dataclass(frozen=True)
class Dimension:
    """A way to break a figure down. ``labels`` names its keys (one query at most)."""

    code: str
    label: Any
    labels: Callable[[list[Key]], dict[Key, str]] | None = None
    # Ordered keys (years, quarters, age bands) sort by key; others by value, largest first.
    ordered: bool = False
    # The order of an ordered dimension whose keys do not sort as text ("9--17" before "48+").
    order: Callable[[Key], Any] | None = None

    def sort_key(self, key: Key) -> Any:
        return self.order(key) if self.order else str(key)


@dataclass(frozen=True)
class Metric:
    code: str
    label: Any
    description: Any
    source: Callable[[Query], SourceRows]
    dimensions: tuple[str, ...]
    # "count" or "money". Money is broken down by currency too: amounts in
    # different currencies are never added up.
    unit: str = "count"
    # Counts of people: "training" or "case", whose small cells are hidden from
    # aggregate-only viewers (ctportal.access.small_cell_limit).
    sensitivity: str | None = None
    # Dimensions whose values overlap (a case of several exploitation types):
    # their values don't add up to the total, which the source computes itself.
    overlapping: frozenset[str] = frozenset()
    # The metric this one counts a part of (victims assisted, of those identified): the
    # rest, the difference of the two, has its small cells hidden too.
    subset_of: str | None = None
    # Whether a total means something: targets and actuals side by side have none.
    has_total: bool = True
    app: str = ""

    def allows(self, dimension: str) -> bool:
        return dimension in self.dimensions


@dataclass(frozen=True)
class Filters:
    """Narrowing of every metric: by project, country (ISO code), donor and year."""

    project: int | None = None
    country: str | None = None
    donor: int | None = None
    year: int | None = None

    def key(self) -> str:
        return f"p{self.project or ''}c{self.country or ''}d{self.donor or ''}y{self.year or ''}"


@dataclass(frozen=True)
class Query:
    user: Any
    dimensions: tuple[str, ...] = ()
    filters: Filters = field(default_factory=Filters)


METRICS: dict[str, Metric] = {}
DIMENSIONS: dict[str, Dimension] = {}


class UnknownMetric(LookupError):
    pass


def dimension(code: str, label, *, labels=None, ordered: bool = False, order=None) -> Dimension:
    """Declare a dimension once; metrics of every app refer to it by code."""
    DIMENSIONS[code] = Dimension(code, label, labels, ordered or order is not None, order)
    return DIMENSIONS[code]


def metric(
    code: str,
    *,
    label,
    description,
    dimensions: Iterable[str],
    unit: str = "count",
    sensitivity: str | None = None,
    overlapping: Iterable[str] = (),
    subset_of: str | None = None,
    has_total: bool = True,
):
    """Register the decorated function as the source of metric ``code``."""

    def register(source: Callable[[Query], SourceRows]) -> Callable[[Query], SourceRows]:
        dims = tuple(dimensions)
        unknown = [d for d in dims if d not in DIMENSIONS]
        if unknown:
            raise ValueError(f"Metric {code}: unknown dimensions {unknown}")
        if code in METRICS and METRICS[code].source is not source:
            raise ValueError(f"Metric {code} is registered twice")
        METRICS[code] = Metric(
            code=code,
            label=label,
            description=description,
            source=source,
            dimensions=dims,
            unit=unit,
            sensitivity=sensitivity,
            overlapping=frozenset(overlapping),
            subset_of=subset_of,
            has_total=has_total,
            app=source.__module__.split(".")[0],
        )
        return source

    return register


def get_metric(code: str) -> Metric:
    try:
        return METRICS[code]
    except KeyError:
        raise UnknownMetric(code) from None


def metric_choices() -> list[tuple[str, str]]:
    return sorted(((m.code, str(m.label)) for m in METRICS.values()), key=lambda c: c[1])


def dimension_choices() -> list[tuple[str, str]]:
    return sorted(((d.code, str(d.label)) for d in DIMENSIONS.values()), key=lambda c: c[1])


# Money carries its currency as a dimension of its own.
CURRENCY = dimension("currency", _("currency"), ordered=True)
