# ruff: noqa: S608 (SQL written here from trusted names; values go in parameters)
"""List pages of projects, transactions, results and indicators written by PostgreSQL.

Each function gives the SQL (and its parameters) of one page as JSON, for
``PageFirstListMixin.page_json``: exactly what the read serializer gives for the
same records, as ``rows`` does in Python for CSV, the browsable API and SQLite.
"""

from __future__ import annotations

from django.utils.translation import get_language, gettext

from ctportal import api_sql as sql

from ..models import (
    SPEND_KINDS,
    Indicator,
    ParticipatingOrganisation,
    Project,
    Result,
    ThematicArea,
    Transaction,
)
from .rows import NAME_COLUMNS


def transaction_json() -> tuple[str, list]:
    """The page's transactions as ``TransactionSerializer`` gives them, as JSON by PostgreSQL."""
    params: list = []
    row = sql.json_object(
        {
            "id": "t.id",
            "project": "p.code",
            "kind": "t.kind",
            "kind_label": sql.labels(Transaction._meta.get_field("kind"), "t.kind", params),
            "date": "t.date",
            "value": sql.decimal("t.value"),
            "currency": "t.currency",
            "provider": sql.organisation_ref("pr"),
            "receiver": sql.organisation_ref("re"),
            "description": "t.description",
        }
    )
    page = sql.json_list(
        row,
        "page.n",
        "FROM page JOIN projects_transaction t ON t.id = page.id"
        " JOIN projects_project p ON p.id = t.project_id"
        " LEFT JOIN projects_organisation pr ON pr.id = t.provider_id"
        " LEFT JOIN projects_organisation re ON re.id = t.receiver_id",
    )
    return page, params


# Project.lines() strips these around each line.
_LINE_STRIP = " •-\t"


def _area_names(language: str) -> dict[str, str]:
    """Thematic area names through the reader's catalogue (none to change in English)."""
    if language == "en":
        return {}
    names = ThematicArea.objects.values_list("name", flat=True)
    return {name: gettext(name) for name in names if gettext(name) != name}


def project_json() -> tuple[str, list]:
    """The page's projects as ``ProjectSerializer`` gives them, as JSON by PostgreSQL.

    Each related list in its model's order (and by id among equals), as
    ``_RELATED_SQL``; the parameters are added in the order they appear.
    """
    language = (get_language() or "en")[:2]
    name_column = NAME_COLUMNS.get(language, "name_en")
    params: list = []
    status_label = sql.labels(Project._meta.get_field("status"), "p.status", params)
    area_name = sql.translated("a.name", _area_names(language), params)
    share = sql.decimal_half_even("f.amount * 100 / p.budget", 1)
    role_label = sql.labels(ParticipatingOrganisation._meta.get_field("role"), "po.role", params)
    text_lines = {
        name: sql.lines(f"p.{name}", _LINE_STRIP, params)
        for name in ("target_groups", "objectives", "key_achievements")
    }
    spend_kinds = ", ".join(str(int(kind)) for kind in SPEND_KINDS)
    fields = {
        "id": "p.id",
        "code": "p.code",
        "iati_identifier": "p.iati_identifier",
        "title": "p.title",
        "title_ar": "p.title_ar",
        "title_fr": "p.title_fr",
        "description": "p.description",
        "status": "p.status",
        "status_label": status_label,
        "planned_start": "p.planned_start",
        "planned_end": "p.planned_end",
        "actual_start": "p.actual_start",
        "actual_end": "p.actual_end",
        "budget": sql.decimal("p.budget"),
        "currency": "p.currency",
        "spent": sql.decimal(
            "coalesce((SELECT sum(t.value) FROM projects_transaction t"
            f" WHERE t.project_id = p.id AND t.kind IN ({spend_kinds})"
            " AND t.currency = p.currency), 0)"
        ),
        "reporting_organisation": sql.organisation_ref("ro"),
        "thematic_areas": sql.json_list(
            sql.json_object({"code": "a.code", "name": area_name}),
            "pt.thematicarea_id, pt.id",
            "FROM projects_project_thematic_areas pt"
            " JOIN projects_thematicarea a ON a.id = pt.thematicarea_id"
            " WHERE pt.project_id = p.id",
        ),
        "fundings": sql.json_list(
            sql.json_object(
                {
                    "donor": sql.organisation_ref("o"),
                    "amount": sql.decimal("f.amount"),
                    "currency": "f.currency",
                    "share": "CASE WHEN f.amount IS NOT NULL AND f.currency = p.currency"
                    f" AND p.budget <> 0 THEN {share} END",
                }
            ),
            "f.amount DESC, o.name, f.id",
            "FROM projects_funding f JOIN projects_organisation o ON o.id = f.donor_id"
            " WHERE f.project_id = p.id",
        ),
        "countries": sql.json_list(
            sql.json_object(
                {
                    "country": "c.code",
                    "name": f"coalesce(nullif(c.{name_column}, ''), c.name_en)",
                    "percentage": sql.decimal("rc.percentage"),
                }
            ),
            "rc.percentage DESC, c.name_en, rc.id",
            "FROM projects_recipientcountry rc JOIN projects_country c ON c.id = rc.country_id"
            " WHERE rc.project_id = p.id",
        ),
        "participating_organisations": sql.json_list(
            sql.json_object(
                {
                    "organisation": sql.organisation_ref("o"),
                    "role": "po.role",
                    "role_label": role_label,
                }
            ),
            "po.role, o.name, po.id",
            "FROM projects_participatingorganisation po"
            " JOIN projects_organisation o ON o.id = po.organisation_id"
            " WHERE po.project_id = p.id",
        ),
        **text_lines,
        "text_language": "p.text_language",
        "budget_not_provided": "p.budget_not_provided",
        "default_flow_type": "p.default_flow_type",
        "default_finance_type": "p.default_finance_type",
        "default_aid_type": "p.default_aid_type",
        "default_tied_status": "p.default_tied_status",
        "collaboration_type": "p.collaboration_type",
        "activity_scope": "p.activity_scope",
        "contact_email": "p.contact_email",
        "sectors": sql.json_list(
            sql.json_object({"code": "s.code", "percentage": sql.decimal("s.percentage")}),
            "s.percentage DESC, s.code, s.id",
            "FROM projects_projectsector s WHERE s.project_id = p.id",
        ),
        "version": "p.version",
        "updated_at": sql.datetime("p.updated_at"),
    }
    row = sql.json_object(fields)
    page = sql.json_list(
        row,
        "page.n",
        "FROM page"
        # Each project by its key: planned as a join, the small table was read whole.
        " CROSS JOIN LATERAL (SELECT * FROM projects_project WHERE id = page.id OFFSET 0) p"
        " LEFT JOIN projects_organisation ro ON ro.id = p.reporting_organisation_id",
    )
    return page, params


