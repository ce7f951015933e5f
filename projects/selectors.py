"""Reads of the projects domain used by pages: lists, details, history and dashboards.

Every function starts from ``visible_to(user)`` and costs a fixed number of
queries whatever the number of rows. Money is grouped by currency and never
summed across currencies.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, DecimalField, F, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, ExtractYear
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language

from ctportal import access

from .filters import ProjectFilter
from .models import (
    SPEND_KINDS,
    Country,
    Document,
    Funding,
    Indicator,
    IndicatorPeriod,
    Organisation,
    ParticipatingOrganisation,
    Project,
    RecipientCountry,
    Result,
    Transaction,
)

MONEY_OUTPUT = DecimalField(max_digits=20, decimal_places=2)
HUNDRED = Decimal("100")


def percent(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """``part`` as a percentage of ``whole``, one decimal; None when undefined."""
    if part is None or not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1"))


def _spent_in_project_currency() -> Subquery:
    # A subquery rather than a join so filters that join other tables never multiply it.
    rows = (
        Transaction.objects.filter(
            project=OuterRef("pk"), kind__in=SPEND_KINDS, currency=OuterRef("currency")
        )
        .order_by()
        .values("project")
        .annotate(total=Sum("value"))
        .values("total")
    )
    return Subquery(rows, output_field=MONEY_OUTPUT)


def project_list(*, user, params: QueryDict) -> tuple[ProjectFilter, QuerySet]:
    """The filter form and the visible projects it selects, with what a row shows."""
    visible = Project.objects.visible_to(user)
    filterset = ProjectFilter(params or None, queryset=visible)
    filterset.filters["donor"].queryset = Organisation.objects.filter(
        fundings__project__in=visible.values("pk")
    ).distinct()
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else visible
    queryset = queryset.for_list().annotate(spent=_spent_in_project_currency())
    return filterset, queryset


def project_get(*, user, pk: int) -> Project:
    """One visible project with what its detail page shows; 404 outside the scope."""
    queryset = Project.objects.visible_to(user).select_related("reporting_organisation")
    queryset = queryset.prefetch_related(
        "thematic_areas",
        Prefetch("fundings", queryset=Funding.objects.select_related("donor")),
        Prefetch(
            "recipient_countries", queryset=RecipientCountry.objects.select_related("country")
        ),
        Prefetch(
            "participating_organisations",
            queryset=ParticipatingOrganisation.objects.select_related("organisation"),
        ),
        Prefetch("documents", queryset=Document.objects.all()),
    )
    return get_object_or_404(queryset, pk=pk)


def project_editors(*, project: Project, user) -> dict[str, Any]:
    """Who may change the project and why this user may or may not: its lead country
    (explicit, else the largest share) and the programme officers assigned to it."""
    from django.contrib.auth import get_user_model

    lead_id = Project.objects.with_lead().filter(pk=project.pk).values_list("lead_id", flat=True)
    lead = Country.objects.filter(pk__in=lead_id).first()
    assigned = list(
        get_user_model()
        .objects.filter(projects=project, role=access.Role.PROGRAMME_OFFICER)
        .filter(is_active=True)
        .order_by("last_name", "first_name", "username")[:20]
    )
    return {
        "lead": lead,
        "lead_is_explicit": project.lead_country_id is not None,
        "assigned": assigned,
        "is_officer": access.role_of(user) == access.Role.PROGRAMME_OFFICER,
        # Donors and analysts read figures, not who in the office runs the project.
        "shown": access.role_of(user) not in access.AGGREGATE_ONLY,
    }


def project_transactions(*, project: Project, limit: int = 20) -> list[Transaction]:
    """The latest transactions of a project."""
    return list(project.transactions.select_related("provider", "receiver")[:limit])


def project_budgets(*, project: Project) -> list:
    """The budget rows of a project by period; their sum is its total budget."""
    return list(project.budgets.order_by("period_start", "kind", "pk"))


def project_results(*, project: Project) -> list[Result]:
    """The results framework: results, their indicators and the periods of each."""
    indicators = Indicator.objects.prefetch_related(
        Prefetch("periods", queryset=IndicatorPeriod.objects.order_by("period_start"))
    )
    return list(project.results.prefetch_related(Prefetch("indicators", queryset=indicators)))


@dataclass
class Change:
    when: datetime.datetime
    who: Any
    action: str
    subject: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)


HISTORY_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
HISTORY_DIFF_FIELDS = [
    "code",
    "title",
    "status",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "budget",
    "currency",
    "description",
    "target_groups",
    "objectives",
    "key_achievements",
]


def _short(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _project_changes(project: Project, limit: int) -> list[Change]:
    records = list(
        project.history.select_related("history_user").order_by("-history_id")[: limit + 1]
    )
    changes = []
    # Projects loaded in bulk (imports, benchmarks) may have no history yet.
    for newer, older in zip(records, [*records[1:], None][: len(records)], strict=True):
        entry = Change(newer.history_date, newer.history_user, newer.history_type, str(project))
        if older is not None and newer.history_type == "~":
            delta = newer.diff_against(older, included_fields=HISTORY_DIFF_FIELDS)
            for change in delta.changes:
                label = Project._meta.get_field(change.field).verbose_name
                entry.changes.append((str(label), _short(change.old), _short(change.new)))
        changes.append(entry)
    return changes[:limit]


def _child_changes(model, project: Project, related: str, limit: int) -> list[Change]:
    rows = (
        model.history.filter(project_id=project.pk)
        .select_related("history_user", related)
        .order_by("-history_id")[:limit]
    )
    return [
        Change(
            row.history_date,
            row.history_user,
            row.history_type,
            f"{capfirst(model._meta.verbose_name)}: {getattr(row, related)}",
        )
        for row in rows
    ]


def project_history(*, project: Project, limit: int = 12) -> list[dict[str, Any]]:
    """The last changes of a project and of its funding, countries and partners."""
    entries = _project_changes(project, limit)
    entries += _child_changes(Funding, project, "donor", limit)
    entries += _child_changes(RecipientCountry, project, "country", limit)
    entries += _child_changes(ParticipatingOrganisation, project, "organisation", limit)
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return [
        {**entry.__dict__, "action": HISTORY_ACTIONS.get(entry.action, entry.action)}
        for entry in entries[:limit]
    ]


def _elapsed(project: Project, today: datetime.date) -> Decimal | None:
    start, end = project.start, project.end
    if not start or not end or end <= start:
        return None
    days = min(max((today - start).days, 0), (end - start).days)
    return percent(Decimal(days), Decimal((end - start).days))


def _money_by_currency(rows, key: str = "total") -> list[dict[str, Any]]:
    return [{"currency": row["currency"], "amount": row[key]} for row in rows if row[key]]


def project_dashboard(*, project: Project, today: datetime.date | None = None) -> dict[str, Any]:
    """Figures of one project's donor dashboard, per currency, in a fixed number of queries."""
    today = today or timezone.localdate()
    fundings = list(project.fundings.select_related("donor").order_by("currency", "-amount"))
    funded = defaultdict(Decimal)
    for funding in fundings:
        if funding.amount is not None:
            funded[funding.currency] += funding.amount
    spend_rows = (
        project.transactions.filter(kind__in=SPEND_KINDS)
        .annotate(year=ExtractYear("date"))
        .order_by()
        .values("year", "currency")
        .annotate(total=Sum("value"))
        .order_by("year", "currency")
    )
    spend_by_year: list[dict[str, Any]] = []
    other_spend = defaultdict(Decimal)
    for row in spend_rows:
        if row["currency"] == project.currency:
            spend_by_year.append({"label": str(row["year"]), "value": row["total"]})
        else:
            other_spend[row["currency"]] += row["total"]
    spent = sum((row["value"] for row in spend_by_year), Decimal("0"))
    own_funded = funded.get(project.currency)
    return {
        "budget": project.budget,
        "currency": project.currency,
        "funded": [
            {"currency": c, "amount": a}
            for c, a in sorted(funded.items(), key=lambda i: i[0] != project.currency)
        ],
        "funded_percent": percent(own_funded, project.budget),
        "spent": spent,
        "spent_percent": percent(spent, project.budget),
        "other_spend": [{"currency": c, "amount": a} for c, a in sorted(other_spend.items())],
        "elapsed_percent": _elapsed(project, today),
        "funding_by_currency": _funding_groups(fundings, project.currency),
        "unknown_fundings": [f for f in fundings if f.amount is None],
        "spend_by_year": spend_by_year,
        "indicators": _indicator_progress(project),
        "countries": list(project.recipient_countries.select_related("country")),
    }


