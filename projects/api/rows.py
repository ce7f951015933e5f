"""List rows of projects and transactions from plain values (see ``ctportal.api_rows``).

Each function gives exactly what ``ProjectSerializer`` or ``TransactionSerializer``
gives for the same records: same keys, same order, same formats.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import get_language, gettext

from ctportal import api_rows as r

from ..models import (
    Funding,
    ParticipatingOrganisation,
    Project,
    ProjectSector,
    RecipientCountry,
    Transaction,
)

PROJECT_COLUMNS = [
    "id",
    "code",
    "iati_identifier",
    "title",
    "title_ar",
    "title_fr",
    "description",
    "status",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "budget",
    "currency",
    "spent",
    *r.organisation_columns("reporting_organisation"),
    "target_groups",
    "objectives",
    "key_achievements",
    "text_language",
    "budget_not_provided",
    "default_flow_type",
    "default_finance_type",
    "default_aid_type",
    "default_tied_status",
    "collaboration_type",
    "activity_scope",
    "contact_email",
    "version",
    "updated_at",
]


def project_values(projects: QuerySet) -> QuerySet:
    """What a project row reads; ``projects`` carries the ``spent`` annotation."""
    return projects.values(*PROJECT_COLUMNS)


def _share(amount, currency, project: dict) -> str | None:
    # Funding.share, formatted as the serializer's DecimalField(5, 1).
    if amount is None or currency != project["currency"] or not project["budget"]:
        return None
    return r.decimal((amount * 100 / project["budget"]).quantize(Decimal("0.1")), 5, 1)


def project_rows(page: list[dict]) -> list[dict]:
    """The page's projects as ``ProjectSerializer`` lays them out: five more queries."""
    ids = [row["id"] for row in page]
    status_labels = r.labels(Project._meta.get_field("status"))
    role_labels = r.labels(ParticipatingOrganisation._meta.get_field("role"))
    language = (get_language() or "en")[:2]
    name_column = f"country__name_{language}" if language in ("ar", "fr") else "country__name_en"

    areas = r.grouped(
        Project.thematic_areas.through.objects.filter(project_id__in=ids).order_by(
            "thematicarea_id"
        ),
        "project_id",
        ["thematicarea__code", "thematicarea__name"],
        lambda v: {"code": v[0], "name": gettext(v[1])},
    )
    fundings = r.grouped(
        Funding.objects.filter(project_id__in=ids),
        "project_id",
        [*r.organisation_columns("donor"), "amount", "currency"],
        tuple,
    )
    countries = r.grouped(
        RecipientCountry.objects.filter(project_id__in=ids),
        "project_id",
        ["country__code", name_column, "country__name_en", "percentage"],
        lambda v: {"country": v[0], "name": v[1] or v[2], "percentage": r.decimal(v[3], 5, 2)},
    )
    participants = r.grouped(
        ParticipatingOrganisation.objects.filter(project_id__in=ids),
        "project_id",
        [*r.organisation_columns("organisation"), "role"],
        lambda v: {
            "organisation": r.organisation_ref(*v[:5]),
            "role": v[5],
            "role_label": role_labels.get(v[5], str(v[5])),
        },
    )
    sectors = r.grouped(
        ProjectSector.objects.filter(project_id__in=ids),
        "project_id",
        ["code", "percentage"],
        lambda v: {"code": v[0], "percentage": r.decimal(v[1], 5, 2)},
    )

    rows = []
    for p in page:
        pk = p["id"]
        rows.append(
            {
                "id": pk,
                "code": p["code"],
                "iati_identifier": p["iati_identifier"],
                "title": p["title"],
                "title_ar": p["title_ar"],
                "title_fr": p["title_fr"],
                "description": p["description"],
                "status": p["status"],
                "status_label": status_labels.get(p["status"], str(p["status"])),
                "planned_start": r.date(p["planned_start"]),
                "planned_end": r.date(p["planned_end"]),
                "actual_start": r.date(p["actual_start"]),
                "actual_end": r.date(p["actual_end"]),
                "budget": r.decimal(p["budget"]),
                "currency": p["currency"],
                "spent": f"{p['spent'] or 0:.2f}",
                "reporting_organisation": r.organisation_ref(
                    *(p[c] for c in r.organisation_columns("reporting_organisation"))
                ),
                "thematic_areas": areas.get(pk, []),
                "fundings": [
                    {
                        "donor": r.organisation_ref(*f[:5]),
                        "amount": r.decimal(f[5]),
                        "currency": f[6],
                        "share": _share(f[5], f[6], p),
                    }
                    for f in fundings.get(pk, ())
                ],
                "countries": countries.get(pk, []),
                "participating_organisations": participants.get(pk, []),
                "target_groups": Project.lines(p["target_groups"]),
                "objectives": Project.lines(p["objectives"]),
                "key_achievements": Project.lines(p["key_achievements"]),
                "text_language": p["text_language"],
                "budget_not_provided": p["budget_not_provided"],
                "default_flow_type": p["default_flow_type"],
                "default_finance_type": p["default_finance_type"],
                "default_aid_type": p["default_aid_type"],
                "default_tied_status": p["default_tied_status"],
                "collaboration_type": p["collaboration_type"],
                "activity_scope": p["activity_scope"],
                "contact_email": p["contact_email"],
                "sectors": sectors.get(pk, []),
                "version": p["version"],
                "updated_at": r.datetime(p["updated_at"]),
            }
        )
    return rows


TRANSACTION_COLUMNS = [
    "id",
    "project__code",
    "kind",
    "date",
    "value",
    "currency",
    *r.organisation_columns("provider"),
    *r.organisation_columns("receiver"),
    "description",
]


def transaction_values(transactions: QuerySet) -> QuerySet:
    return transactions.values_list(*TRANSACTION_COLUMNS)


def transaction_rows(page: list[tuple]) -> list[dict]:
    """The page's transactions as ``TransactionSerializer`` lays them out."""
    kind_labels = r.labels(Transaction._meta.get_field("kind"))
    return [
        {
            "id": t[0],
            "project": t[1],
            "kind": t[2],
            "kind_label": kind_labels.get(t[2], str(t[2])),
            "date": r.date(t[3]),
            "value": r.decimal(t[4]),
            "currency": t[5],
            "provider": r.organisation_ref(*t[6:11]),
            "receiver": r.organisation_ref(*t[11:16]),
            "description": t[16],
        }
        for t in page
    ]