def indicator_json() -> tuple[str, list]:
    """The page's indicators as ``IndicatorSerializer`` gives them, as JSON by PostgreSQL.

    Periods by start (and id), each with its breakdowns in their order (by id).
    """
    params: list = []
    breakdowns = sql.json_list(
        sql.json_object(
            {
                "sex": "d.sex",
                "country": "c.code",
                "target": sql.decimal("d.target"),
                "actual": sql.decimal("d.actual"),
            }
        ),
        "d.id",
        "FROM projects_disaggregation d LEFT JOIN projects_country c ON c.id = d.country_id"
        " WHERE d.period_id = pe.id",
    )
    period = sql.json_object(
        {
            "period_start": "pe.period_start",
            "period_end": "pe.period_end",
            "target": sql.decimal("pe.target"),
            "actual": sql.decimal("pe.actual"),
            "target_comment": "pe.target_comment",
            "actual_comment": "pe.actual_comment",
            "disaggregations": breakdowns,
        }
    )
    row = sql.json_object(
        {
            "id": "i.id",
            "project": "p.code",
            "result": "i.result_id",
            "result_title": "r.title",
            "title": "i.title",
            "title_ar": "i.title_ar",
            "title_fr": "i.title_fr",
            "measure": "i.measure",
            "measure_label": sql.labels(Indicator._meta.get_field("measure"), "i.measure", params),
            "unit": "i.unit",
            "unit_ar": "i.unit_ar",
            "unit_fr": "i.unit_fr",
            "ascending": "i.ascending",
            "baseline_year": "i.baseline_year",
            "baseline_value": sql.decimal("i.baseline_value"),
            "baseline_comment": "i.baseline_comment",
            "order": 'i."order"',
            "periods": sql.json_list(
                period,
                "pe.period_start, pe.id",
                "FROM projects_indicatorperiod pe WHERE pe.indicator_id = i.id",
            ),
        }
    )
    page = sql.json_list(
        row,
        "page.n",
        "FROM page JOIN projects_indicator i ON i.id = page.id"
        " JOIN projects_result r ON r.id = i.result_id"
        " JOIN projects_project p ON p.id = r.project_id",
    )
    return page, params


def result_json() -> tuple[str, list]:
    """The page's results as ``ResultSerializer`` gives them, as JSON by PostgreSQL."""
    params: list = []
    row = sql.json_object(
        {
            "id": "x.id",
            "project": "p.code",
            "kind": "x.kind",
            "kind_label": sql.labels(Result._meta.get_field("kind"), "x.kind", params),
            "title": "x.title",
            "description": "x.description",
            "order": 'x."order"',
        }
    )
    page = sql.json_list(
        row,
        "page.n",
        "FROM page JOIN projects_result x ON x.id = page.id"
        " JOIN projects_project p ON p.id = x.project_id",
    )
    return page, params
