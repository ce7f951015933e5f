"""FilterSets of research records, shared by the pages and the API.

Filters over many-to-many links (projects, countries) select by subquery,
so a record never comes twice and the lists keep their ordering.
"""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from projects.models import Country, Organisation, Project

from .models import (
    ActivityKind,
    AwarenessActivity,
    AwarenessAudience,
    Channel,
    Instrument,
    LegislativeStage,
    LegislativeSupport,
    OutputKind,
    OutputStatus,
    ResearchOutput,
    Stage,
    SupportType,
)
from .search import search_outputs


def _projects(request):
    if request is None or not getattr(request, "user", None):
        return Project.objects.none()
    return Project.objects.visible_to(request.user).order_by("code")


def _through_filter(relation: str):
    """A filter method selecting records linked, through ``relation``, to the value."""

    def method(self, queryset, name, value):
        if not value:
            return queryset
        field = queryset.model._meta.get_field(relation)
        through = field.remote_field.through
        source = field.m2m_field_name()
        target = field.m2m_reverse_field_name()
        linked = through.objects.filter(**{target: value}).values(f"{source}_id")
        return queryset.filter(pk__in=linked)

    return method


class LinkedFilter(django_filters.FilterSet):
    # field_name names the model relation, so the API schema knows the value's type.
    project = django_filters.ModelChoiceFilter(
        label=_("Project"), queryset=_projects, field_name="projects", method="by_project"
    )
    country = django_filters.ModelChoiceFilter(
        label=_("Country"),
        queryset=Country.objects.all(),
        to_field_name="code",
        field_name="countries",
        method="by_country",
    )

    by_project = _through_filter("projects")
    by_country = _through_filter("countries")


class ResearchOutputFilter(LinkedFilter):
    q = django_filters.CharFilter(label=_("Search titles and abstracts"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=OutputKind.choices)
    language = django_filters.ChoiceFilter(label=_("Language"), choices=settings.LANGUAGES)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=OutputStatus.choices)
    partner = django_filters.ModelChoiceFilter(
        label=_("Partner organisation"),
        queryset=Organisation.objects.filter(research_outputs__isnull=False)
        .distinct()
        .order_by("name"),
        field_name="partners",
        method="by_partner",
    )
    year = django_filters.NumberFilter(
        label=_("Year published"),
        field_name="publication_date",
        lookup_expr="year",
        min_value=datetime.MINYEAR,
        max_value=datetime.MAXYEAR,
    )

    by_partner = _through_filter("partners")

    class Meta:
        model = ResearchOutput
        fields = ["q", "kind", "language", "status", "project", "country", "partner", "year"]

    def search(self, queryset, name, value):
        return search_outputs(queryset, value)


def latest_stage():
    """The stage of an instrument's latest dated step, as a subquery."""
    latest = LegislativeStage.objects.filter(support=OuterRef("pk")).order_by("-date", "-pk")
    return Subquery(latest.values("stage")[:1])


class LegislativeSupportFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    project = django_filters.ModelChoiceFilter(
        label=_("Project"), queryset=_projects, field_name="projects", method="by_project"
    )
    country = django_filters.ModelChoiceFilter(
        label=_("Country"),
        queryset=Country.objects.all(),
        to_field_name="code",
        field_name="country",
    )
    instrument = django_filters.ChoiceFilter(label=_("Instrument"), choices=Instrument.choices)
    stage = django_filters.ChoiceFilter(
        label=_("Current stage"), choices=Stage.choices, method="by_stage"
    )
    support = django_filters.ModelChoiceFilter(
        label=_("Support given"),
        queryset=SupportType.objects.all(),
        to_field_name="code",
        field_name="support",
        method="by_support",
    )

    by_project = _through_filter("projects")
    by_support = _through_filter("support")

    class Meta:
        model = LegislativeSupport
        fields = ["q", "country", "instrument", "stage", "support", "project"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(reference__icontains=value)
            | Q(description__icontains=value)
        )

    def by_stage(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.alias(latest_stage=latest_stage()).filter(latest_stage=value)


class AwarenessActivityFilter(LinkedFilter):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ActivityKind.choices)
    audience = django_filters.ChoiceFilter(label=_("Audience"), choices=AwarenessAudience.choices)
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices)
    date_from = django_filters.DateFilter(
        label=_("From"), method="ends_after", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label=_("To"),
        field_name="start_date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AwarenessActivity
        fields = [
            "q",
            "kind",
            "audience",
            "channel",
            "project",
            "country",
            "date_from",
            "date_to",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(materials__icontains=value)
        )

    def ends_after(self, queryset, name, value):
        """Activities still running on or after the date (no end date: a single day)."""
        if not value:
            return queryset
        return queryset.filter(
            Q(end_date__gte=value) | Q(end_date__isnull=True, start_date__gte=value)
        )
