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

    rows = Organisation.objects.filter(pk__in=[k for k in keys if k]).values_list(
        "pk", "name", "acronym"
    )
    return {pk: acronym or name for pk, name, acronym in rows}


def _project_names(keys: list[Key]) -> dict[Key, str]:
    from projects.models import Project

    rows = Project.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", "title")
    return dict(rows)


COUNTRY = dimension("country", _("country"), labels=_country_names)
DONOR = dimension("donor", _("donor"), labels=_organisation_names)
PROJECT = dimension("project", _("project"), labels=_project_names)
YEAR = dimension("year", _("year"), ordered=True)
QUARTER = dimension("quarter", _("quarter"), ordered=True)


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
        yield (), queryset.order_by().aggregate(_value=value)["_value"]
        return
    rows = queryset.order_by().annotate(**exprs).values(*exprs).annotate(_value=value)
    for row in rows:
        keys = []
        for dim in query.dimensions:
            if dim == "quarter":
                keys.append(f"{row['_year']}-Q{row['_quarter']}" if row["_year"] else None)
            else:
                keys.append(row[f"_{dim}"])
        yield tuple(keys), row["_value"]
