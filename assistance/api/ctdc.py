"""Anonymised case records in the CTDC layout, under /api/v1/assistance/ctdc/.

``records/`` is what analysts (and everyone else) get of victim data as rows:
the caller's share of the current CTDC release, the same rows the files are cut
from. ``exports/`` queues those files, lists the caller's own and hands them out.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from ctportal import access
from ctportal.api import PortalPagination
from ctportal.files import file_response
from ctportal.suppression import Cell

from ..ctdc import (
    COLUMNS,
    LAYOUT_VERSION,
    K,
    available_release,
    current_release,
    published_rows,
    release_records,
)
from ..export_models import CTDCExport
from ..export_selectors import ctdc_exports_for, downloadable_ctdc_export
from ..export_services import ctdc_export_request

logger = logging.getLogger(__name__)

SCOPE = (
    "Records of the cases you may count whose victim consented to sharing anonymised data: "
    "donors those of the projects their organisation funds, programme officers those of "
    "their projects, case workers those of their office (in a session confirmed with the "
    "second factor), administrators, M&E officers and analysts all of them."
)


def _suppressed(count: int, user) -> int | None:
    """Records left out; null when from 1 to 10 for aggregate-only viewers."""
    cell = Cell(count, access.small_cell_limit(user, "case"))
    return None if cell.suppressed else count


class RecordPagination(PortalPagination):
    """Pages of one release: the links name it, so a new release cannot change pages."""

    release_id: int | None = None

    def _pinned(self, url: str | None) -> str | None:
        if url is None or self.release_id is None:
            return url
        return replace_query_param(url, "release", self.release_id)

    def get_next_link(self):
        return self._pinned(super().get_next_link())

    def get_previous_link(self):
        return self._pinned(super().get_previous_link())

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data["results"])
        meta = {key: value for key, value in data.items() if key != "results"}
        response.data = {**meta, **response.data}
        return response


RECORD_FIELDS = {name: serializers.JSONField(allow_null=True, read_only=True) for name in COLUMNS}


class RecordsView(GenericAPIView):
    """The caller's share of the current CTDC release (k = 11)."""

    pagination_class = RecordPagination
    filter_backends: list = []
    # CTDC's own column names, as in its published data set and the export files.
    csv_columns = {name: name for name in COLUMNS}

    def _release(self, request):
        asked = request.query_params.get("release")
        if asked is None:
            return current_release()
        try:
            pk = serializers.IntegerField(min_value=1).run_validation(asked)
        except ValidationError as exc:
            raise ValidationError({"release": exc.detail}) from exc
        release = available_release(pk)
        if release is None:
            raise ValidationError(
                {"release": [_("This release is no longer available; ask for the current one.")]}
            )
        return release

    @extend_schema(
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, description="A page number."),
            OpenApiParameter(
                "page_size", OpenApiTypes.INT, description="Records per page (at most 1000)."
            ),
            OpenApiParameter(
                "release",
                OpenApiTypes.INT,
                description="A release (default: the current one); the page links name it.",
            ),
        ],
        description=(
            f"One record per victim in the 63 columns of the {LAYOUT_VERSION} (CTDC's order "
            "and value forms; blank where not recorded or withheld), cut from the current "
            "release: one k-anonymisation of every consenting case, the same for every "
            f"reader and for the CSV and XLSX files. k = {K} over year, sex, age band, "
            "citizenship, country and type of exploitation: every combination of those "
            "columns appears at least 11 times in your whole result (not per page), and in "
            "anything made by combining it with another reader's. `generalisation` gives the "
            "level each was published at (0 is as recorded; a withheld value is null); "
            "`suppressed_records` counts the records of your scope left out, null when from "
            "1 to 10 for donors and analysts. Rows come in a random but stable order. "
            f"{SCOPE} Also as CSV (`?format=csv`), one page per answer: the `Link` header "
            '(rel="next", "prev", "first", "last") and `X-Total-Count` tell the rest.'
        ),
        responses={
            200: inline_serializer(
                "CTDCRecordPage",
                {
                    "k": serializers.IntegerField(),
                    "layout": serializers.CharField(),
                    "release": serializers.IntegerField(allow_null=True),
                    "published_at": serializers.DateTimeField(allow_null=True),
                    "generalisation": serializers.DictField(child=serializers.IntegerField()),
                    "suppressed_records": serializers.IntegerField(allow_null=True),
                    "count": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": inline_serializer("CTDCRecord", RECORD_FIELDS, many=True),
                },
            ),
            400: OpenApiResponse(description="Unknown release; `error.fields.release` says why."),
        },
    )
    def get(self, request, *args, **kwargs):
        release = self._release(request)
        self.paginator.release_id = release.pk if release else None
        page = self.paginate_queryset(published_rows(release, request.user))
        suppressed = release_records(release, request.user).suppressed().count()
        return self.get_paginated_response(
            {
                "k": K,
                "layout": LAYOUT_VERSION,
                "release": release.pk if release else None,
                "published_at": release.published_at if release else None,
                "generalisation": release.generalisation if release else {},
                "suppressed_records": _suppressed(suppressed, request.user),
                "results": [dict(zip(COLUMNS, values, strict=True)) for values in page],
            }
        )


class CTDCExportSerializer(serializers.ModelSerializer):
    records = serializers.IntegerField(source="row_count", read_only=True)
    suppressed_records = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField()

    class Meta:
        model = CTDCExport
        fields = [
            "id",
            "format",
            "release",
            "status",
            "records",
            "suppressed_records",
            "generalisation",
            "created_at",
            "finished_at",
            "download",
        ]
        read_only_fields = fields

    def get_suppressed_records(self, export) -> int | None:
        return _suppressed(export.suppressed_count, self.context["request"].user)

    def get_download(self, export) -> str | None:
        if export.status != "done" or not export.file:
            return None
        return self.context["request"].build_absolute_uri(
            reverse("ctdc-export-download", args=[export.pk])
        )


class CTDCExportRequestSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=CTDCExport.Format.choices)


class ExportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's own CTDC files: ask for one, follow it, download it."""

    serializer_class = CTDCExportSerializer
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return ctdc_exports_for(self.request.user)

    @extend_schema(
        request=CTDCExportRequestSerializer,
        responses={
            202: CTDCExportSerializer,
            400: OpenApiResponse(description="Unknown format; `error.fields.format` says why."),
        },
        description=f"Queue the CTDC file (CSV or XLSX) of your scope. {SCOPE}",
    )
    def create(self, request, *args, **kwargs):
        data = CTDCExportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            export = ctdc_export_request(user=request.user, fmt=data.validated_data["format"])
        except (PermissionDenied, DjangoValidationError):
            raise
        except Exception:
            # Built in-process without a broker: the failure is recorded on the export.
            logger.exception("CTDC export failed while building in-process")
            export = ctdc_exports_for(request.user).first()
        export.refresh_from_db()
        return Response(self.get_serializer(export).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        description="The finished file; 404 for anyone but its owner or while not ready.",
    )
    # The file itself is not rendered; an error (404) is always JSON, whatever ?format= says.
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer])
    def download(self, request, pk=None):
        export = downloadable_ctdc_export(request.user, int(pk))
        if export is None:
            raise Http404
        return file_response(export.file, title=f"ctdc-{export.created_at:%Y%m%d-%H%M}")
