"""REST API of metrics, under /api/v1/metrics/: the figures dashboards show, for pivoting.

Every figure comes from ``dashboards.figures.figures``, so the caller gets
exactly what their dashboards show: their scope, small cells hidden from
aggregate-only viewers, the same cache. Figures are in long format (one
record per cell), as JSON or CSV.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from ctportal import access
from ctportal.api_csv import HXL_PARAMETER

from .figures import BadDimension, Figure, figures, parse_filters
from .hxl import dimension_hashtag, label_hashtag, value_hashtag
from .registry import DIMENSIONS, METRICS, Metric, UnknownMetric, get_metric

# More would mostly give cells too small to show, and ever larger answers.
MAX_DIMENSIONS = 3
FILTERS = {
    "project": (_("Project id"), OpenApiTypes.INT),
    "country": (_("ISO 3166-1 alpha-2 code of the metric's country"), OpenApiTypes.STR),
    "donor": (_("Donor organisation id"), OpenApiTypes.INT),
    "year": (_("Calendar year"), OpenApiTypes.INT),
}
SUPPRESSION = (
    "Counts of people (sensitivity `training` or `case`) from 1 to the caller's small-cell "
    "limit (4 for training data, 10 for case data, donors and analysts only) come as "
    '`value: null, suppressed: true, display: "<5"` (or `"<11"`); where one hidden cell '
    'could be found by subtraction, another is hidden too (`display: "*"`).'
)


class MetricDimensionSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class MetricFilterSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    type = serializers.ChoiceField(choices=["integer", "string"])


class MetricSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    unit = serializers.ChoiceField(choices=["count", "money"])
    sensitivity = serializers.ChoiceField(choices=["training", "case"], allow_null=True)
    dimensions = MetricDimensionSerializer(many=True)
    overlapping = serializers.ListField(
        child=serializers.CharField(),
        help_text="Dimensions whose values may add up to more than the total.",
    )
    filters = MetricFilterSerializer(many=True)
    data = serializers.URLField(help_text="Where the figures of this metric are.")


class MetricFigureSerializer(serializers.Serializer):
    metric = serializers.CharField()
    unit = serializers.CharField()
    sensitivity = serializers.CharField(allow_null=True)
    small_cell_limit = serializers.IntegerField(
        help_text="The largest count hidden from you in this metric (0: none)."
    )
    dimensions = serializers.ListField(child=serializers.CharField())
    filters = serializers.DictField()
    results = serializers.ListField(
        child=serializers.DictField(),
        help_text="One record per cell: `metric`, each dimension's key and `<dimension>_label`, "
        "`value`, `suppressed`, `display`.",
    )
    totals = serializers.ListField(
        child=serializers.DictField(),
        help_text="The total (one per currency for money): `value`, `suppressed`, `display`.",
    )


def describe(metric: Metric, request) -> dict[str, Any]:
    dims = ("currency", *metric.dimensions) if metric.unit == "money" else metric.dimensions
    return {
        "code": metric.code,
        "label": str(metric.label),
        "description": str(metric.description),
        "unit": metric.unit,
        "sensitivity": metric.sensitivity,
        "dimensions": [{"code": d, "label": str(DIMENSIONS[d].label)} for d in dims],
        "overlapping": sorted(metric.overlapping),
        "filters": [
            {
                "code": code,
                "label": str(label),
                "type": "integer" if kind == OpenApiTypes.INT else "string",
            }
            for code, (label, kind) in FILTERS.items()
        ],
        "data": request.build_absolute_uri(reverse("metric-data", args=[metric.code])),
    }


def _metric(code: str) -> Metric:
    try:
        return get_metric(code)
    except UnknownMetric:
        raise NotFound(gettext("No metric with this code.")) from None


def _dimensions(request, metric: Metric) -> tuple[tuple[str, ...], list[str]]:
    """The dimensions asked for (``dimensions=a,b`` or repeated), with what is wrong with them."""
    asked = [
        code.strip()
        for value in request.query_params.getlist("dimensions")
        for code in value.split(",")
        if code.strip()
    ]
    allowed = ("currency", *metric.dimensions) if metric.unit == "money" else metric.dimensions
    errors = []
    unknown = [code for code in asked if code not in allowed]
    if unknown:
        errors.append(
            gettext("%(metric)s cannot be broken down by %(codes)s. Choose from: %(allowed)s.")
            % {"metric": metric.code, "codes": ", ".join(unknown), "allowed": ", ".join(allowed)}
        )
    if len(set(asked)) != len(asked):
        errors.append(gettext("Give each dimension once."))
    if len(asked) > MAX_DIMENSIONS:
        errors.append(gettext("Give at most %(n)d dimensions.") % {"n": MAX_DIMENSIONS})
    return tuple(asked), errors


def csv_rows(figure: Figure) -> list[dict[str, Any]]:
    """Cells, then totals, in one table; ``total`` tells them apart."""
    rows = [{**record, "total": False} for record in figure.long()]
    blank = {}
    for dim in figure.dimensions:
        blank[dim] = None
        blank[f"{dim}_label"] = gettext("Total")
    for record in figure.total_records():
        rows.append({"metric": figure.metric.code, **blank, **record, "total": True})
    return rows


def csv_layout(figure: Figure) -> tuple[dict[str, str], dict[str, str]]:
    """The columns of :func:`csv_rows` and their HXL hashtags."""
    metric = figure.metric
    columns = {"metric": "metric"}
    hashtags = {"metric": "#indicator+code"}
    for dim in figure.dimensions:
        columns[dim] = dim
        columns[f"{dim}_label"] = f"{dim}_label"
        hashtags[dim] = dimension_hashtag(dim)
        hashtags[f"{dim}_label"] = label_hashtag(dim)
    for name in ("value", "suppressed", "display", "total"):
        columns[name] = name
    hashtags["value"] = value_hashtag(unit=metric.unit, sensitivity=metric.sensitivity)
    hashtags.update(
        {"suppressed": "#meta+suppressed", "display": "#meta+display", "total": "#meta+total"}
    )
    return columns, hashtags


CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description="Metric code")


class MetricListView(ListAPIView):
    serializer_class = MetricSerializer
    filter_backends: list = []

    def get_queryset(self):
        return [describe(m, self.request) for m in sorted(METRICS.values(), key=lambda m: m.code)]

    @extend_schema(
        summary="Metrics: the figures dashboards and reports are made of",
        description="Each metric with its dimensions and the filters it accepts.",
        operation_id="metrics_list",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MetricDetailView(APIView):
    @extend_schema(
        summary="One metric: its dimensions and filters",
        operation_id="metrics_retrieve",
        parameters=[CODE],
        responses={200: MetricSerializer, 404: OpenApiResponse(description="No such metric.")},
    )
    def get(self, request, code: str):
        return Response(MetricSerializer(describe(_metric(code), request)).data)


class MetricDataView(APIView):
    basename = "metric"

    @extend_schema(
        summary="A metric's figures by dimensions, in long format (JSON or CSV)",
        operation_id="metrics_data",
        description=(
            "Figures over what you may see, broken down by up to three of the metric's "
            "dimensions and narrowed by the filters. Money is always broken down by "
            "currency: amounts in different currencies are never added up. The country "
            "filter selects the metric's own country (a project's recipient country, where "
            "a session was held, a case's office, the countries a study covers). CSV "
            "(`format=csv` or `Accept: text/csv`) has the cells, then the totals, marked by "
            "the `total` column; `hxl=1` adds a row of HXL hashtags under the header. "
            + SUPPRESSION
        ),
        parameters=[
            CODE,
            OpenApiParameter(
                "dimensions",
                OpenApiTypes.STR,
                description="Comma-separated dimension codes, e.g. `country,sex`.",
            ),
            *[
                OpenApiParameter(name, kind, description=str(label))
                for name, (label, kind) in FILTERS.items()
            ],
            HXL_PARAMETER,
        ],
        responses={
            (200, "application/json"): MetricFigureSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            400: OpenApiResponse(description="Bad dimension or filter; `error.fields` says which."),
            404: OpenApiResponse(description="No such metric."),
        },
    )
    def get(self, request, code: str):
        metric = _metric(code)
        dimensions, dimension_errors = _dimensions(request, metric)
        filters, filter_errors = parse_filters(request.query_params)
        errors: dict[str, list[str]] = {name: [msg] for name, msg in filter_errors.items()}
        if dimension_errors:
            errors["dimensions"] = dimension_errors
        if errors:
            raise ValidationError(errors)
        try:
            figure = figures(metric, user=request.user, dimensions=dimensions, filters=filters)
        except BadDimension as exc:
            raise ValidationError({"dimensions": [str(exc)]}) from exc
        self.basename = f"metric-{metric.code}"
        if getattr(request.accepted_renderer, "format", "") == "csv":
            self.csv_columns, self.csv_hxl = csv_layout(figure)
            return Response(csv_rows(figure))
        limit = (
            access.small_cell_limit(request.user, metric.sensitivity) if metric.sensitivity else 0
        )
        return Response(
            {
                "metric": metric.code,
                "unit": metric.unit,
                "sensitivity": metric.sensitivity,
                "small_cell_limit": limit,
                "dimensions": list(figure.dimensions),
                "filters": {
                    name: value for name, value in vars(filters).items() if value is not None
                },
                "results": figure.long(),
                "totals": figure.total_records(),
            }
        )
