"""FilterSets of trainings, shared by the pages and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from projects.filters import CountryCodeFilter
from projects.models import Project

from .models import Audience, SessionKind, SessionStatus, TrainingSession


def _projects(request):
    if request is None or not getattr(request, "user", None):
        return Project.objects.none()
    return Project.objects.visible_to(request.user).order_by("code")


class TrainingSessionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    project = django_filters.ModelChoiceFilter(label=_("Project"), queryset=_projects)
    country = CountryCodeFilter(label=_("Host country"), field_name="host_country")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=SessionKind.choices)
    audience = django_filters.ModelChoiceFilter(
        label=_("Audience"),
        queryset=Audience.objects.all(),
        to_field_name="code",
        field_name="audiences",
        distinct=True,
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=SessionStatus.choices)
    date_from = django_filters.DateFilter(
        label=_("From"),
        field_name="end_date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label=_("To"),
        field_name="start_date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = TrainingSession
        fields = ["q", "project", "country", "kind", "audience", "status", "date_from", "date_to"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(topics__icontains=value)
            | Q(city__icontains=value)
            | Q(venue__icontains=value)
            | Q(project__code__icontains=value)
        )
