"""Reads of the training pages: the session list, calendar, a session's page.

Each starts from ``TrainingSession.objects.visible_to(user)`` and costs a
fixed number of queries whatever the number of sessions or participants.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Avg, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Window
from django.db.models.functions import ExtractMonth, RowNumber
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from ctportal import access
from projects.models import Country, Indicator, Project, Sex

from .filters import TrainingSessionFilter
from .models import (
    Attendance,
    Audience,
    CountDimension,
    InstitutionType,
    ParticipantCount,
    TrainingSession,
)
from .selectors import Cell, _round, protect, sessions_with_totals


def session_cells(session: TrainingSession, limit: int) -> dict[str, Any]:
    """A session's total, women, men and the rest as an aggregate-only viewer may see them.

    ``other`` counts participants recorded as "other or not stated", apart from
    women and men, so that a session whose sex nobody recorded does not read as
    "0 women, 0 men"; ``sex_recorded`` is False when no one is recorded as a
    woman or a man, and pages then say "not recorded" instead of two zeros. The
    rest is a cell like the others for small-cell suppression.
    """
    total = session.participant_total or 0
    women, men = session.female or 0, session.male or 0
    female, male = Cell(women, limit), Cell(men, limit)
    other = Cell(max(total - women - men, 0), limit)
    protect([female, male, other])
    return {
        "total": Cell(total, limit),
        "female": female,
        "male": male,
        "other": other,
        "sex_recorded": bool(women or men),
    }


def session_list(*, user, params) -> tuple[TrainingSessionFilter, QuerySet]:
    """The filter form and the visible sessions it selects, each with its participant totals."""
    visible = TrainingSession.objects.visible_to(user)
    filterset = TrainingSessionFilter(params or None, queryset=visible)
    filterset.filters["project"].queryset = Project.objects.visible_to(user).order_by("code")
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else visible
    queryset = sessions_with_totals(queryset).select_related("project", "host_country")
    return filterset, queryset.prefetch_related("audiences")


def project_sessions(*, user, project: Project, limit: int = 5) -> dict[str, Any]:
    """A project's latest sessions with their totals, and how many it has: two queries."""
    sessions = TrainingSession.objects.visible_to(user).filter(project=project)
    latest = (
        sessions_with_totals(sessions)
        .select_related("host_country")
        .order_by("-start_date", "-pk")[:limit]
    )
    return {"latest": list(latest), "count": sessions.count()}


def session_get(*, user, pk: int) -> TrainingSession:
    """One visible session with its totals and related records; 404 outside the scope."""
    queryset = sessions_with_totals(TrainingSession.objects.visible_to(user))
    # Whether participants are kept as totals, which decides if a sheet can be imported.
    counted = ParticipantCount.objects.filter(session=OuterRef("pk"))
    queryset = queryset.annotate(by_totals=Exists(counted))
    queryset = queryset.select_related("project", "host_country").prefetch_related(
        "audiences",
        "partners",
        "facilitators",
        Prefetch("indicators", queryset=Indicator.objects.select_related("result")),
    )
    return get_object_or_404(queryset, pk=pk)


def session_participants(*, session: TrainingSession) -> list[Attendance]:
    """The people recorded one by one in a session, in the order they were added."""
    return list(
        session.attendances.select_related(
            "person__nationality", "person__country_of_work"
        ).order_by("pk")
    )


BREAKDOWN_PATHS = {
    CountDimension.SEX: "person__sex",
    CountDimension.INSTITUTION_TYPE: "person__institution_type",
    CountDimension.COUNTRY: "person__country_of_work",
}


