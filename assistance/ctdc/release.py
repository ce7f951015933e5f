"""Computing a release: the generalisation of every consenting case and its rows.

See ``assistance.ctdc`` for why classes are counted within scope cells and how
the levels are chosen. The counting is one grouped query; the rows stream from
one more, read in the same snapshot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Case as CaseWhen
from django.db.models import CharField, Count, Func, QuerySet, Value, When
from django.db.models.functions import Cast, ExtractYear

from ..models import Case
from ..vocabulary import age_band_expression, flag_field
from .hierarchy import QI_KEYS, QUASI_IDENTIFIERS, choose_levels, generalise
from .layout import EXPLOITATION_CODES, ROW_FIELDS, ctdc_row

K = 11
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Plan:
    """How a release publishes the consenting cases: the level of each quasi-identifier
    and the finest combinations (``qi_key`` values, scope cell included) left out."""

    levels: dict[str, int]
    total: int
    suppressed: int
    suppressed_keys: frozenset[str] = field(default_factory=frozenset)
    withheld_all: bool = False

    @property
    def published(self) -> int:
        return self.total - self.suppressed

    def keeps(self, key: str) -> bool:
        return not self.withheld_all and key not in self.suppressed_keys


def coarser(levels: dict[str, int]) -> list[tuple[Any, Any]]:
    """(quasi-identifier, level) labels of what a plan made coarser than recorded."""
    return [
        (qi.label, qi.level_labels[levels[qi.key]])
        for qi in QUASI_IDENTIFIERS
        if levels.get(qi.key, 0) > 0
    ]


def consenting_cases() -> QuerySet:
    """Every case whose victim consented to sharing anonymised data: what a release covers."""
    return Case.objects.filter(consent_share_data=True)


def _flag_text(name: str) -> CaseWhen:
    return CaseWhen(When(**{name: True}, then=Value("1")), default=Value("0"))


class Joined(Func):
    """Strings joined with ``||``, flat: a nested CONCAT of this many parts overflows SQLite."""

    template = "(%(expressions)s)"
    arg_joiner = " || "
    output_field = CharField()


def qi_key_expression() -> Joined:
    """The scope cell and the finest quasi-identifiers as one string,
    e.g. ``12:3|2019|Female|18--20|ET|LB|1000000``. Every part is text, never NULL."""
    separator = Value("|")
    return Joined(
        Cast("project_id", CharField()),
        Value(":"),
        Cast("country_office_id", CharField()),
        separator,
        Cast(ExtractYear("identification_date"), CharField()),
        separator,
        "sex",
        separator,
        age_band_expression(),
        separator,
        "citizenship",
        separator,
        "country_of_exploitation",
        separator,
        *(_flag_text(flag_field(code)) for code in EXPLOITATION_CODES),
    )


def _parse(key: str) -> tuple:
    cell, year, sex, band, citizenship, country, flags = key.split("|")
    return (cell, int(year), sex or None, band or None, citizenship or None, country or None, flags)


def plan_for(cases: QuerySet, k: int = K) -> Plan:
    """Decide the generalisation and the suppressed combinations for ``cases`` (one query)."""
    rows = cases.annotate(qi_key=qi_key_expression()).values_list("qi_key").annotate(n=Count("pk"))
    keyed: dict[str, int] = dict(rows.order_by())
    total = sum(keyed.values())
    if total < k:
        top = {qi.key: qi.top for qi in QUASI_IDENTIFIERS}
        return Plan(levels=top, total=total, suppressed=total, withheld_all=True)
    parsed = {key: _parse(key) for key in keyed}
    levels = choose_levels({parsed[key]: n for key, n in keyed.items()}, k)
    classes = {key: (parsed[key][0], *generalise(parsed[key][1:], levels)) for key in keyed}
    sizes: dict[tuple, int] = defaultdict(int)
    for key, n in keyed.items():
        sizes[classes[key]] += n
    cut = frozenset(key for key in keyed if sizes[classes[key]] < k)
    named = dict(zip(QI_KEYS, levels, strict=True))
    return Plan(named, total, sum(keyed[key] for key in cut), suppressed_keys=cut)


def release_rows(cases: QuerySet, plan: Plan) -> Iterator[tuple[int, int, list | None]]:
    """(project id, country office id, row or None when suppressed) of every case, in the
    order of the random case reference, which says nothing about when or where."""
    levels = tuple(plan.levels[key] for key in QI_KEYS)
    queryset = (
        cases.annotate(qi_key=qi_key_expression())
        .order_by("reference")
        .values_list("project_id", "country_office_id", "qi_key", *ROW_FIELDS)
    )
    for project, office, key, *values in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield project, office, ctdc_row(tuple(values), levels) if plan.keeps(key) else None


@contextmanager
def consistent_read() -> Iterator[None]:
    """One snapshot for the counting and the rows: no case added, changed or withdrawn
    in between can land in a class the plan did not check.

    PostgreSQL's default isolation gives each statement its own snapshot, so a
    new transaction asks for REPEATABLE READ; within an outer transaction (tests,
    nested services) the caller's isolation applies.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield
