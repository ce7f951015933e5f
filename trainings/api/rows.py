"""List rows of training sessions from plain values (see ``ctportal.api_rows``).

``session_rows`` gives exactly what ``TrainingSessionSerializer`` gives for the
same sessions: same keys, same order, same formats, small counts hidden alike.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.db.models import QuerySet

from ctportal import access
from ctportal import api_rows as r

from ..models import TrainingSession
from ..selectors import sessions_with_totals
from .serializers import participant_totals

SESSION_COLUMNS = [
    "id",
    "project__code",
    "title",
    "kind",
    "topics",
    "host_country__code",
    "city",
    "venue",
    "start_date",
    "end_date",
    "language",
    "status",
    "notes",
    "version",
    "updated_at",
    "participant_total",
    "female",
    "male",
]


def session_values(sessions: QuerySet) -> QuerySet:
    """What a session row reads, its participant totals included."""
    return sessions_with_totals(sessions).values(*SESSION_COLUMNS)


def participants(values: dict, limit: int) -> dict:
    """``TrainingSessionSerializer.get_participants`` over a row's totals."""
    return participant_totals(SimpleNamespace(**values), limit)


def session_rows(page: list[dict], user) -> list[dict]:
    """The page's sessions as ``TrainingSessionSerializer`` lays them out: four more queries."""
    ids = [row["id"] for row in page]
    limit = access.small_cell_limit(user, "training")
    kind_labels = r.labels(TrainingSession._meta.get_field("kind"))
    status_labels = r.labels(TrainingSession._meta.get_field("status"))

    audiences = r.grouped(
        TrainingSession.audiences.through.objects.filter(trainingsession_id__in=ids).order_by(
            "audience_id"
        ),
        "trainingsession_id",
        ["audience__code"],
        lambda v: v[0],
    )
    partners, facilitators = (
        r.grouped(
            relation.through.objects.filter(trainingsession_id__in=ids).order_by(
                "organisation__name"
            ),
            "trainingsession_id",
            r.organisation_columns("organisation"),
            lambda v: r.organisation_ref(*v),
        )
        for relation in (TrainingSession.partners, TrainingSession.facilitators)
    )
    indicators = r.grouped(
        TrainingSession.indicators.through.objects.filter(trainingsession_id__in=ids).order_by(
            "indicator__order", "indicator_id"
        ),
        "trainingsession_id",
        ["indicator_id"],
        lambda v: v[0],
    )

    rows = []
    for s in page:
        pk = s["id"]
        rows.append(
            {
                "id": pk,
                "project": s["project__code"],
                "title": s["title"],
                "kind": s["kind"],
                "kind_label": kind_labels.get(s["kind"], str(s["kind"])),
                "topics": [line.strip() for line in s["topics"].splitlines() if line.strip()],
                "audiences": audiences.get(pk, []),
                "host_country": s["host_country__code"],
                "city": s["city"],
                "venue": s["venue"],
                "start_date": r.date(s["start_date"]),
                "end_date": r.date(s["end_date"]),
                "language": s["language"],
                "partners": partners.get(pk, []),
                "facilitators": facilitators.get(pk, []),
                "indicators": indicators.get(pk, []),
                "status": s["status"],
                "status_label": status_labels.get(s["status"], str(s["status"])),
                "notes": s["notes"],
                "participants": participants(
                    {
                        "participant_total": s["participant_total"],
                        "female": s["female"],
                        "male": s["male"],
                    },
                    limit,
                ),
                "version": s["version"],
                "updated_at": r.datetime(s["updated_at"]),
            }
        )
    return rows
