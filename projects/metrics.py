"""Portfolio metrics: projects, budget, funding and spend (see dashboards.registry)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, F, Sum
from django.utils.translation import gettext_lazy as _

from dashboards.dimensions import choices_labeller, grouped, in_year, projects_for
from dashboards.registry import Query, dimension, metric

from .models import SPEND_KINDS, Funding, Project, ProjectStatus, RecipientCountry, Transaction

MONEY = DecimalField(max_digits=20, decimal_places=2)
STATUS = dimension("status", _("project status"), labels=choices_labeller(ProjectStatus))


@metric(
    "projects",
    label=_("Projects"),
    description=_("Projects in the portfolio, by status, country or donor."),
    dimensions=("status", "country", "donor", "year"),
    overlapping=("country", "donor"),
)
def projects_count(query: Query):
    projects = Project.objects.filter(pk__in=projects_for(query))
    projects = in_year(projects, query, "planned_start")
    return grouped(
        projects,
        query,
        {
            "status": "status",
            "country": "recipient_countries__country__code",
            "donor": "fundings__donor_id",
        },
        Count("pk", distinct=True),
        date_field="planned_start",
    )


@metric(
    "budget",
    label=_("Budget"),
    description=_(
        "Total budgets of the projects; by country, each project's budget is shared "
        "by its recipient countries' percentages. By year: the year the project starts."
    ),
    dimensions=("country", "status", "year"),
    unit="money",
)
def budget(query: Query):
    if "country" in query.dimensions:
        shares = RecipientCountry.objects.filter(project__in=projects_for(query))
        shares = in_year(shares, query, "project__planned_start")
        return grouped(
            shares,
            query,
            {
                "currency": "project__currency",
                "country": "country__code",
                "status": "project__status",
            },
            Sum(F("project__budget") * F("percentage") / Decimal(100), output_field=MONEY),
            date_field="project__planned_start",
        )
    projects = in_year(Project.objects.filter(pk__in=projects_for(query)), query, "planned_start")
    return grouped(
        projects,
        query,
        {"currency": "currency", "status": "status"},
        Sum("budget"),
        date_field="planned_start",
    )


@metric(
    "funding",
    label=_("Funding committed"),
    description=_("Amounts committed by donors to the projects, by donor or project."),
    dimensions=("donor", "project", "country"),
    unit="money",
    overlapping=("country",),
)
def funding(query: Query):
    fundings = Funding.objects.filter(project__in=projects_for(query))
    return grouped(
        fundings,
        query,
        {
            "currency": "currency",
            "donor": "donor_id",
            "project": "project_id",
            "country": "project__recipient_countries__country__code",
        },
        Sum("amount"),
    )


@metric(
    "spend",
    label=_("Spend"),
    description=_("Disbursements and expenditure recorded on the projects, by date paid."),
    dimensions=("year", "quarter", "project", "country"),
    unit="money",
    overlapping=("country",),
)
def spend(query: Query):
    spent = Transaction.objects.filter(project__in=projects_for(query), kind__in=SPEND_KINDS)
    spent = in_year(spent, query, "date")
    return grouped(
        spent,
        query,
        {
            "currency": "currency",
            "project": "project_id",
            "country": "project__recipient_countries__country__code",
        },
        Sum("value"),
        date_field="date",
    )
