# ruff: noqa: S608 (SQL written here from trusted names; values go in parameters)
"""List rows of projects and transactions from plain values (see ``ctportal.api_rows``).

Each function gives exactly what ``ProjectSerializer`` or ``TransactionSerializer``
gives for the same records: same keys, same order, same formats.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import connection
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
from .serializers import ProjectSerializer

# The serializer's own fields, read as they are stored; the others are laid out from
# related lists or labels below.
_LAID_OUT = {
    "status_label",
    "reporting_organisation",
    "thematic_areas",
    "fundings",
    "countries",
    "participating_organisations",
    "sectors",
}
PROJECT_COLUMNS = [
    *(name for name in ProjectSerializer.Meta.fields if name not in _LAID_OUT),
    *r.organisation_columns("reporting_organisation"),
]


def project_values(projects: QuerySet) -> QuerySet:
    """What a project row reads; ``projects`` carries the ``spent`` annotation."""
    return projects.values(*PROJECT_COLUMNS)


def _share(amount, currency, project: dict) -> str | None:
    # Funding.share, formatted as the serializer's DecimalField(5, 1).
    if amount is None or currency != project["currency"] or not project["budget"]:
        return None
    return r.decimal((amount * 100 / project["budget"]).quantize(Decimal("0.1")), 5, 1)


# A page's five related lists in one statement on PostgreSQL, each in its model's
# order (and by id among equals): one row per related record, with its list's
# number (``kind``) and what it shows in shared columns.
_RELATED_SQL = """
SELECT kind, project_id, org_id, t1, t2, t3, t4, t5, n, num FROM (
    SELECT 0 AS kind, pt.project_id,
           row_number() OVER (ORDER BY pt.thematicarea_id, pt.id) AS ordinal,
           NULL::bigint AS org_id, a.code::text AS t1, a.name::text AS t2, NULL::text AS t3,
           NULL::text AS t4, NULL::text AS t5, NULL::integer AS n, NULL::numeric AS num
    FROM projects_project_thematic_areas pt
    JOIN projects_thematicarea a ON a.id = pt.thematicarea_id
    WHERE pt.project_id = ANY(%(ids)s)
  UNION ALL
    SELECT 1, f.project_id, row_number() OVER (ORDER BY f.amount DESC, o.name, f.id),
           o.id, o.name, o.name_ar, o.name_fr, o.acronym, f.currency, NULL, f.amount
    FROM projects_funding f
    JOIN projects_organisation o ON o.id = f.donor_id
    WHERE f.project_id = ANY(%(ids)s)
  UNION ALL
    SELECT 2, rc.project_id, row_number() OVER (ORDER BY rc.percentage DESC, c.name_en, rc.id),
           NULL, c.code, c.{name_column}, c.name_en, NULL, NULL, NULL, rc.percentage
    FROM projects_recipientcountry rc
    JOIN projects_country c ON c.id = rc.country_id
    WHERE rc.project_id = ANY(%(ids)s)
  UNION ALL
    SELECT 3, po.project_id, row_number() OVER (ORDER BY po.role, o.name, po.id),
           o.id, o.name, o.name_ar, o.name_fr, o.acronym, NULL, po.role, NULL
    FROM projects_participatingorganisation po
    JOIN projects_organisation o ON o.id = po.organisation_id
    WHERE po.project_id = ANY(%(ids)s)
  UNION ALL
    SELECT 4, s.project_id, row_number() OVER (ORDER BY s.percentage DESC, s.code, s.id),
           NULL, s.code, NULL, NULL, NULL, NULL, NULL, s.percentage
    FROM projects_projectsector s
    WHERE s.project_id = ANY(%(ids)s)
) related
ORDER BY kind, ordinal
"""
NAME_COLUMNS = {"ar": "name_ar", "fr": "name_fr"}


def _related_lists(ids: list[int], language: str) -> list[dict]:
    """Each of a page's related lists as values by project: one query on PostgreSQL.

    Thematic areas (code, name), fundings (donor's reference columns, amount,
    currency), countries (code, name in the language, English name, percentage),
    participating organisations (reference columns, role) and sectors (code,
    percentage), as ``r.grouped`` gives them.
    """
    name_column = NAME_COLUMNS.get(language, "name_en")
    if connection.vendor != "postgresql":
        country_name = f"country__{name_column}"
        return [
            r.grouped(
                Project.thematic_areas.through.objects.filter(project_id__in=ids).order_by(
                    "thematicarea_id"
                ),
                "project_id",
                ["thematicarea__code", "thematicarea__name"],
                tuple,
            ),
            r.grouped(
                Funding.objects.filter(project_id__in=ids),
                "project_id",
                [*r.organisation_columns("donor"), "amount", "currency"],
                tuple,
            ),
            r.grouped(
                RecipientCountry.objects.filter(project_id__in=ids),
                "project_id",
                ["country__code", country_name, "country__name_en", "percentage"],
                tuple,
            ),
            r.grouped(
                ParticipatingOrganisation.objects.filter(project_id__in=ids),
                "project_id",
                [*r.organisation_columns("organisation"), "role"],
                tuple,
            ),
            r.grouped(
                ProjectSector.objects.filter(project_id__in=ids),
                "project_id",
                ["code", "percentage"],
                tuple,
            ),
        ]
    lists = [defaultdict(list) for _ in range(5)]
    if not ids:
        return lists
    with connection.cursor() as cursor:
        cursor.execute(_RELATED_SQL.format(name_column=name_column), {"ids": ids})
        rows = cursor.fetchall()
    areas, fundings, countries, participants, sectors = lists
    for kind, project_id, org_id, t1, t2, t3, t4, t5, n, num in rows:
        if kind == 0:
            areas[project_id].append((t1, t2))
        elif kind == 1:
            fundings[project_id].append((org_id, t1, t2, t3, t4, num, t5))
        elif kind == 2:
            countries[project_id].append((t1, t2, t3, num))
        elif kind == 3:
            participants[project_id].append((org_id, t1, t2, t3, t4, n))
        else:
            sectors[project_id].append((t1, num))
    return lists


def project_rows(page: list[dict]) -> list[dict]:
    """The page's projects as ``ProjectSerializer`` lays them out: one more query."""
    status_labels = r.labels(Project._meta.get_field("status"))
    role_labels = r.labels(ParticipatingOrganisation._meta.get_field("role"))
    language = (get_language() or "en")[:2]
    areas, fundings, countries, participants, sectors = _related_lists(
        [row["id"] for row in page], language
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
                "thematic_areas": [
                    {"code": code, "name": gettext(name)} for code, name in areas.get(pk, ())
                ],
                "fundings": [
                    {
                        "donor": r.organisation_ref(*f[:5]),
                        "amount": r.decimal(f[5]),
                        "currency": f[6],
                        "share": _share(f[5], f[6], p),
                    }
                    for f in fundings.get(pk, ())
                ],
                "countries": [
                    {"country": c[0], "name": c[1] or c[2], "percentage": r.decimal(c[3], 5, 2)}
                    for c in countries.get(pk, ())
                ],
                "participating_organisations": [
                    {
                        "organisation": r.organisation_ref(*o[:5]),
                        "role": o[5],
                        "role_label": role_labels.get(o[5], str(o[5])),
                    }
                    for o in participants.get(pk, ())
                ],
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
                "sectors": [
                    {"code": code, "percentage": r.decimal(percentage, 5, 2)}
                    for code, percentage in sectors.get(pk, ())
                ],
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
