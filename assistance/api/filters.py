"""Filters of the assistance API; an unknown code or a bad date is a 400 naming the parameter."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from projects.filters import CountryCodeFilter

from ..filters import CaseFilter as PageCaseFilter
from ..models import CaseNote, Referral, Service, Shelter, ShelterStay
from ..vocabulary import ReferralStatus, ServiceKind, Sex


class CaseFilter(PageCaseFilter):
    """The filters of the case list page, and two more for API clients."""

    project = django_filters.CharFilter(field_name="project__code", label=_("Project (code)"))
    sex = django_filters.ChoiceFilter(choices=Sex.choices, label=_("Sex"))
    # Any country of the portal: whether an office has cases is not for a 400 to tell.
    country_office = CountryCodeFilter(label=_("Country office"))

    class Meta(PageCaseFilter.Meta):
        fields = [*PageCaseFilter.Meta.fields, "project", "sex"]


class CaseFigureFilter(CaseFilter):
    """What figures may be narrowed by: the same, but never down to a case by its reference."""

    reference = None

    class Meta(CaseFilter.Meta):
        fields = [name for name in CaseFilter.Meta.fields if name != "reference"]


class UpperCharFilter(django_filters.CharFilter):
    """An ISO country code, in any case."""

    def filter(self, qs, value):
        return super().filter(qs, value.upper() if value else value)


class IdFilter(django_filters.NumberFilter):
    """A record id: a whole number a database id can hold, or a 400 naming the filter."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class CaseChildFilter(django_filters.FilterSet):
    # A number, not a choice of cases: an id outside the caller's scope must answer like
    # one that does not exist (an empty list), not with "not a valid choice".
    case = IdFilter(field_name="case_id")


class ServiceFilter(CaseChildFilter):
    provider = IdFilter(field_name="provider_id")
    kind = django_filters.ChoiceFilter(choices=ServiceKind.choices)
    started_from = django_filters.DateFilter(field_name="start_date", lookup_expr="gte")
    started_to = django_filters.DateFilter(field_name="start_date", lookup_expr="lte")

    class Meta:
        model = Service
        fields: list[str] = []


class ReferralFilter(CaseChildFilter):
    from_organisation = IdFilter(field_name="from_organisation_id")
    to_organisation = IdFilter(field_name="to_organisation_id")
    status = django_filters.ChoiceFilter(choices=ReferralStatus.choices)
    service_kind = django_filters.ChoiceFilter(choices=ServiceKind.choices)

    class Meta:
        model = Referral
        fields = ["consent_override"]


class StayFilter(CaseChildFilter):
    shelter = IdFilter(field_name="shelter_id")
    current = django_filters.BooleanFilter(
        field_name="discharged_on", lookup_expr="isnull", label=_("Not discharged yet")
    )

    class Meta:
        model = ShelterStay
        fields: list[str] = []


class NoteFilter(CaseChildFilter):
    class Meta:
        model = CaseNote
        fields: list[str] = []


class ShelterFilter(django_filters.FilterSet):
    country = UpperCharFilter(field_name="country__code")
    organisation = IdFilter(field_name="organisation_id")

    class Meta:
        model = Shelter
        fields: list[str] = []
