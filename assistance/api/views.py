"""REST API of victim assistance, under /api/v1/assistance/: cases, identities and figures.

Every queryset starts from the access policy, so a record outside the
caller's scope is a 404 here exactly as on the pages. Case rows reach
administrators and the case workers of the case's office whose session passed
the second factor; everyone else counts cases through the figures endpoint.
Writes parse the body and hand the values to ``assistance.services``.
"""

import datetime

from django.core.exceptions import EmptyResultSet
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from ctportal import access
from ctportal.api import (
    PreconditionFailed,
    PreconditionRequired,
    expected_version,
    version_etag,
)
from ctportal.api_filters import PortalFilterBackend
from projects.api.views import ERROR_RESPONSES

from .. import selectors, services
from ..models import Case, Identity
from ..services import IDENTITY_FIELDS
from . import serializers as s
from .filters import CaseFigureFilter, CaseFilter
from .read_log import LogsCaseReads

ROWS_POLICY = (
    "Rows reach administrators and the case workers of the case's country office whose "
    "signed-in session passed the second factor (TOTP). An API token carries no second "
    "factor: a case worker calling with a token gets an empty list, 404 on every record "
    "and 403 on writes. Programme officers, M&E officers, donors and analysts get an "
    "empty list and 404 too: they read cases as figures only (`/api/v1/assistance/figures/`). "
    "No response here carries a victim's identity."
)
WRITE_POLICY = (
    "Only case workers of the case's country office, in a session that passed the second "
    "factor, may write; everyone else gets 403 (404 for records outside their scope)."
)
STALE_RESPONSES = {
    412: OpenApiResponse(description="Someone else saved the case since you loaded it."),
    428: OpenApiResponse(description="No If-Match header and no `version` given."),
}
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag of the case as you loaded it (or send `version` in the body).",
)
IDENTITY_IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description='The ETag of the identity as you loaded it (`"0"` when none was recorded).',
)


class WorksOnCases(permissions.BasePermission):
    """Writes: case workers with a country office and a verified second factor.

    Administrators see case rows but do not work on cases; the services decide
    again, case by case, inside their transactions.
    """

    message = _(
        "Only case workers of a country office, signed in with their second factor, "
        "record victim assistance. API tokens carry no second factor."
    )

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return access.case_office_id(request.user) is not None


def hide_body_from_error_reports(request) -> None:
    """What ``sensitive_post_parameters`` does for a page, for a request bearing an identity."""
    request._request.sensitive_post_parameters = "__ALL__"


def identity_errors_nested(exc: DjangoValidationError) -> DjangoValidationError:
    """The identity's field errors under ``identity.``, where a registration sends them."""
    if not hasattr(exc, "error_dict"):
        return exc
    return DjangoValidationError(
        {
            f"identity.{key}" if key in IDENTITY_FIELDS else key: messages
            for key, messages in exc.message_dict.items()
        }
    )


def identity_etag(case: Case) -> str:
    """The version of an identity, from when it was last saved (``"0"``: none recorded)."""
    return version_etag(services.identity_version(Identity.objects.filter(case=case).first()))


def check_identity_precondition(request, case: Case) -> None:
    """412 when the identity changed since the client read it, 428 without If-Match."""
    header = request.headers.get("If-Match")
    if header is None:
        raise PreconditionRequired(
            _("Send the ETag of the identity as you loaded it in an If-Match header.")
        )
    if header.strip() == "*":
        return
    given = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if identity_etag(case) not in given:
        raise PreconditionFailed()


