"""Dimensions shared by the metrics of several apps, and the building blocks of sources."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import F, QuerySet
from django.db.models.functions import ExtractQuarter, ExtractYear
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .registry import Key, Query, dimension


def _country_names(keys: list[Key]) -> dict[Key, str]:
    from projects.models import Country

    lang = (get_language() or "en")[:2]
    names = {}
    for country in Country.objects.filter(code__in=[k for k in keys if k]):
        names[country.code] = getattr(country, f"name_{lang}", "") or country.name_en
    # Countries outside the reference list (e.g. a victim's citizenship) by their ISO name.
    missing = [k for k in keys if k and k not in names]
    if missing:
        from django_countries import countries

        names.update({code: countries.name(code) or code for code in missing})
    return names


def _organisation_names(keys: list[Key]) -> dict[Key, str]:
    from projects.models import Organisation

    organisations = Organisation.objects.filter(pk__in=[k for k in keys if k]).only(
        "pk", "name", "name_ar", "name_fr", "acronym"
    )
    return {o.pk: o.acronym or o.local_name for o in organisations}


def _project_names(keys: list[Key]) -> dict[Key, str]:
    from projects.models import Project

    projects = Project.objects.filter(pk__in=[k for k in keys if k]).only(
        "pk", "title", "title_ar", "title_fr"
    )
    return {p.pk: p.local_title for p in projects}


def _sex_names(keys: list[Key]) -> dict[Key, str]:
    # Trainings record sex in the portal's words, cases in the CTDC's (capitalised) codes.
    from assistance.vocabulary import Sex as CaseSex
    from projects.models import Sex

    known = {**dict(Sex.choices), **dict(CaseSex.choices)}
    return {k: str(known[k]) for k in keys if k in known}


def _audience_names(keys: list[Key]) -> dict[Key, str]:
    # Trainings name their audiences in a table, awareness activities in a fixed list.
    from research.models import AwarenessAudience
    from trainings.models import Audience

    known = dict(AwarenessAudience.choices)
    names = {k: str(known[k]) for k in keys if k in known}
    missing = [k for k in keys if k and k not in names]
    if missing:
        names.update({a.code: str(a) for a in Audience.objects.filter(code__in=missing)})
    return names


COUNTRY = dimension("country", _("country"), labels=_country_names)
DONOR = dimension("donor", _("donor"), labels=_organisation_names)
PROJECT = dimension("project", _("project"), labels=_project_names)
YEAR = dimension("year", _("year"), ordered=True)
QUARTER = dimension("quarter", _("quarter"), ordered=True)
SEX = dimension("sex", _("sex"), labels=_sex_names)
AUDIENCE = dimension("audience", _("audience"), labels=_audience_names)


def choices_labeller(choices) -> Any:
    """Labels from a Django choices class, looked up when shown (so in the viewer's language)."""

    def labels(keys: list[Key]) -> dict[Key, str]:
        known = dict(choices.choices)
        return {k: str(known[k]) for k in keys if k in known}

    return labels


def projects_for(query: Query):
    """The projects a viewer may see, narrowed by the query's project, country and donor."""
    from projects.models import Project

    projects = Project.objects.visible_to(query.user)
    f = query.filters
    if f.project:
        projects = projects.filter(pk=f.project)
    if f.country:
        projects = projects.filter(recipient_countries__country__code=f.country)
    if f.donor:
        projects = projects.filter(fundings__donor_id=f.donor)
    return projects.values("pk")


def narrow(
    queryset: QuerySet, query: Query, *, project: str, country: str | None = None
) -> QuerySet:
    """Records narrowed by the query's project, donor and country filters.

    For metrics that have a country of their own (where a session was held,
    a case's office, the countries a study covers) rather than their
    projects' recipient countries. ``project`` and ``country`` are paths from
    the record to its project(s) and to its country's ISO code; they are
    matched in a subquery, so a record linked to several is never counted twice.
    The scope comes from ``queryset`` (``visible_to``/``counted_for``).
    """
    from projects.models import Funding, Project

    f = query.filters
    model = queryset.model
    if f.project or f.donor:
        projects = Project.objects.all()
        if f.project:
            projects = projects.filter(pk=f.project)
        if f.donor:
            projects = projects.filter(
                pk__in=Funding.objects.filter(donor_id=f.donor).values("project_id")
            )
        linked = model._default_manager.filter(**{f"{project}__in": projects.values("pk")})
        queryset = queryset.filter(pk__in=linked.values("pk"))
    if f.country and country:
        located = model._default_manager.filter(**{country: f.country})
        queryset = queryset.filter(pk__in=located.values("pk"))
    return queryset


def in_year(queryset: QuerySet, query: Query, date_field: str) -> QuerySet:
    if query.filters.year:
        return queryset.filter(**{f"{date_field}__year": query.filters.year})
    return queryset


def grouped(
    queryset: QuerySet,
    query: Query,
    fields: dict[str, Any],
    value: Any,
    *,
    date_field: str | None = None,
) -> Iterator[tuple[tuple[Key, ...], Any]]:
    """Aggregate ``value`` by the query's dimensions, in one query.

    ``fields`` maps each dimension the metric offers to a field path or an
    expression; ``year`` and ``quarter`` come from ``date_field``.
    """
    for keys, values in grouped_values(
        queryset, query, fields, {"_value": value}, date_field=date_field
    ):
        yield keys, values["_value"]


def grouped_values(
    queryset: QuerySet,
    query: Query,
    fields: dict[str, Any],
    values: dict[str, Any],
    *,
    date_field: str | None = None,
) -> Iterator[tuple[tuple[Key, ...], dict[str, Any]]]:
    """As :func:`grouped`, with several aggregates in the same query: ``(keys, {name: value})``."""
    exprs: dict[str, Any] = {}
    for dim in query.dimensions:
        if dim == "year":
            exprs["_year"] = ExtractYear(date_field)
        elif dim == "quarter":
            exprs["_year"] = ExtractYear(date_field)
            exprs["_quarter"] = ExtractQuarter(date_field)
        else:
            field = fields[dim]
            exprs[f"_{dim}"] = F(field) if isinstance(field, str) else field
    if not exprs:
        yield (), queryset.order_by().aggregate(**values)
        return
    rows = queryset.order_by().annotate(**exprs).values(*exprs).annotate(**values)
    for row in rows:
        keys = []
        for dim in query.dimensions:
            if dim == "quarter":
                keys.append(f"{row['_year']}-Q{row['_quarter']}" if row["_year"] else None)
            else:
                keys.append(row[f"_{dim}"])
        yield tuple(keys), {name: row[name] for name in values}
