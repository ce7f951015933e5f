"""FilterSets of victim assistance, shared by the pages and the API.

They narrow a queryset that already went through the access policy
(``Case.objects.visible_to(user)``); none of them widens it.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.models import Country

from .models import Case
from .vocabulary import CaseStatus, ExploitationType, flag_field


class CaseFilter(django_filters.FilterSet):
    reference = django_filters.CharFilter(
        label=_("Reference"), field_name="reference", lookup_expr="icontains"
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CaseStatus.choices)
    country_office = django_filters.ModelChoiceFilter(
        label=_("Country office"),
        queryset=Country.objects.filter(
            Exists(Case.objects.filter(country_office=OuterRef("pk")))
        ).order_by("name_en"),
        to_field_name="code",
    )
    exploitation = django_filters.ChoiceFilter(
        label=_("Type of exploitation"), choices=ExploitationType.choices, method="exploited"
    )
    identified_from = django_filters.DateFilter(
        label=_("Identified from"),
        field_name="identification_date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    identified_to = django_filters.DateFilter(
        label=_("Identified until"),
        field_name="identification_date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    follow_up = django_filters.BooleanFilter(
        label=_("Needs follow-up"),
        method="needing_follow_up",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Case
        fields = [
            "reference",
            "status",
            "country_office",
            "exploitation",
            "identified_from",
            "identified_to",
            "follow_up",
        ]

    def exploited(self, queryset, name, value):
        return queryset.filter(**{flag_field(value): True}) if value else queryset

    def needing_follow_up(self, queryset, name, value):
        # An unticked box means "all cases", not "only cases that need nothing".
        return queryset.needs_follow_up(timezone.localdate()) if value else queryset
