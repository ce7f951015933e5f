"""The directory in the API, ``/api/v1/assistance/providers/``: case workers and administrators."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError

from projects.api.serializers import OrganisationRefSerializer

from ..models import Case
from ..vocabulary import ServiceKind
from . import selectors
from .models import ServiceProvider

FOR_CASE = OpenApiParameter(
    "case",
    OpenApiTypes.INT,
    description="A case you work on: its country's providers come first.",
)
SERVICE = OpenApiParameter(
    "service", OpenApiTypes.STR, enum=list(ServiceKind.values), description="Offering this service."
)
COUNTRY = OpenApiParameter("country", OpenApiTypes.STR, description="ISO 3166-1 alpha-2 code.")


class ServiceProviderSerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer(read_only=True)
    country = serializers.CharField(source="country.code", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    services = serializers.ListField(child=serializers.ChoiceField(ServiceKind.choices))

    class Meta:
        model = ServiceProvider
        fields = ["id", "organisation", "country", "kind", "kind_label", "city", "services"]
        fields += ["contact"]


@extend_schema_view(
    list=extend_schema(
        summary="Service providers of the directory, the case's country first",
        parameters=[FOR_CASE, SERVICE, COUNTRY],
    ),
    retrieve=extend_schema(summary="One service provider"),
)
class ServiceProviderViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ServiceProviderSerializer

    def get_queryset(self):
        params = self.request.query_params
        country_id = None
        if params.get("case"):
            if not params["case"].isdigit():
                raise ValidationError({"case": ["A whole number is required."]})
            # Unknown and out-of-scope cases get the same answer, as any id filter does.
            case = Case.objects.visible_to(self.request.user).filter(pk=params["case"]).first()
            if case is None:
                raise ValidationError({"case": ["Choose a case you work on."]})
            country_id = case.country_office_id
        queryset = selectors.providers_for(user=self.request.user, country_id=country_id)
        if params.get("country"):
            queryset = queryset.filter(country__code=params["country"].upper())
        service = params.get("service")
        if service:
            if service not in ServiceKind.values:
                raise ValidationError(
                    {"service": [f"Choose one of: {', '.join(ServiceKind.values)}."]}
                )
            ids = [p.pk for p in queryset if service in p.services]
            queryset = queryset.filter(pk__in=ids)
        return queryset
