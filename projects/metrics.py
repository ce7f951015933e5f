"""Portfolio metrics: projects, budget, funding and spend (see dashboards.registry)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, F, Sum
from django.utils.translation import gettext_lazy as _

from dashboards.dimensions import choices_labeller, grouped, in_year, projects_for
from dashboards.registry import Query, dimension, metric

from .models import (
    SPEND_KINDS,
    Funding,
    Indicator,
    IndicatorMeasure,
    IndicatorPeriod,
    Project,
    ProjectStatus,
    RecipientCountry,
    Transaction,
)

MONEY = DecimalField(max_digits=20, decimal_places=2)
STATUS = dimension("status", _("project status"), labels=choices_labeller(ProjectStatus))


def _indicator_names(keys: list) -> dict:
    # Projects often share an indicator's wording: the project code tells them apart.
    indicators = Indicator.objects.filter(pk__in=[k for k in keys if k]).only(
        "pk", "title", "title_ar", "title_fr", "result__project__code"
    )
    indicators = indicators.select_related("result__project")
    return {i.pk: f"{i.local_title} ({i.result.project.code})" for i in indicators}


INDICATOR = dimension("indicator", _("indicator"), labels=_indicator_names)


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


def _periods(query: Query):
    """Periods of the indicators counted in units: percentages and qualitative
    indicators do not add up over periods or indicators."""
    periods = IndicatorPeriod.objects.filter(
        indicator__result__project__in=projects_for(query),
        indicator__measure=IndicatorMeasure.UNIT,
    )
    return in_year(periods, query, "period_end")


INDICATOR_FIELDS = {"indicator": "indicator_id", "project": "indicator__result__project_id"}
INDICATOR_DIMENSIONS = ("indicator", "project", "year")


@metric(
    "indicator_target",
    label=_("Indicator targets"),
    description=_(
        "Targets set for the periods of the indicators counted in units (people, "
        "documents, ...). By year: the year a period ends. Compare with the indicators' actuals."
    ),
    dimensions=INDICATOR_DIMENSIONS,
)
def indicator_target(query: Query):
    return grouped(_periods(query), query, INDICATOR_FIELDS, Sum("target"), date_field="period_end")


@metric(
    "indicator_actual",
    label=_("Indicator actuals"),
    description=_(
        "Actual values reported for the periods of the indicators counted in units. "
        "By year: the year a period ends. Compare with the indicators' targets."
    ),
    dimensions=INDICATOR_DIMENSIONS,
)
def indicator_actual(query: Query):
    return grouped(_periods(query), query, INDICATOR_FIELDS, Sum("actual"), date_field="period_end")


class Measure:
    TARGET = "target"
    ACTUAL = "actual"
    choices = [(TARGET, _("Target")), (ACTUAL, _("Actual"))]


MEASURE = dimension(
    "measure",
    _("target or actual"),
    labels=lambda keys: {k: str(dict(Measure.choices).get(k, k)) for k in keys},
)


@metric(
    "indicator_progress",
    label=_("Indicators: target against actual"),
    description=_(
        "Targets and actuals of the indicators counted in units, side by side: break it down "
        "by “target or actual” (e.g. a table by indicator, or a line by year). Without that "
        "breakdown it gives the actuals. There is no total."
    ),
    dimensions=(*INDICATOR_DIMENSIONS, "measure"),
    has_total=False,
)
def indicator_progress(query: Query):
    dims = query.dimensions
    if "measure" not in dims:
        return indicator_actual(query)
    at = dims.index("measure")
    rest = Query(query.user, tuple(d for d in dims if d != "measure"), query.filters)
    rows = []
    for measure, field in ((Measure.TARGET, "target"), (Measure.ACTUAL, "actual")):
        for keys, value in grouped(
            _periods(rest), rest, INDICATOR_FIELDS, Sum(field), date_field="period_end"
        ):
            rows.append(((*keys[:at], measure, *keys[at:]), value))
    return rows