def _funding_groups(fundings: list[Funding], currency: str) -> list[dict[str, Any]]:
    """Donor amounts per currency, the project's own currency first."""
    groups: dict[str, list[dict[str, Any]]] = {currency: []}
    for funding in fundings:
        if funding.amount is not None:
            groups.setdefault(funding.currency, []).append(
                {"label": str(funding.donor), "value": funding.amount}
            )
    return [{"currency": code, "rows": rows} for code, rows in groups.items() if rows]


def _indicator_progress(project: Project) -> list[dict[str, Any]]:
    """Each indicator's latest period with a figure, preferring periods that have a target."""
    periods = (
        IndicatorPeriod.objects.filter(indicator__result__project=project)
        .exclude(target__isnull=True, actual__isnull=True)
        .select_related("indicator")
        .order_by("indicator__result__order", "indicator__order", "indicator_id", "period_start")
    )
    latest: dict[int, IndicatorPeriod] = {}
    for period in periods:
        kept = latest.get(period.indicator_id)
        if kept is None or period.target is not None or kept.target is None:
            latest[period.indicator_id] = period
    return [
        {
            "indicator": period.indicator,
            "period": period,
            "target": period.target,
            "actual": period.actual,
            "percent": percent(period.actual or Decimal("0"), period.target),
        }
        for period in latest.values()
    ]