def session_breakdown(*, session: TrainingSession, user) -> dict[str, Any]:
    """Participants by sex, institution type and country, the total, women and men
    (``participants``) and the average test scores.

    Counts come from the people recorded one by one and from the totals; small
    cells are hidden from aggregate-only viewers, with one more where a hidden one
    would be the total less the others.
    """
    limit = access.small_cell_limit(user, "training")
    attended = session.attendances.filter(attended=True)
    merged: dict[str, dict] = {dimension: defaultdict(int) for dimension in BREAKDOWN_PATHS}
    for dimension, path in BREAKDOWN_PATHS.items():
        for key, number in attended.values_list(path).annotate(n=Count("pk")).order_by():
            merged[dimension][key or ""] += number
    for dimension, sex, kind, country, number in session.participant_counts.values_list(
        "dimension", "sex", "institution_type", "country", "count"
    ):
        key = {CountDimension.SEX: sex, CountDimension.INSTITUTION_TYPE: kind}.get(
            dimension, country
        )
        merged[dimension][key or ""] += number
    countries = {
        c.pk: c.name for c in Country.objects.filter(pk__in=[k for k in merged["country"] if k])
    }
    labels = {
        CountDimension.SEX: dict(Sex.choices),
        CountDimension.INSTITUTION_TYPE: dict(InstitutionType.choices),
        CountDimension.COUNTRY: countries,
    }
    both = Q(pre_score__isnull=False, post_score__isnull=False)
    scores = attended.aggregate(
        pre=Avg("pre_score", filter=both),
        post=Avg("post_score", filter=both),
        n=Count("pk", filter=both),
    )
    # Every participant has a sex, recorded one by one or in the totals by sex.
    total = sum(merged[CountDimension.SEX].values())
    breakdown: dict[str, Any] = {}
    for dimension, values in merged.items():
        rows = [
            {
                "key": key,
                "label": labels[dimension].get(key) or _("Not stated"),
                "cell": Cell(value, limit),
            }
            for key, value in values.items()
        ]
        # People known only by totals may have no breakdown but by sex: the rest of the total.
        rest = total - sum(values.values())
        protect([row["cell"] for row in rows], unseen=max(rest, 0))
        breakdown[dimension] = sorted(rows, key=lambda row: -row["cell"].value)
    # The page's figures show women and men with the same cells as its table by sex, so
    # that each hides what the other hides.
    by_sex = {row["key"]: row["cell"] for row in breakdown[CountDimension.SEX]}
    breakdown["participants"] = {
        "total": Cell(total, limit),
        "female": by_sex.get(Sex.FEMALE, Cell(0, limit)),
        "male": by_sex.get(Sex.MALE, Cell(0, limit)),
        # Nobody recorded as a woman or a man: the page says "not recorded", not "0".
        "sex_recorded": bool(
            by_sex.get(Sex.FEMALE, Cell(0, 0)).value or by_sex.get(Sex.MALE, Cell(0, 0)).value
        ),
    }
    pre, post = _round(scores["pre"]), _round(scores["post"])
    breakdown["scores"] = {
        "pre": pre,
        "post": post,
        "gain": None if pre is None or post is None else post - pre,
        "people": Cell(scores["n"], limit),
    }
    return breakdown


HISTORY_FIELDS = [
    "title",
    "kind",
    "topics",
    "city",
    "venue",
    "start_date",
    "end_date",
    "language",
    "status",
    "notes",
]


def session_history(*, session: TrainingSession, limit: int = 10) -> list[dict[str, Any]]:
    """The last changes of a session: who, when and which fields, old and new."""
    records = list(
        session.history.select_related("history_user").order_by("-history_id")[: limit + 1]
    )
    audience_names = {audience.pk: str(audience) for audience in Audience.objects.all()}
    entries = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        changes = []
        if older is not None and newer.history_type == "~":
            diff = newer.diff_against(older, included_fields=[*HISTORY_FIELDS, "audiences"])
            for change in diff.changes:
                model_field = TrainingSession._meta.get_field(change.field)
                if change.field == "audiences":
                    old, new = (
                        ", ".join(sorted(audience_names.get(row["audience"], "?") for row in rows))
                        for rows in (change.old, change.new)
                    )
                else:
                    shown = dict(model_field.choices or [])
                    old = str(shown.get(change.old, change.old or ""))
                    new = str(shown.get(change.new, change.new or ""))
                changes.append((str(model_field.verbose_name), old, new))
            if not changes:
                continue
        action = {"+": "created", "-": "deleted"}.get(newer.history_type, "changed")
        entries.append(
            {
                "when": newer.history_date,
                "who": newer.history_user,
                "action": action,
                "changes": changes,
            }
        )
    return entries[:limit]


def sessions_calendar(*, sessions: QuerySet, year: int, per_month: int = 12) -> list[dict]:
    """The sessions starting in each month of ``year``: the first few of each and how many.

    Two queries whatever the number of sessions: monthly counts, then the
    first ``per_month`` sessions of each month ranked in the database.
    """
    in_year = TrainingSession.objects.filter(
        pk__in=sessions.values("pk"),
        start_date__gte=datetime.date(year, 1, 1),
        start_date__lte=datetime.date(year, 12, 31),
    )
    month = ExtractMonth("start_date")
    counts = dict(
        in_year.annotate(month=month).order_by().values_list("month").annotate(n=Count("pk"))
    )
    ranked = (
        in_year.annotate(
            month=month,
            rank=Window(
                RowNumber(),
                partition_by=[month],
                order_by=[F("start_date").asc(), F("pk").asc()],
            ),
        )
        .filter(rank__lte=per_month)
        .select_related("project", "host_country")
        .order_by("start_date", "pk")
    )
    shown: dict[int, list] = defaultdict(list)
    for session in ranked:
        shown[session.month].append(session)
    months = []
    for number in range(1, 13):
        first = datetime.date(year, number, 1)
        last = (first + datetime.timedelta(days=31)).replace(day=1) - datetime.timedelta(days=1)
        total = counts.get(number, 0)
        months.append(
            {
                "first": first,
                "last": last,
                "count": total,
                "sessions": shown[number],
                "more": total - len(shown[number]),
            }
        )
    return months