@extend_schema_view(
    list=extend_schema(summary="Cases in your scope (no identities)", description=ROWS_POLICY),
    retrieve=extend_schema(
        summary="One case; the ETag header carries its version", description=ROWS_POLICY
    ),
    create=extend_schema(
        summary="Register a case in your country office, optionally with its identity",
        description=WRITE_POLICY
        + " The identity given here is encrypted, logged as a write and never sent back.",
        request=s.CaseRegisterSerializer,
        responses={201: s.CaseSerializer, **ERROR_RESPONSES},
    ),
    partial_update=extend_schema(
        summary="Change some of a case's values",
        description=WRITE_POLICY,
        request=s.CaseInputSerializer,
        responses={200: s.CaseSerializer, **ERROR_RESPONSES, **STALE_RESPONSES},
        parameters=[IF_MATCH],
    ),
)
class CaseViewSet(
    LogsCaseReads, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.CaseSerializer
    case_key = None
    filterset_class = CaseFilter
    permission_classes = [*viewsets.GenericViewSet.permission_classes, WorksOnCases]
    ordering_fields = ["identification_date", "reference", "status", "created_at", "updated_at"]
    search_fields = ["reference"]

    def get_queryset(self):
        user = self.request.user
        if self.action == "identity":
            # Administrators see the case row but never the identity: 404 like a stranger.
            cases = Case.objects.with_identity_access(user)
        else:
            cases = Case.objects.visible_to(user)
        return cases.for_list().select_related("referring_organisation")

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object(), reload=False)

    @sensitive_variables()
    def create(self, request, *args, **kwargs):
        hide_body_from_error_reports(request)
        serializer = s.CaseRegisterSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        identity = data.pop("identity", None)
        try:
            case = services.case_register(
                user=request.user, data=data, identity=identity, request=request
            )
        except DjangoValidationError as exc:
            raise identity_errors_nested(exc) from None
        response = self._respond(case, status.HTTP_201_CREATED)
        response["Location"] = self.reverse_action("detail", args=[case.pk])
        return response

    def partial_update(self, request, *args, **kwargs):
        case = self.get_object()
        expected = expected_version(request)
        serializer = s.CaseInputSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        case = services.case_update(
            user=request.user, case=case, data=data, expected_version=expected
        )
        return self._respond(case)

    @extend_schema(
        summary="Close a case with its reason",
        description=WRITE_POLICY,
        request=s.CaseCloseSerializer,
        responses={200: s.CaseSerializer, **ERROR_RESPONSES, **STALE_RESPONSES},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        case = self.get_object()
        expected = expected_version(request)
        serializer = s.CaseCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = services.case_close(
            user=request.user,
            case=case,
            closure_reason=serializer.validated_data["closure_reason"],
            closed_on=serializer.validated_data.get("closed_on"),
            expected_version=expected,
        )
        return self._respond(case)

    @extend_schema(
        methods=["GET"],
        summary="The identity of a case: case workers of its office only; every read is logged",
        description=(
            "Only the case workers of the case's country office, in a session that passed the "
            "second factor, get an identity; everyone else, administrators and API tokens "
            "included, gets 404. Each read is written to the identity access log (who, when, "
            "which case, from where). The ETag identifies the identity's version."
        ),
        responses={200: s.IdentitySerializer, 404: ERROR_RESPONSES[404]},
    )
    @extend_schema(
        methods=["PUT"],
        summary="Record or replace the identity of a case (fields left out become blank)",
        description=(
            "Case workers of the case's office only (404 for everyone else); logged as a "
            "write. A date of birth fills in the case's age at identification when it has "
            "none and must agree with it when it has one. If-Match is required."
        ),
        request=s.IdentitySerializer,
        parameters=[IDENTITY_IF_MATCH],
        responses={
            200: s.IdentitySerializer,
            400: ERROR_RESPONSES[400],
            404: ERROR_RESPONSES[404],
            412: OpenApiResponse(description="The identity changed since you loaded it."),
            428: OpenApiResponse(description="No If-Match header."),
        },
    )
    @action(
        detail=True,
        methods=["get", "put"],
        renderer_classes=[JSONRenderer],
        # Not WorksOnCases: whoever may not read an identity gets the same 404 for a write.
        permission_classes=viewsets.GenericViewSet.permission_classes,
    )
    @sensitive_variables()
    def identity(self, request, pk=None):
        case = self.get_object()
        if request.method == "GET":
            identity = services.identity_read(user=request.user, case=case, request=request)
        else:
            hide_body_from_error_reports(request)
            serializer = s.IdentitySerializer(data=request.data)
            with transaction.atomic():
                # The case row is the lock identity_save takes: nobody saves in between.
                Case.objects.select_for_update().filter(pk=case.pk).values_list("pk").get()
                check_identity_precondition(request, case)
                serializer.is_valid(raise_exception=True)
                values = serializer.validated_data
                data = {
                    field: values.get(field, None if field == "date_of_birth" else "")
                    for field in IDENTITY_FIELDS
                }
                identity = services.identity_save(
                    user=request.user, case=case, data=data, request=request
                )
        response = Response(s.identity_data(case, identity))
        response["ETag"] = identity_etag(case)
        response["Cache-Control"] = "no-store"
        return response

    def _respond(self, case: Case, code: int = status.HTTP_200_OK, *, reload: bool = True):
        if reload:
            case = (
                Case.objects.filter(pk=case.pk)
                .for_list()
                .select_related("referring_organisation")
                .get()
            )
        response = Response(self.get_serializer(case).data, status=code)
        response["ETag"] = version_etag(case.version)
        return response


# What donors and analysts may narrow case figures by. Finer filters (sex, status, a few
# days) would let two answers be subtracted from each other down to one victim.
AGGREGATE_FILTERS = {"project", "country_office", "identified_from", "identified_to"}
YEAR_BOUNDS = {"identified_from": (1, 1), "identified_to": (12, 31)}


def coarse_filters_only(params) -> None:
    """400 for a filter finer than project, country office and whole years."""
    errors = {}
    for name in params:
        if name in CaseFigureFilter.base_filters and name not in AGGREGATE_FILTERS:
            errors[name] = _("Case figures are narrowed by project, country office and year only.")
    for name, (month, day) in YEAR_BOUNDS.items():
        try:
            value = datetime.date.fromisoformat(params.get(name) or "")
        except ValueError:
            continue  # missing, or left to the filter's own message
        if (value.month, value.day) != (month, day):
            errors[name] = _("Use whole years: from 1 January until 31 December.")
    if errors:
        raise serializers.ValidationError(errors)


class CaseFiguresView(LogsCaseReads, GenericAPIView):
    """Counts of the cases a user may count, for dashboards; never rows."""

    filterset_class = CaseFigureFilter
    filter_backends = [PortalFilterBackend]
    pagination_class = None
    csv_columns = {
        name: name
        for name in ("breakdown", "value", "label", "count", "suppressed", "small_cell_limit")
    }

    def csv_rows(self, data: dict) -> list[dict]:
        """Long format: the two totals, then one row per value of each breakdown."""
        limit = data["small_cell_limit"]
        rows = [
            {"breakdown": name, "small_cell_limit": limit, **data[name]}
            for name in ("identified", "assisted")
        ]
        for name, values in data.items():
            if isinstance(values, list):
                rows += [{"breakdown": name, "small_cell_limit": limit, **row} for row in values]
        return rows

    def get_queryset(self):
        return Case.objects.counted_for(self.request.user)

    @extend_schema(
        summary="Cases identified and assisted, by exploitation type, sex, age band, "
        "nationality and year; services delivered by kind",
        description=(
            "Every role counts the cases in its scope: case workers their office (session "
            "with the second factor only), administrators, M&E officers and analysts every "
            "case, programme officers and donors the cases of their projects. Donors and "
            "analysts see counts from 1 to 10 as `null` with `suppressed: true`, and one more "
            "cell of a breakdown where the hidden one could be found by subtraction; "
            "`small_cell_limit` gives the largest hidden count. Narrowed by the same filters "
            "as the case list; donors and analysts by project, country office and whole "
            "years only (`identified_from` a 1 January, `identified_to` a 31 December). "
            "As CSV (`format=csv`), one row per figure: `breakdown` (identified, assisted, "
            "by_sex, ...), `value`, `label`, `count`, `suppressed`."
        ),
        filters=True,
        responses={200: s.CaseFiguresSerializer, 400: ERROR_RESPONSES[400]},
    )
    def get(self, request):
        limit = access.small_cell_limit(request.user, "case")
        if limit:
            coarse_filters_only(request.query_params)
        scope = self.get_queryset()
        cases = self.filter_queryset(scope)
        # Unfiltered, the figures are the whole scope's (kept as a summary).
        narrowed = None if _same_query(cases, scope) else cases
        figures = selectors.case_figures(user=request.user, cases=narrowed)
        return Response(s.figures_data(figures, limit))


def _same_query(one, other) -> bool:
    try:
        return str(one.query) == str(other.query)
    except EmptyResultSet:  # a scope of nothing
        return False
