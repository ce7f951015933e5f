"""Training metrics: sessions held, people trained and attendances (see dashboards.registry).

People are counted as ``trainings.selectors.training_figures`` counts them:
people registered one by one count once each (distinct persons) and every
participation counts as an attendance; participants known only as totals add
their session's breakdown by sex to both. Only held sessions count. By country:
where the session was held, which is also what the country filter selects.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import CharField, Count, QuerySet, Sum, Value
from django.utils.translation import gettext_lazy as _

from dashboards.dimensions import choices_labeller, grouped, in_year, narrow
from dashboards.registry import Key, Query, dimension, metric

from .models import (
    Attendance,
    CountDimension,
    InstitutionType,
    ParticipantCount,
    SessionKind,
    SessionStatus,
    TrainingSession,
)

INSTITUTION_TYPE = dimension(
    "institution_type", _("institution type"), labels=choices_labeller(InstitutionType)
)
SESSION_KIND = dimension("session_kind", _("kind of session"), labels=choices_labeller(SessionKind))

# Dimensions of the session, from the session itself.
SESSION_FIELDS = {
    "country": "host_country__code",
    "project": "project_id",
    "donor": "project__fundings__donor_id",
    "audience": "audiences__code",
    "session_kind": "kind",
}
OF_SESSION = {dim: f"session__{path}" for dim, path in SESSION_FIELDS.items()}
PEOPLE_DIMENSIONS = (
    "sex",
    "institution_type",
    "country",
    "audience",
    "session_kind",
    "year",
    "quarter",
    "project",
    "donor",
)
# A session has several audiences and a project several donors. (A person trained in
# two years or countries counts in each too, but rarely.)
OVERLAPPING = ("audience", "donor")
NOT_STATED = Value("", output_field=CharField())


def held_sessions(query: Query) -> QuerySet:
    """The held sessions the viewer may see, narrowed by the query's filters."""
    sessions = TrainingSession.objects.visible_to(query.user).filter(status=SessionStatus.HELD)
    sessions = narrow(sessions, query, project="project", country="host_country__code")
    return in_year(sessions, query, "start_date")


@metric(
    "sessions_held",
    label=_("Sessions held"),
    description=_(
        "Trainings, workshops, study visits and meetings held, by where and when they took "
        "place. A session for several audiences counts under each."
    ),
    dimensions=("country", "year", "quarter", "project", "session_kind", "audience", "donor"),
    overlapping=OVERLAPPING,
)
def sessions_held(query: Query):
    return grouped(
        held_sessions(query),
        query,
        SESSION_FIELDS,
        Count("pk", distinct=True),
        date_field="start_date",
    )


def _counted(query: Query, sessions: QuerySet) -> list[Iterable]:
    """Participants known only as totals, per the query's dimensions.

    A session's total is its breakdown by sex; a breakdown by institution type
    is optional. The two are separate, so when both dimensions are asked for,
    these participants count by sex with their institution type not stated.
    """
    counts = ParticipantCount.objects.filter(session__in=sessions)
    by_sex = counts.filter(dimension=CountDimension.SEX)
    fields = {**OF_SESSION, "sex": "sex", "institution_type": NOT_STATED}
    parts = []
    if "institution_type" in query.dimensions and "sex" not in query.dimensions:
        own = counts.filter(dimension=CountDimension.INSTITUTION_TYPE)
        by_sex = by_sex.exclude(session__in=own.values("session"))
        parts.append(
            grouped(
                own,
                query,
                {**fields, "institution_type": "institution_type"},
                Sum("count"),
                date_field="session__start_date",
            )
        )
    parts.append(grouped(by_sex, query, fields, Sum("count"), date_field="session__start_date"))
    return parts


def _added(*parts: Iterable) -> list[tuple[tuple[Key, ...], int]]:
    totals: dict[tuple[Key, ...], int] = {}
    for rows in parts:
        for keys, value in rows:
            if value is not None:
                totals[keys] = totals.get(keys, 0) + value
    return list(totals.items())


def _participants(query: Query, value) -> list[tuple[tuple[Key, ...], int]]:
    sessions = held_sessions(query).values("pk")
    individual = grouped(
        Attendance.objects.filter(session__in=sessions, attended=True),
        query,
        {**OF_SESSION, "sex": "person__sex", "institution_type": "person__institution_type"},
        value,
        date_field="session__start_date",
    )
    return _added(individual, *_counted(query, sessions))


@metric(
    "people_trained",
    label=_("People trained"),
    description=_(
        "People who took part in held sessions, each registered person once, plus "
        "participants known only as totals. A person trained in several years, countries "
        "or projects counts once in each."
    ),
    dimensions=PEOPLE_DIMENSIONS,
    sensitivity="training",
    overlapping=OVERLAPPING,
)
def people_trained(query: Query):
    return _participants(query, Count("person", distinct=True))


@metric(
    "attendances",
    label=_("Attendances"),
    description=_(
        "Participations in held sessions: a person trained twice counts twice. "
        "Participants known only as totals count once."
    ),
    dimensions=PEOPLE_DIMENSIONS,
    sensitivity="training",
    overlapping=OVERLAPPING,
)
def attendances(query: Query):
    return _participants(query, Count("pk"))
