"""Research and policy metrics: outputs, legislative support, awareness reach (see
dashboards.registry).

Counted as ``research.selectors.research_figures`` counts them, over the
records the viewer may see. A record linked to several projects or countries
counts under each; broken down by project, only the projects the viewer may
see are shown. By country: the countries a record covers (an instrument's own
country), which is also what the country filter selects.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery, Sum
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ctportal import access
from dashboards.dimensions import choices_labeller, grouped, in_year, narrow
from dashboards.registry import Key, Query, dimension, metric
from projects.models import Project

from .models import (
    AwarenessActivity,
    Channel,
    Instrument,
    LegislativeStage,
    LegislativeSupport,
    OutputKind,
    OutputStatus,
    ResearchOutput,
    Stage,
)


def _language_names(keys: list[Key]) -> dict[Key, str]:
    names = {}
    for key in keys:
        try:
            names[key] = str(translation.get_language_info(key)["name_translated"])
        except KeyError:
            continue
    return names


def _stage_names(keys: list[Key]) -> dict[Key, str]:
    names = {k: str(label) for k, label in Stage.choices if k in keys}
    if None in keys:
        names[None] = str(_("No stage recorded"))
    return names


OUTPUT_KIND = dimension("output_kind", _("kind of output"), labels=choices_labeller(OutputKind))
LANGUAGE = dimension("language", _("language"), labels=_language_names)
STAGE = dimension("stage", _("stage"), labels=_stage_names)
INSTRUMENT = dimension("instrument", _("instrument"), labels=choices_labeller(Instrument))
CHANNEL = dimension("channel", _("channel"), labels=choices_labeller(Channel))


def _records(model, query: Query, country: str) -> QuerySet:
    records = model.objects.visible_to(query.user)
    return narrow(records, query, project="projects", country=country)


def _in_scope(rows: Iterable, query: Query) -> Iterable:
    """Rows by project only for the projects the viewer may see, not every one linked."""
    if "project" not in query.dimensions:
        return rows
    ids = access.visible_project_ids(query.user)
    if ids is None:
        return rows
    seen = set(Project.objects.filter(pk__in=ids).values_list("pk", flat=True))
    at = query.dimensions.index("project")
    # None: a record of no project, seen by portfolio-wide roles only.
    return [(keys, value) for keys, value in rows if keys[at] is None or keys[at] in seen]


@metric(
    "outputs_published",
    label=_("Research outputs published"),
    description=_(
        "Assessments, studies, handbooks, briefs and reports published, by publication "
        "date; each translation counts as an output of its own."
    ),
    dimensions=("output_kind", "country", "year", "language", "project"),
    overlapping=("country", "project"),
)
def outputs_published(query: Query):
    outputs = _records(ResearchOutput, query, "countries__code").filter(
        status=OutputStatus.PUBLISHED
    )
    outputs = in_year(outputs, query, "publication_date")
    rows = grouped(
        outputs,
        query,
        {
            "output_kind": "kind",
            "country": "countries__code",
            "language": "language",
            "project": "projects__id",
        },
        Count("pk", distinct=True),
        date_field="publication_date",
    )
    return _in_scope(rows, query)


@metric(
    "laws_supported",
    label=_("Laws and policies supported"),
    description=_(
        "Laws, regulations, action plans and procedures the projects supported, at the "
        "latest stage they reached. By year: the year of that stage; for one year, the "
        "instruments that moved that year, at the stage reached by its end."
    ),
    dimensions=("stage", "country", "year", "instrument", "project"),
    overlapping=("project",),
)
def laws_supported(query: Query):
    supports = _records(LegislativeSupport, query, "country__code")
    stages = LegislativeStage.objects.filter(support=OuterRef("pk"))
    year = query.filters.year
    if year:
        supports = supports.filter(Exists(stages.filter(date__year=year)))
        stages = stages.filter(date__year__lte=year)
    latest = stages.order_by("-date", "-pk")
    supports = supports.annotate(
        reached=Subquery(latest.values("stage")[:1]),
        reached_on=Subquery(latest.values("date")[:1]),
    )
    rows = grouped(
        supports,
        query,
        {
            "stage": "reached",
            "country": "country__code",
            "instrument": "instrument",
            "project": "projects__id",
        },
        Count("pk", distinct=True),
        date_field="reached_on",
    )
    return _in_scope(rows, query)


@metric(
    "awareness_reach",
    label=_("People reached by awareness raising"),
    description=_(
        "People reached directly by campaigns and events, as their organisers counted them, "
        "by the date each started. Media and online audiences are not included."
    ),
    dimensions=("country", "year", "quarter", "audience", "channel", "project"),
    overlapping=("country", "project"),
)
def awareness_reach(query: Query):
    activities = in_year(_records(AwarenessActivity, query, "countries__code"), query, "start_date")
    rows = grouped(
        activities,
        query,
        {
            "country": "countries__code",
            "audience": "audience",
            "channel": "channel",
            "project": "projects__id",
        },
        Sum("people_reached"),
        date_field="start_date",
    )
    return _in_scope(rows, query)
