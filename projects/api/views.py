"""REST API of the projects domain, under /api/v1/.

Every queryset starts from ``visible_to(request.user)``, so a record outside
the caller's scope is a 404 here exactly as on the pages. Writes parse the
body with an input serializer and hand the values to ``projects.services``.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.response import Response

from ctportal import access
from ctportal.api import expected_version, version_etag
from ctportal.api_csv import HXL_PARAMETER
from ctportal.api_pages import PageFirstListMixin

from .. import services
from ..filters import (
    CountryFilter,
    DocumentFilter,
    IndicatorFilter,
    OrganisationFilter,
    ProjectFilter,
    TransactionFilter,
)
from ..models import (
    Country,
    Disaggregation,
    Document,
    Indicator,
    IndicatorPeriod,
    Organisation,
    ParticipatingOrganisation,
    Project,
    Result,
    Transaction,
)
from ..selectors import spent_in_project_currency
from . import json_pages, rows
from . import serializers as s

ERROR_RESPONSES = {
    400: OpenApiResponse(description="Invalid values; `error.fields` names each field."),
    403: OpenApiResponse(description="Your role may not change this record."),
    404: OpenApiResponse(description="No such record within your scope."),
}


class ProjectWritePermission(permissions.BasePermission):
    """Who may try a write; the service decides again, inside its transaction."""

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return access.can_edit_project(request.user, obj)


def _rename_error_keys(exc: DjangoValidationError, names: dict[str, str]) -> DjangoValidationError:
    """Name a service's field errors after the API's fields."""
    if not hasattr(exc, "error_dict"):
        return exc
    renamed = {}
    for key, messages in exc.message_dict.items():
        for old, new in names.items():
            if key == old or key.startswith((f"{old}.", f"{old}[")):
                key = new + key[len(old) :]
        renamed[key] = messages
    return DjangoValidationError(renamed)


# Reference data --------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Countries (ISO 3166-1 code, names in en/ar/fr, region)"),
    retrieve=extend_schema(summary="One country by ISO code"),
)
class CountryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.CountrySerializer
    filterset_class = CountryFilter
    ordering_fields = ["code", "name_en", "name_ar", "name_fr", "region"]
    search_fields = ["code", "name_en", "name_ar", "name_fr"]
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z]{2}"

    def get_queryset(self):
        return Country.objects.visible_to(self.request.user)

    def get_object(self):
        self.kwargs[self.lookup_field] = self.kwargs[self.lookup_field].upper()
        return super().get_object()


@extend_schema_view(
    list=extend_schema(summary="Organisations: donors, agencies, ministries, partners"),
    retrieve=extend_schema(summary="One organisation"),
)
class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.OrganisationSerializer
    filterset_class = OrganisationFilter
    ordering_fields = ["name", "acronym", "kind"]
    search_fields = ["name", "name_ar", "name_fr", "acronym", "iati_identifier"]

    def get_queryset(self):
        return Organisation.objects.visible_to(self.request.user).select_related("country")


# Projects ----------------------------------------------------------------------

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag of the project as you loaded it (or send `version` in the body).",
)
PROJECT_WRITE = {
    "request": s.ProjectInputSerializer,
    "responses": {
        200: s.ProjectSerializer,
        **ERROR_RESPONSES,
        412: OpenApiResponse(description="Someone else saved the project since you loaded it."),
        428: OpenApiResponse(description="No If-Match header and no `version` given."),
    },
    "parameters": [IF_MATCH],
}


def _project_details(projects):
    """Everything a project row shows, in a fixed number of queries."""
    return projects.for_list().prefetch_related(
        Prefetch(
            "participating_organisations",
            queryset=ParticipatingOrganisation.objects.select_related("organisation"),
        ),
        "sectors",
    )


def _with_spend(projects):
    # One subquery per row: a join with the transactions would group the whole page.
    return projects.annotate(spent=spent_in_project_currency())


def _with_parts(projects):
    """One project (or a few) with everything its row shows."""
    return _with_spend(_project_details(projects)).order_by(*Project._meta.ordering)


PROJECT_CSV = {
    "id": "id",
    "code": "code",
    "iati_identifier": "iati_identifier",
    "title": "title",
    "description": "description",
    "status": "status",
    "status_label": "status_label",
    "planned_start": "planned_start",
    "planned_end": "planned_end",
    "actual_start": "actual_start",
    "actual_end": "actual_end",
    "budget": "budget",
    "currency": "currency",
    "spent": "spent",
    "reporting_organisation_id": "reporting_organisation.id",
    "reporting_organisation": "reporting_organisation.name",
    "thematic_areas": "thematic_areas.code",
    "donor_ids": "fundings.donor.id",
    "donors": "fundings.donor.name",
    "funding_amounts": "fundings.amount",
    "funding_currencies": "fundings.currency",
    "recipient_countries": "countries.country",
    "recipient_country_percentages": "countries.percentage",
    "participating_organisation_ids": "participating_organisations.organisation.id",
    "participating_organisations": "participating_organisations.organisation.name",
    "participating_organisation_roles": "participating_organisations.role",
    "target_groups": ("target_groups", "\n"),
    "objectives": ("objectives", "\n"),
    "key_achievements": ("key_achievements", "\n"),
    "version": "version",
    "updated_at": "updated_at",
}
# HXL core hashtags (https://hxlstandard.org/standard/dictionary/) for ``?hxl=1``.
PROJECT_HXL = {
    "code": "#activity+code",
    "iati_identifier": "#activity+id+iati",
    "title": "#activity+name",
    "description": "#description",
    "status": "#status+code",
    "status_label": "#status+name",
    "planned_start": "#date+start+planned",
    "planned_end": "#date+end+planned",
    "actual_start": "#date+start+actual",
    "actual_end": "#date+end+actual",
    "budget": "#value+budget",
    "currency": "#currency",
    "spent": "#value+spent",
    "reporting_organisation": "#org+reporting+name",
    "thematic_areas": "#sector+code",
    "donors": "#org+funder+name",
    "recipient_countries": "#country+code",
    "participating_organisations": "#org+name",
    "target_groups": "#beneficiary+type",
    "updated_at": "#date+updated",
}


@extend_schema_view(
    list=extend_schema(
        summary="Projects in your scope, with funding, countries and spend",
        parameters=[HXL_PARAMETER],
    ),
    retrieve=extend_schema(summary="One project; the ETag header carries its version"),
    create=extend_schema(
        summary="Create a project with its funding, countries and partners",
        request=s.ProjectInputSerializer,
        responses={201: s.ProjectSerializer, **ERROR_RESPONSES},
    ),
    update=extend_schema(summary="Replace a project's values", **PROJECT_WRITE),
    partial_update=extend_schema(summary="Change some of a project's values", **PROJECT_WRITE),
)
class ProjectViewSet(
    PageFirstListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.ProjectSerializer
    filterset_class = ProjectFilter
    csv_columns = PROJECT_CSV
    csv_hxl = PROJECT_HXL
    permission_classes = [*viewsets.GenericViewSet.permission_classes, ProjectWritePermission]
    ordering_fields = [
        "code",
        "title",
        "status",
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
        "budget",
        "spent",
        "updated_at",
    ]
    search_fields = ["code", "title", "title_ar", "title_fr", "iati_identifier", "description"]

    sort_annotations = {"spent": _with_spend}

    def get_queryset(self):
        return _with_parts(Project.objects.visible_to(self.request.user))

    def get_list_queryset(self):
        return Project.objects.visible_to(self.request.user)

    def with_details(self, queryset):
        return _with_spend(_project_details(queryset))

    def page_values(self, queryset):
        return rows.project_values(_with_spend(queryset))

    def page_rows(self, page):
        return rows.project_rows(page)

    def page_json(self):
        return json_pages.project_json()

    def retrieve(self, request, *args, **kwargs):
        project = self.get_object()
        return self._respond(project, reload=False)

    def create(self, request, *args, **kwargs):
        if not access.can_create_project(request.user):
            self.permission_denied(request)
        project = self._save(request, project=None, expected=None)
        response = self._respond(project, status.HTTP_201_CREATED)
        response["Location"] = self.reverse_action("detail", args=[project.pk])
        return response

    def update(self, request, *args, **kwargs):
        project = self.get_object()
        expected = expected_version(request)
        project = self._save(
            request, project=project, expected=expected, partial=kwargs.get("partial")
        )
        return self._respond(project)

    def _save(self, request, *, project, expected, partial=False) -> Project:
        serializer = s.ProjectInputSerializer(
            data=request.data, partial=bool(partial), context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        parts = {
            "thematic_areas": data.pop("thematic_areas", None),
            "fundings": data.pop("fundings", None),
            "countries": data.pop("countries", None),
            "participants": data.pop("participating_organisations", None),
            "sectors": data.pop("sectors", None),
        }
        try:
            return services.project_save(
                user=request.user,
                project=project,
                expected_version=expected,
                data=data,
                **parts,
            )
        except DjangoValidationError as exc:
            raise _rename_error_keys(exc, {"participants": "participating_organisations"}) from exc

    def _respond(
        self, project: Project, code: int = status.HTTP_200_OK, *, reload: bool = True
    ) -> Response:
        if reload:
            # Re-read after a write for the computed spend and the prefetches. A
            # creator outside the new project's scope (not assigned, none of
            # their countries) still gets back what they just saved.
            project = _with_parts(Project.objects.filter(pk=project.pk)).get()
        response = Response(self.get_serializer(project).data, status=code)
        response["ETag"] = version_etag(project.version)
        return response


# Children of projects ----------------------------------------------------------


class ChildCreateMixin:
    """POST through a service; the body names a visible parent record.

    Roles that may never write here get their 403 before the body is read, so
    they see the same answer whatever they send.
    """

    input_serializer_class: type
    writer_roles: set = access.PROJECT_EDITORS

    # The serializer holds the body, which may be a case note: never in an error report.
    @sensitive_variables("serializer")
    def create(self, request, *args, **kwargs):
        if access.role_of(request.user) not in self.writer_roles:
            self.permission_denied(request)
        serializer = self.input_serializer_class(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        record = self.perform_write(dict(serializer.validated_data))
        fresh = self.get_queryset().get(pk=record.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="Financial transactions of the projects in your scope",
        parameters=[HXL_PARAMETER],
    ),
    retrieve=extend_schema(summary="One transaction"),
    create=extend_schema(
        summary="Record a commitment, disbursement or expenditure",
        request=s.TransactionInputSerializer,
        responses={201: s.TransactionSerializer, **ERROR_RESPONSES},
    ),
)
class TransactionViewSet(PageFirstListMixin, ChildCreateMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.TransactionSerializer
    input_serializer_class = s.TransactionInputSerializer
    filterset_class = TransactionFilter
    csv_columns = {
        "id": "id",
        "project": "project",
        "kind": "kind",
        "kind_label": "kind_label",
        "date": "date",
        "value": "value",
        "currency": "currency",
        "provider_id": "provider.id",
        "provider": "provider.name",
        "receiver_id": "receiver.id",
        "receiver": "receiver.name",
        "description": "description",
    }
    csv_hxl = {
        "project": "#activity+code",
        "kind": "#meta+transaction+type+code",
        "kind_label": "#meta+transaction+type+name",
        "date": "#date+transaction",
        "value": "#value",
        "currency": "#currency",
        "provider": "#org+provider+name",
        "receiver": "#org+receiver+name",
        "description": "#description",
    }
    ordering_fields = ["date", "value", "kind", "currency", "project__code"]
    search_fields = ["project__code", "description", "provider__name", "receiver__name"]

    def get_queryset(self):
        return self.with_details(Transaction.objects.visible_to(self.request.user))

    def get_list_queryset(self):
        return Transaction.objects.visible_to(self.request.user)

    def with_details(self, queryset):
        return queryset.select_related("project", "provider", "receiver")

    def page_values(self, queryset):
        return rows.transaction_values(queryset)

    def page_rows(self, page):
        return rows.transaction_rows(page)

    def page_json(self):
        return json_pages.transaction_json()

    def perform_write(self, data) -> Transaction:
        project = data.pop("project")
        return services.transaction_record(user=self.request.user, project=project, data=data)


@extend_schema_view(
    list=extend_schema(summary="Results (outputs, outcomes, impact) of projects in your scope"),
    retrieve=extend_schema(summary="One result"),
    create=extend_schema(
        summary="Add a result to a project",
        request=s.ResultInputSerializer,
        responses={201: s.ResultSerializer, **ERROR_RESPONSES},
    ),
)
class ResultViewSet(PageFirstListMixin, ChildCreateMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ResultSerializer
    input_serializer_class = s.ResultInputSerializer
    filterset_fields = {"project__code": ["exact"], "kind": ["exact"]}
    ordering_fields = ["order", "title", "kind"]
    search_fields = ["title", "description", "project__code"]

    def get_queryset(self):
        return self.with_details(self.get_list_queryset())

    def get_list_queryset(self):
        return Result.objects.visible_to(self.request.user)

    def with_details(self, queryset):
        return queryset.select_related("project")

    def page_json(self):
        return json_pages.result_json()

    writer_roles = access.RESULTS_EDITORS

    def perform_write(self, data) -> Result:
        project = data.pop("project")
        return services.result_save(user=self.request.user, project=project, data=data)


@extend_schema_view(
    list=extend_schema(summary="Indicators with their periods (target, actual) and breakdowns"),
    retrieve=extend_schema(summary="One indicator"),
    create=extend_schema(
        summary="Add an indicator with its periods to a result",
        request=s.IndicatorInputSerializer,
        responses={201: s.IndicatorSerializer, **ERROR_RESPONSES},
    ),
)
class IndicatorViewSet(PageFirstListMixin, ChildCreateMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.IndicatorSerializer
    input_serializer_class = s.IndicatorInputSerializer
    filterset_class = IndicatorFilter
    # Periods as parallel lists, in date order; their breakdowns are in the JSON only.
    csv_columns = {
        **{
            name: name
            for name in (
                "id",
                "project",
                "result",
                "result_title",
                "title",
                "measure",
                "measure_label",
                "unit",
                "ascending",
                "baseline_year",
                "baseline_value",
                "order",
            )
        },
        "period_starts": "periods.period_start",
        "period_ends": "periods.period_end",
        "period_targets": "periods.target",
        "period_actuals": "periods.actual",
    }
    ordering_fields = ["order", "title", "measure"]
    search_fields = ["title", "title_ar", "title_fr", "unit", "unit_ar", "unit_fr"]
    search_fields += ["result__title", "result__project__code"]

    def get_queryset(self):
        return self.with_details(self.get_list_queryset())

    def get_list_queryset(self):
        return Indicator.objects.visible_to(self.request.user)

    def with_details(self, queryset):
        periods = IndicatorPeriod.objects.prefetch_related(
            Prefetch("disaggregations", queryset=Disaggregation.objects.select_related("country"))
        )
        return queryset.select_related("result__project").prefetch_related(
            Prefetch("periods", queryset=periods)
        )

    def page_json(self):
        return json_pages.indicator_json()

    writer_roles = access.RESULTS_EDITORS

    def perform_write(self, data) -> Indicator:
        result = data.pop("result")
        periods = data.pop("periods", None)
        return services.indicator_save(
            user=self.request.user, result=result, data=data, periods=periods
        )


@extend_schema_view(
    list=extend_schema(summary="Documents of the projects in your scope"),
    retrieve=extend_schema(summary="One document"),
)
class DocumentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.DocumentSerializer
    filterset_class = DocumentFilter
    ordering_fields = ["document_date", "title", "category", "language"]
    search_fields = ["title", "project__code"]

    def get_queryset(self):
        return Document.objects.visible_to(self.request.user).select_related("project")
