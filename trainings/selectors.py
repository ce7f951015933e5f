"""Reads of trainings: totals per session and the figures dashboards show.

Totals are computed from whichever way participants were recorded: one by
one (attendances) or as counts broken down by sex, institution type and
country. Every figure is a database aggregation over a queryset already
scoped by the access policy, so its cost does not grow with the rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear

from ctportal import access
from ctportal.suppression import Cell, protect
from dashboards.summaries import store as summaries

from .models import Attendance, CountDimension, ParticipantCount, SessionStatus, TrainingSession


def sessions_with_totals(sessions):
    """Annotate each session with ``participant_total``, ``female`` and ``male``."""
    attended = Attendance.objects.filter(session=OuterRef("pk"), attended=True)
    counted = ParticipantCount.objects.filter(session=OuterRef("pk"), dimension=CountDimension.SEX)

    def people(extra: Q | None = None, count_extra: Q | None = None):
        individuals = attended.filter(extra) if extra is not None else attended
        totals = counted.filter(count_extra) if count_extra is not None else counted
        return Coalesce(
            Subquery(
                individuals.order_by().values("session").annotate(n=Count("pk")).values("n")[:1],
                output_field=IntegerField(),
            ),
            Value(0),
        ) + Coalesce(
            Subquery(
                totals.order_by().values("session").annotate(n=Sum("count")).values("n")[:1],
                output_field=IntegerField(),
            ),
            Value(0),
        )

    return sessions.annotate(
        participant_total=people(),
        female=people(Q(person__sex="female"), Q(sex="female")),
        male=people(Q(person__sex="male"), Q(sex="male")),
    )


@dataclass
class TrainingFigures:
    sessions_held: int
    people_trained: Cell
    attendances: Cell
    by_sex: dict[str, Cell] = field(default_factory=dict)
    by_country: dict[str, Cell] = field(default_factory=dict)
    by_audience: dict[str, Cell] = field(default_factory=dict)
    by_year: dict[int, Cell] = field(default_factory=dict)
    pre_score: Decimal | None = None
    post_score: Decimal | None = None

    @property
    def score_gain(self) -> Decimal | None:
        if self.pre_score is None or self.post_score is None:
            return None
        return (self.post_score - self.pre_score).quantize(Decimal("0.1"))


def training_figures(*, user, sessions=None) -> TrainingFigures:
    """Figures of the held sessions visible to ``user`` (optionally narrowed).

    People trained counts each registered person once across sessions, plus
    participants known only as totals; attendances count every participation.
    Each breakdown is protected against the attendances for aggregate-only viewers.
    The whole scope's figures are read from the summaries when current.
    """
    numbers = summaries.read(FIGURES_PAGE, "", user) if sessions is None else None
    if numbers is None:
        numbers = training_numbers(user=user, sessions=sessions)
    limit = access.small_cell_limit(user, "training")

    def cells(pairs) -> dict:
        return {key: Cell(value, limit) for key, value in pairs}

    by_sex, by_country = cells(numbers["by_sex"]), cells(numbers["by_country"])
    by_audience, by_year = cells(numbers["by_audience"]), cells(numbers["by_year"])
    attendances_cell = Cell(numbers["attendances"], limit)
    if limit:
        for group in (by_sex, by_country, by_audience, by_year):
            # Each breakdown counts attendances; those of no stated sex, country or
            # audience are the rest of the total shown beside it. Audiences overlap
            # (a session counts under each) but often add up to just the total.
            rest = (attendances_cell.value or 0) - sum(cell.value or 0 for cell in group.values())
            protect(list(group.values()), unseen=max(rest, 0))
    return TrainingFigures(
        sessions_held=numbers["sessions_held"],
        people_trained=Cell(numbers["people_trained"], limit),
        attendances=attendances_cell,
        by_sex=by_sex,
        by_country=by_country,
        by_audience=by_audience,
        by_year=by_year,
        pre_score=_decimal(numbers["pre_score"]),
        post_score=_decimal(numbers["post_score"]),
    )


# The key of the whole scope's figures among the summaries (dashboards.summaries).
FIGURES_PAGE = "page:trainings"


def training_numbers(*, user, sessions=None) -> dict:
    """The numbers behind ``training_figures``, before any is hidden, as plain data:
    breakdowns as sorted ``[key, value]`` pairs, scores as text."""
    scoped = TrainingSession.objects.visible_to(user).filter(status=SessionStatus.HELD)
    if sessions is not None:
        scoped = scoped.filter(pk__in=sessions.values("pk"))
    attendances = Attendance.objects.filter(session__in=scoped, attended=True)
    counts = ParticipantCount.objects.filter(session__in=scoped)
    sex_counts = counts.filter(dimension=CountDimension.SEX)

    individual = attendances.aggregate(
        people=Count("person", distinct=True),
        rows=Count("pk"),
        pre=Avg("pre_score", filter=Q(pre_score__isnull=False, post_score__isnull=False)),
        post=Avg("post_score", filter=Q(pre_score__isnull=False, post_score__isnull=False)),
    )
    counted = sex_counts.aggregate(n=Sum("count"))["n"] or 0

    def merge(*pairs) -> list:
        merged: dict = defaultdict(int)
        for rows in pairs:
            for key, value in rows:
                if key is not None and key != "":
                    merged[key] += value or 0
        return [[key, value] for key, value in sorted(merged.items())]

    by_sex = merge(
        attendances.values_list("person__sex").annotate(n=Count("pk")).order_by(),
        sex_counts.values_list("sex").annotate(n=Sum("count")).order_by(),
    )
    # Country: where the person works; for totals, the country breakdown, else the host.
    sessions_without_country = scoped.exclude(
        pk__in=counts.filter(dimension=CountDimension.COUNTRY).values("session")
    )
    by_country = merge(
        attendances.values_list("person__country_of_work__code").annotate(n=Count("pk")).order_by(),
        counts.filter(dimension=CountDimension.COUNTRY)
        .values_list("country__code")
        .annotate(n=Sum("count"))
        .order_by(),
        sex_counts.filter(session__in=sessions_without_country)
        .values_list("session__host_country__code")
        .annotate(n=Sum("count"))
        .order_by(),
    )
    totals = sessions_with_totals(scoped)
    by_year = merge(
        totals.annotate(year=ExtractYear("start_date"))
        .values_list("year", "participant_total")
        .order_by()
    )
    by_audience = merge(
        totals.filter(audiences__isnull=False)
        .values_list("audiences__code", "participant_total")
        .order_by()
    )
    pre, post = _round(individual["pre"]), _round(individual["post"])
    return {
        "sessions_held": scoped.count(),
        "people_trained": individual["people"] + counted,
        "attendances": individual["rows"] + counted,
        "by_sex": by_sex,
        "by_country": by_country,
        "by_audience": by_audience,
        "by_year": by_year,
        "pre_score": None if pre is None else str(pre),
        "post_score": None if post is None else str(post),
    }


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _round(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.1"))


def indicator_actual_from_trainings(indicator, *, period_start, period_end) -> int:
    """People trained in held sessions linked to the indicator, within a period."""
    sessions = indicator.training_sessions.filter(
        status=SessionStatus.HELD, start_date__gte=period_start, start_date__lte=period_end
    )
    people = Attendance.objects.filter(session__in=sessions, attended=True).aggregate(
        n=Count("person", distinct=True)
    )["n"]
    counted = ParticipantCount.objects.filter(
        session__in=sessions, dimension=CountDimension.SEX
    ).aggregate(n=Sum("count"))["n"]
    return (people or 0) + (counted or 0)