def portfolio_dashboard(*, user) -> dict[str, Any]:
    """Portfolio totals over the projects the user may see, aggregated in the database."""
    projects = Project.objects.visible_to(user)
    ids = projects.values("pk")
    by_status = {
        row["status"]: row["n"]
        for row in projects.order_by().values("status").annotate(n=Count("pk"))
    }
    status_rows = [
        {"label": label, "value": by_status[value]}
        for value, label in Project._meta.get_field("status").choices
        if by_status.get(value)
    ]
    budget_share = F("project__budget") * F("percentage") / HUNDRED
    by_country = (
        RecipientCountry.objects.filter(project__in=ids)
        .order_by()
        .values(
            "country_id",
            "country__code",
            "country__name_en",
            "country__name_ar",
            "country__name_fr",
        )
        .annotate(
            currency=F("project__currency"),
            total=Coalesce(Sum(budget_share, output_field=MONEY_OUTPUT), Decimal("0")),
            projects=Count("project", distinct=True),
        )
        .order_by("currency", "-total")
    )
    by_donor = (
        Funding.objects.filter(project__in=ids)
        .order_by()
        .values(
            "donor_id",
            "donor__name",
            "donor__name_ar",
            "donor__name_fr",
            "donor__acronym",
            "currency",
        )
        .annotate(total=Sum("amount"), projects=Count("project", distinct=True))
        .order_by("currency", "-total")
    )
    by_year = (
        Transaction.objects.filter(project__in=ids, kind__in=SPEND_KINDS)
        .annotate(year=ExtractYear("date"))
        .order_by()
        .values("year", "currency")
        .annotate(total=Sum("value"))
        .order_by("currency", "year")
    )
    budgets = projects.order_by().values("currency").annotate(total=Sum("budget"), n=Count("pk"))
    return {
        "project_count": sum(by_status.values()),
        "by_status": status_rows,
        "budgets": _money_by_currency(budgets.order_by("currency")),
        "by_country": _group(by_country, _country_label, "country", "country__code"),
        "by_donor": _group(by_donor, _donor_label, "donor", "donor_id"),
        "by_year": _group(by_year, lambda row: str(row["year"])),
    }


def _country_label(row: dict[str, Any]) -> str:
    lang = (get_language() or "en")[:2]
    return row.get(f"country__name_{lang}") or row["country__name_en"]


def _donor_label(row: dict[str, Any]) -> str:
    lang = (get_language() or "en")[:2]
    name = row.get(f"donor__name_{lang}") or row["donor__name"]
    acronym = row["donor__acronym"]
    return f"{name} ({acronym})" if acronym else name


def _group(rows, label, param: str = "", key: str = "") -> list[dict[str, Any]]:
    """Rows grouped by currency, each as a chart series of label and value.

    With ``param``, each row links to the project list filtered on ``row[key]``.
    """
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    list_url = reverse("projects:list")
    for row in rows:
        # Unknown amounts are stored as 0 and have nothing to show on a chart.
        if not row["total"]:
            continue
        groups[row["currency"]].append(
            {
                "label": label(row),
                "value": row["total"],
                "projects": row.get("projects"),
                "url": f"{list_url}?{urlencode({param: row[key]})}" if param else "",
            }
        )
    return [{"currency": currency, "rows": series} for currency, series in groups.items()]
