"""Victim-assistance metrics: cases identified and assisted, services (see dashboards.registry).

Counted as ``assistance.selectors.case_figures`` counts them, over the cases
the viewer may count (``Case.objects.counted_for``): case workers their
office's cases, donors and analysts the cases of the projects they see, as
numbers only. Every count is of people, so small cells are hidden from
aggregate-only viewers ("case" sensitivity). By country: the case's country
office, which is also what the country filter selects.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from dashboards.dimensions import (
    COUNTRY,
    choices_labeller,
    grouped,
    grouped_values,
    in_year,
    narrow,
)
from dashboards.registry import Key, Query, dimension, metric

from .models import Case, Service
from .vocabulary import (
    AgeBand,
    CaseStatus,
    ExploitationType,
    ServiceKind,
    age_band_expression,
    age_band_order,
    flag_field,
)

AGE_BAND = dimension(
    "age_band", _("age band"), labels=choices_labeller(AgeBand), order=age_band_order
)
NATIONALITY = dimension("nationality", _("nationality"), labels=COUNTRY.labels)
EXPLOITATION_TYPE = dimension(
    "exploitation_type", _("type of exploitation"), labels=choices_labeller(ExploitationType)
)
CASE_STATUS = dimension("case_status", _("case status"), labels=choices_labeller(CaseStatus))
SERVICE_KIND = dimension("service_kind", _("service"), labels=choices_labeller(ServiceKind))

CASE_FIELDS = {
    "sex": "sex",
    "age_band": age_band_expression(),
    "nationality": "citizenship",
    "country": "country_office__code",
    "project": "project_id",
    "case_status": "status",
}
CASE_DIMENSIONS = (
    "year",
    "quarter",
    "sex",
    "age_band",
    "nationality",
    "exploitation_type",
    "country",
    "project",
    "case_status",
)


def counted_cases(query: Query, *, dated: bool = True) -> QuerySet:
    """The cases the viewer may count, narrowed by the query's filters (year: identification)."""
    cases = Case.objects.counted_for(query.user)
    cases = narrow(cases, query, project="project", country="country_office__code")
    return in_year(cases, query, "identification_date") if dated else cases


def _by_case(query: Query, cases: QuerySet) -> Iterator[tuple[tuple[Key, ...], int]]:
    """Cases per the query's dimensions; a case of several exploitation types counts under each."""
    dims = query.dimensions
    if "exploitation_type" not in dims:
        yield from grouped(cases, query, CASE_FIELDS, Count("pk"), date_field="identification_date")
        return
    at = dims.index("exploitation_type")
    rest = Query(query.user, dims[:at] + dims[at + 1 :], query.filters)
    # One query: a conditional count per type, each group spread over the types.
    per_type = {
        code: Count("pk", filter=Q(**{flag_field(code): True})) for code in ExploitationType.values
    }
    for keys, counts in grouped_values(
        cases, rest, CASE_FIELDS, per_type, date_field="identification_date"
    ):
        for code, number in counts.items():
            if number:
                yield (*keys[:at], code, *keys[at:]), number


@metric(
    "cases_identified",
    label=_("Victims identified"),
    description=_(
        "Cases of victims of trafficking registered, by the date they were identified. "
        "A case of several types of exploitation counts under each."
    ),
    dimensions=CASE_DIMENSIONS,
    sensitivity="case",
    overlapping=("exploitation_type",),
)
def cases_identified(query: Query):
    return _by_case(query, counted_cases(query))


@metric(
    "cases_assisted",
    label=_("Victims assisted"),
    description=_(
        "Cases that received at least one service, by the date the victim was identified."
    ),
    dimensions=CASE_DIMENSIONS,
    sensitivity="case",
    overlapping=("exploitation_type",),
    subset_of="cases_identified",
)
def cases_assisted(query: Query):
    assisted = counted_cases(query).filter(Exists(Service.objects.filter(case=OuterRef("pk"))))
    return _by_case(query, assisted)


@metric(
    "services_delivered",
    label=_("Services delivered"),
    description=_(
        "Services delivered to victims (shelter, medical, legal, return, ...), by the date "
        "each started and the country office of the case."
    ),
    dimensions=("service_kind", "year", "quarter", "country", "project"),
    sensitivity="case",
)
def services_delivered(query: Query):
    services = Service.objects.filter(case__in=counted_cases(query, dated=False).values("pk"))
    services = in_year(services, query, "start_date")
    return grouped(
        services,
        query,
        {
            "service_kind": "kind",
            "country": "case__country_office__code",
            "project": "case__project_id",
        },
        Count("pk"),
        date_field="start_date",
    )
