"""The API's front door: its root, the reference grouped by area, and a getting-started page.

The reference is drawn on the server from the same OpenAPI schema that
``/api/schema/`` serves, inside the portal's layout: plain HTML that works
without JavaScript, in the reader's language and direction. The interactive
Swagger UI stays one link away, its files served from this site.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import lru_cache

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from ctportal import access
from ctportal.api import HasRole

# Path prefixes (longest first) and the area their operations are grouped under.
AREAS: tuple[tuple[str, str], ...] = (
    ("/api/v1/assistance/ctdc/", "Anonymised case data (CTDC)"),
    ("/api/v1/assistance/", "Victim assistance"),
    ("/api/v1/trainings/", "Trainings"),
    ("/api/v1/research/", "Research and policy"),
    ("/api/v1/metrics/", "Metrics"),
    ("/api/v1/auth/", "Authentication"),
    ("/api/v1/", "Projects and reference data"),
)
# The schema names areas in English (clients match on them); pages in the reader's
# language. In the order the reference lists them.
AREA_LABELS = {
    "Projects and reference data": _("Projects and reference data"),
    "Trainings": _("Trainings"),
    "Research and policy": _("Research and policy"),
    "Victim assistance": _("Victim assistance"),
    "Anonymised case data (CTDC)": _("Anonymised case data (CTDC)"),
    "Metrics": _("Metrics"),
    "Authentication": _("Authentication"),
}
AREA_DESCRIPTIONS: dict[str, str] = {
    "Projects and reference data": "Countries, organisations, projects with their funding, "
    "transactions, results, indicators and documents.",
    "Trainings": "Training sessions, their participants (rows only where groups are not "
    "small, for aggregate readers) and disaggregated counts.",
    "Research and policy": "Research outputs, legislative assistance and awareness activities.",
    "Victim assistance": "Cases, services, referrals, shelter stays and notes for case "
    "workers of the country office; figures with small cells hidden for everyone else.",
    "Anonymised case data (CTDC)": "Anonymised case records in the layout of the "
    "Counter Trafficking Data Collaborative, and their exports.",
    "Metrics": "The metric registry behind the dashboards, with their data.",
    "Authentication": "Personal API tokens for scripts.",
}

# Every collection the API offers, by the name its router gives it; a test
# checks this against the schema so that a new resource is not left out.
RESOURCES: tuple[tuple[str, str], ...] = (
    ("countries", "country-list"),
    ("organisations", "organisation-list"),
    ("projects", "project-list"),
    ("transactions", "transaction-list"),
    ("results", "result-list"),
    ("indicators", "indicator-list"),
    ("documents", "document-list"),
    ("trainings/sessions", "training-session-list"),
    ("trainings/participants", "training-participant-list"),
    ("trainings/counts", "training-count-list"),
    ("trainings/aggregate", "training-aggregate"),
    ("research/outputs", "research-output-list"),
    ("research/legislation", "legislative-support-list"),
    ("research/awareness", "awareness-activity-list"),
    ("assistance/cases", "assistance-case-list"),
    ("assistance/services", "assistance-service-list"),
    ("assistance/referrals", "assistance-referral-list"),
    ("assistance/stays", "assistance-stay-list"),
    ("assistance/notes", "assistance-note-list"),
    ("assistance/shelters", "assistance-shelter-list"),
    ("assistance/providers", "assistance-provider-list"),
    ("assistance/figures", "assistance-figures"),
    ("assistance/ctdc/records", "ctdc-records"),
    ("assistance/ctdc/exports", "ctdc-export-list"),
    ("metrics", "metric-list"),
)


def area_of(path: str) -> str:
    return next(area for prefix, area in AREAS if path.startswith(prefix))


def schema_tags() -> list[dict]:
    """The areas as OpenAPI tags, in the order the reference lists them."""
    return [{"name": area, "description": AREA_DESCRIPTIONS[area]} for area in AREA_LABELS]


class ApiRootView(APIView):
    """Every resource of the API, by name, with its address."""

    permission_classes = [HasRole]

    @extend_schema(
        summary="Every resource of the API, by name, with its address",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="Name to address.")},
    )
    def get(self, request, format=None):  # noqa: A002 (DRF's own argument name)
        return Response(
            {
                name: reverse(url_name, request=request, format=format)
                for name, url_name in RESOURCES
            }
        )


METHODS = ("get", "post", "put", "patch", "delete")


@lru_cache(maxsize=4)
def _operations(language: str) -> OrderedDict:
    """The operations by area; the schema changes only with the code, so once per language."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    areas: OrderedDict = OrderedDict((tag["name"], []) for tag in schema_tags())
    for path, item in schema["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            areas[operation.get("tags", [area_of(path)])[0]].append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary") or operation.get("description", ""),
                    "id": operation["operationId"],
                }
            )
    return OrderedDict((area, ops) for area, ops in areas.items() if ops)


def _require_api_section(request: HttpRequest) -> None:
    if not access.can_use(request.user, "api"):
        raise Http404


@login_required
def reference(request: HttpRequest) -> HttpResponse:
    """Every operation of the API, grouped by area, with a link to try them in Swagger UI."""
    _require_api_section(request)
    areas = _operations(get_language())
    return render(
        request,
        "api/reference.html",
        {
            "areas": [
                {
                    "name": AREA_LABELS[name],
                    "slug": slugify(name),
                    "description": AREA_DESCRIPTIONS[name],
                    "operations": ops,
                }
                for name, ops in areas.items()
            ],
            "count": sum(len(ops) for ops in areas.values()),
        },
    )


@login_required
def guide(request: HttpRequest) -> HttpResponse:
    """Getting started: a token, then the same request in curl, Python and R."""
    _require_api_section(request)
    base = request.build_absolute_uri("/api/v1/")
    return render(request, "api/guide.html", {"base": base})
