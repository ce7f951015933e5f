"""FilterSets shared by the pages and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from .models import (
    Country,
    Document,
    Indicator,
    Organisation,
    OrganisationKind,
    Project,
    ProjectStatus,
    Region,
    ThematicArea,
    Transaction,
    TransactionKind,
)


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^[A-Z]{2}$",
        "description": "ISO 3166-1 alpha-2 code of one of the portal's countries "
        "(`/api/v1/countries/`).",
    }
)
class CountryCodeFilter(django_filters.ModelChoiceFilter):
    """A country of the portal by its ISO code; documented as a code, not as all ISO codes."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Country.objects.all())
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    country = CountryCodeFilter(
        label=_("Country"), field_name="recipient_countries__country", distinct=True
    )
    donor = django_filters.ModelChoiceFilter(
        label=_("Donor"),
        queryset=Organisation.objects.filter(fundings__isnull=False).distinct(),
        field_name="fundings__donor",
        distinct=True,
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ProjectStatus.choices, empty_label=_("All")
    )
    theme = django_filters.ModelChoiceFilter(
        label=_("Thematic area"),
        queryset=ThematicArea.objects.all(),
        to_field_name="code",
        field_name="thematic_areas",
        distinct=True,
    )
    year = django_filters.NumberFilter(
        label=_("Active in year"), method="active_in_year", min_value=1990, max_value=2100
    )

    class Meta:
        model = Project
        fields = ["q", "country", "donor", "status", "theme", "year"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(title_ar__icontains=value)
            | Q(title_fr__icontains=value)
            | Q(code__icontains=value)
            | Q(description__icontains=value)
            | Q(iati_identifier__icontains=value)
        )

    def active_in_year(self, queryset, name, value):
        year = int(value)
        return queryset.filter(planned_start__year__lte=year).filter(
            Q(actual_end__year__gte=year) | Q(actual_end__isnull=True, planned_end__year__gte=year)
        )


class CountryFilter(django_filters.FilterSet):
    region = django_filters.ChoiceFilter(choices=Region.choices)

    class Meta:
        model = Country
        fields = ["region"]


class OrganisationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=OrganisationKind.choices)
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Organisation
        fields = ["kind", "country", "q"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(name_ar__icontains=value)
            | Q(name_fr__icontains=value)
            | Q(acronym__icontains=value)
        )


class TransactionFilter(django_filters.FilterSet):
    project = django_filters.CharFilter(field_name="project__code")
    kind = django_filters.ChoiceFilter(choices=TransactionKind.choices)
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    currency = django_filters.CharFilter()

    class Meta:
        model = Transaction
        fields = ["project", "kind", "date_from", "date_to", "currency", "provider", "receiver"]


class IndicatorFilter(django_filters.FilterSet):
    project = django_filters.CharFilter(field_name="result__project__code")

    class Meta:
        model = Indicator
        fields = ["project", "measure"]


class DocumentFilter(django_filters.FilterSet):
    project = django_filters.CharFilter(field_name="project__code")

    class Meta:
        model = Document
        fields = ["project", "category", "language"]
