"""Reads of trainings: people trained, attendances and sessions per value of one dimension.

The API's aggregate endpoint reads these. Like ``trainings.selectors``, every
figure is a database aggregation over held sessions already scoped by the
access policy, and small cells are hidden from aggregate-only viewers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import CharField, Count, F, Sum, Value
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from ctportal import access
from dashboards.summaries import store as summaries
from projects.models import Country, Sex

from .models import (
    Attendance,
    Audience,
    CountDimension,
    InstitutionType,
    ParticipantCount,
    SessionKind,
    SessionStatus,
    TrainingSession,
)
from .selectors import Cell, protect

DIMENSIONS = ("sex", "country", "audience", "year", "kind", "institution_type")


@dataclass
class BreakdownRow:
    value: str | int | None
    label: str
    sessions: int
    people_trained: Cell
    attendances: Cell


@dataclass
class Breakdown:
    by: str
    limit: int
    sessions: int
    people_trained: Cell
    attendances: Cell
    rows: list[BreakdownRow]


def _attendance_key(by: str):
    return {
        "sex": F("person__sex"),
        "institution_type": F("person__institution_type"),
        "country": F("person__country_of_work__code"),
        "audience": F("session__audiences__code"),
        "year": ExtractYear("session__start_date"),
        "kind": F("session__kind"),
    }[by]


def _counted(scoped, by: str) -> list:
    """Querysets of participant counts giving ``key``, ``people`` and ``sessions``.

    Sessions known only by totals always have a breakdown by sex; a breakdown by
    country or institution type is optional, so sessions without one count
    under their host country, or under "not stated".
    """
    counts = ParticipantCount.objects.filter(session__in=scoped)
    by_sex = counts.filter(dimension=CountDimension.SEX)
    if by in ("country", "institution_type"):
        dimension = CountDimension.COUNTRY if by == "country" else CountDimension.INSTITUTION_TYPE
        own = counts.filter(dimension=dimension)
        rest = by_sex.exclude(session__in=own.values("session"))
        return [
            own.values(key=F("country__code" if by == "country" else "institution_type")),
            rest.values(
                key=F("session__host_country__code")
                if by == "country"
                else Value("", output_field=CharField())
            ),
        ]
    key = {
        "sex": F("sex"),
        "audience": F("session__audiences__code"),
        "year": ExtractYear("session__start_date"),
        "kind": F("session__kind"),
    }[by]
    return [by_sex.values(key=key)]


def _labels(by: str, keys: set) -> dict:
    if by == "sex":
        return dict(Sex.choices)
    if by == "institution_type":
        return dict(InstitutionType.choices)
    if by == "kind":
        return dict(SessionKind.choices)
    if by == "country":
        return {c.code: c.name for c in Country.objects.filter(code__in=keys)}
    if by == "audience":
        return {a.code: str(a) for a in Audience.objects.filter(code__in=keys)}
    return {key: str(key) for key in keys}


def training_breakdown(*, user, by: str, sessions=None) -> Breakdown:
    """Totals of the held sessions visible to ``user`` (optionally narrowed), per value of ``by``.

    ``people_trained`` counts each registered person once per value (a person
    trained twice counts once), plus participants known only as totals;
    ``attendances`` counts every participation; ``sessions`` the held sessions
    with at least one participant of that value. A session with several
    audiences counts under each, so audience rows may add up to more than the
    totals. The whole scope's totals (``sessions`` None) are read from the
    summaries when current.
    """
    if by not in DIMENSIONS:
        raise ValueError(by)
    numbers = summaries.read(AGGREGATE, by, user) if sessions is None else None
    if numbers is None:
        numbers = breakdown_numbers(user=user, by=by, sessions=sessions)
    limit = access.small_cell_limit(user, "training")
    values = [(key, people, rows, held) for key, people, rows, held in numbers["values"]]
    labels = _labels(by, {key for key, *_counts in values if key is not None})
    not_stated = _("No audience given") if by == "audience" else _("Not stated")
    breakdown = Breakdown(
        by=by,
        limit=limit,
        sessions=numbers["sessions"],
        people_trained=Cell(numbers["people"], limit),
        attendances=Cell(numbers["rows"], limit),
        rows=[
            BreakdownRow(
                value=key,
                label=str(labels.get(key, key)) if key is not None else str(not_stated),
                sessions=held,
                people_trained=Cell(people, limit),
                attendances=Cell(rows, limit),
            )
            for key, people, rows, held in values
        ],
    )
    if limit:
        _protect_columns(breakdown)
    return breakdown


# The key of the aggregate's figures among the summaries (dashboards.summaries); the
# breakdown is the summary's shape.
AGGREGATE = "api:trainings-aggregate"


def breakdown_numbers(*, user, by: str, sessions=None) -> dict:
    """The numbers behind ``training_breakdown``, before any is hidden, as plain data:
    ``values`` as ``[key, people, attendances, sessions]`` in the order shown (None, not
    stated, last), and the totals."""
    scoped = TrainingSession.objects.visible_to(user).filter(status=SessionStatus.HELD)
    if sessions is not None:
        scoped = scoped.filter(pk__in=sessions.values("pk"))
    attendances = Attendance.objects.filter(session__in=scoped, attended=True)

    people: dict = defaultdict(int)
    rows: dict = defaultdict(int)
    held: dict = defaultdict(int)
    grouped = (
        attendances.values(key=_attendance_key(by))
        .annotate(
            people=Count("person", distinct=True),
            rows=Count("pk"),
            sessions=Count("session", distinct=True),
        )
        .order_by()
    )
    for line in grouped:
        key = line["key"] or None
        people[key] += line["people"]
        rows[key] += line["rows"]
        held[key] += line["sessions"]
    for counted in _counted(scoped, by):
        grouped = counted.annotate(n=Sum("count"), sessions=Count("session", distinct=True))
        for line in grouped.order_by():
            key = line["key"] or None
            people[key] += line["n"] or 0
            rows[key] += line["n"] or 0
            held[key] += line["sessions"]

    totals = attendances.aggregate(people=Count("person", distinct=True), rows=Count("pk"))
    counted_total = (
        ParticipantCount.objects.filter(session__in=scoped, dimension=CountDimension.SEX).aggregate(
            n=Sum("count")
        )["n"]
        or 0
    )
    ordered = sorted(people, key=lambda key: (key is None, str(key) if key is not None else ""))
    return {
        "sessions": scoped.count(),
        "people": totals["people"] + counted_total,
        "rows": totals["rows"] + counted_total,
        "values": [[key, people[key], rows[key], held[key]] for key in ordered],
    }


def _protect_columns(breakdown: Breakdown) -> None:
    """Hide one more row where a hidden one is the total less the rows shown.

    Rows by audience (a session counts under each of its audiences) or by year
    (a person trained in two years counts in each) may add up to more than the
    total, but often to just the total: they are protected like the others.
    """
    for column in ("people_trained", "attendances"):
        total = getattr(breakdown, column)
        cells = [getattr(row, column) for row in breakdown.rows]
        rest = (total.value or 0) - sum(cell.value or 0 for cell in cells)
        protect(cells, unseen=max(rest, 0))


def protected_counts(rows, limit: int) -> dict[int, Cell]:
    """The participant counts of ``rows`` as aggregate-only viewers see them, by id.

    Each breakdown of a session (by sex, institution type, country) adds up to
    the same total, which the session's page and the sessions API show: each is
    protected against it, over all the session's counts whichever are listed.
    """
    sessions = {row.session_id for row in rows}
    cells: dict[int, Cell] = {}
    groups: dict[tuple, list[Cell]] = defaultdict(list)
    totals: dict[int, int] = defaultdict(int)
    for pk, session, dimension, count in ParticipantCount.objects.filter(
        session__in=sessions
    ).values_list("pk", "session", "dimension", "count"):
        cells[pk] = Cell(count, limit)
        groups[session, dimension].append(cells[pk])
        if dimension == CountDimension.SEX:
            totals[session] += count or 0
    if limit:
        # Every breakdown is protected, even a session's only one: the session's total is
        # shown elsewhere (its page, the sessions API), which gives away a lone hidden cell.
        for (session, _dimension), group in groups.items():
            rest = totals[session] - sum(cell.value or 0 for cell in group)
            protect(group, unseen=max(rest, 0))
    return cells


def suppressed_value(value: int | None, limit: int) -> tuple[int | None, bool]:
    """A count as an aggregate-only viewer may see it: hidden (None, True) when 1..limit."""
    return shown_value(Cell(value, limit))


def shown_value(cell: Cell) -> tuple[int | None, bool]:
    """A protected cell as the API answers it: (None, True) when small or hidden."""
    return (None, True) if cell.suppressed else (cell.value, False)
