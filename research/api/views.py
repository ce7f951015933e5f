"""REST API of research records, under /api/v1/research/.

Every queryset starts from ``visible_to(request.user)``, so a record outside
the caller's scope is a 404 here exactly as on the pages. Writes parse the
body with an input serializer and hand the values to ``research.services``;
changes send the version edited (If-Match or ``version``).
"""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from ctportal.api import JSONParser, expected_version, version_etag
from projects.api.views import ERROR_RESPONSES

from .. import selectors, services
from ..filters import AwarenessActivityFilter, LegislativeSupportFilter, ResearchOutputFilter
from ..models import AwarenessActivity, LegislativeSupport, ResearchOutput
from . import serializers as s

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag of the record as you loaded it (or send `version` in the body).",
)
WRITE_RESPONSES = {
    **ERROR_RESPONSES,
    412: OpenApiResponse(description="Someone else saved the record since you loaded it."),
    428: OpenApiResponse(description="No If-Match header and no `version` given."),
}


class RecordViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create and change one kind of record through its service."""

    model: type
    input_serializer_class: type
    service_name: str
    record_keyword: str

    def scoped(self, queryset):
        raise NotImplementedError

    def get_queryset(self):
        return self.scoped(self.model.objects.visible_to(self.request.user))

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object(), reload=False)

    def create(self, request, *args, **kwargs):
        if not selectors.can_create(request.user):
            self.permission_denied(request)
        record = self._save(request, record=None, expected=None)
        response = self._respond(record, status.HTTP_201_CREATED)
        response["Location"] = self.reverse_action("detail", args=[record.pk])
        return response

    def update(self, request, *args, **kwargs):
        record = self.get_object()
        if not selectors.can_edit(request.user, record):
            self.permission_denied(request)
        expected = expected_version(request)
        partial = bool(kwargs.get("partial"))
        record = self._save(request, record=record, expected=expected, partial=partial)
        return self._respond(record)

    def _save(self, request, *, record, expected, partial=False):
        serializer = self.input_serializer_class(
            data=request.data, partial=bool(partial), context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        lists = {name: data.pop(name, None) for name in self.input_serializer_class.list_fields}
        if "support" in lists:
            lists["support_types"] = lists.pop("support")
        if lists.get("stages") is not None:
            lists["stages"] = [dict(row) for row in lists["stages"]]
        service = getattr(services, self.service_name)
        return service(
            user=request.user,
            data=data,
            expected_version=expected,
            **{self.record_keyword: record},
            **lists,
        )

    def _respond(self, record, code: int = status.HTTP_200_OK, *, reload: bool = True):
        if reload:
            # The writer gets back what they saved, seen through their own scope.
            record = self.get_queryset().filter(pk=record.pk).first() or record
        response = Response(self.get_serializer(record).data, status=code)
        response["ETag"] = version_etag(record.version)
        return response

    def _attach(self, request, add, keyword: str):
        record = self.get_object()
        if not selectors.can_edit(request.user, record):
            self.permission_denied(request)
        serializer = s.AttachmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {**serializer.validated_data}
        data["file"] = data.get("file") or ""
        attachment = add(user=request.user, data=data, **{keyword: record})
        body = s.AttachmentSerializer(attachment, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)


def _write_schema(input_serializer, output_serializer, plural: str, singular: str) -> dict:
    return {
        "list": extend_schema(summary=f"{plural} in your scope"),
        "retrieve": extend_schema(summary=f"One {singular}; the ETag carries its version"),
        "create": extend_schema(
            summary=f"Record a new {singular}",
            request=input_serializer,
            responses={201: output_serializer, **ERROR_RESPONSES},
        ),
        "update": extend_schema(
            request=input_serializer,
            responses={200: output_serializer, **WRITE_RESPONSES},
            parameters=[IF_MATCH],
        ),
        "partial_update": extend_schema(
            request=input_serializer,
            responses={200: output_serializer, **WRITE_RESPONSES},
            parameters=[IF_MATCH],
        ),
    }


UPLOAD = extend_schema(
    summary="Attach a file (multipart, checked for type and size) or a link",
    request=s.AttachmentInputSerializer,
    responses={201: s.AttachmentSerializer, **ERROR_RESPONSES},
)


@extend_schema_view(
    **_write_schema(
        s.ResearchOutputInputSerializer,
        s.ResearchOutputSerializer,
        "Research outputs",
        "research output",
    )
)
class ResearchOutputViewSet(RecordViewSet):
    """Assessments, studies, handbooks and their translations, briefs, data reports.

    `q` searches titles and abstracts (every word; on PostgreSQL best match first).
    """

    model = ResearchOutput
    serializer_class = s.ResearchOutputSerializer
    input_serializer_class = s.ResearchOutputInputSerializer
    filterset_class = ResearchOutputFilter
    service_name = "output_save"
    record_keyword = "output"
    ordering_fields = ["publication_date", "title", "kind", "status", "updated_at"]
    search_fields = ["title", "abstract", "authors"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def scoped(self, queryset):
        user = self.request.user
        return selectors.outputs_for_list(queryset, user).prefetch_related(
            "files", Prefetch("indicators", queryset=selectors.indicators_of(user))
        )

    @UPLOAD
    @action(detail=True, methods=["post"], url_path="files")
    def files(self, request, pk=None):
        return self._attach(request, services.output_file_add, "output")


@extend_schema_view(
    **_write_schema(
        s.LegislativeSupportInputSerializer,
        s.LegislativeSupportSerializer,
        "Legislative support records",
        "legislative support record",
    )
)
class LegislativeSupportViewSet(RecordViewSet):
    """Support to laws, bylaws, action plans, procedures and referral mechanisms.

    `current_stage` is the latest dated stage; `stage` filters on it.
    """

    model = LegislativeSupport
    serializer_class = s.LegislativeSupportSerializer
    input_serializer_class = s.LegislativeSupportInputSerializer
    filterset_class = LegislativeSupportFilter
    service_name = "support_save"
    record_keyword = "support"
    ordering_fields = ["title", "stage_date", "updated_at"]
    search_fields = ["title", "reference", "description"]

    def scoped(self, queryset):
        user = self.request.user
        return selectors.supports_for_list(queryset, user).prefetch_related(
            "stages",
            Prefetch("outputs", queryset=ResearchOutput.objects.visible_to(user)),
            Prefetch("indicators", queryset=selectors.indicators_of(user)),
        )

    @extend_schema(
        summary="Record the next stage; its date may not precede the latest stage",
        request=s.StageInputSerializer,
        responses={201: s.StageSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="stages")
    def stages(self, request, pk=None):
        support = self.get_object()
        if not selectors.can_edit(request.user, support):
            self.permission_denied(request)
        serializer = s.StageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        stage = services.stage_add(
            user=request.user, support=support, data=dict(serializer.validated_data)
        )
        return Response(s.StageSerializer(stage).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    **_write_schema(
        s.AwarenessActivityInputSerializer,
        s.AwarenessActivitySerializer,
        "Awareness activities",
        "awareness activity",
    )
)
class AwarenessActivityViewSet(RecordViewSet):
    """Awareness campaigns and events with their reach."""

    model = AwarenessActivity
    serializer_class = s.AwarenessActivitySerializer
    input_serializer_class = s.AwarenessActivityInputSerializer
    filterset_class = AwarenessActivityFilter
    service_name = "activity_save"
    record_keyword = "activity"
    ordering_fields = ["start_date", "title", "people_reached", "updated_at"]
    search_fields = ["title", "description", "materials"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def scoped(self, queryset):
        user = self.request.user
        return selectors.activities_for_list(queryset, user).prefetch_related(
            "files", Prefetch("indicators", queryset=selectors.indicators_of(user))
        )

    @UPLOAD
    @action(detail=True, methods=["post"], url_path="files")
    def files(self, request, pk=None):
        return self._attach(request, services.activity_material_add, "activity")
