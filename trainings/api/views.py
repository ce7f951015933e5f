"""REST API of trainings, under /api/v1/trainings/.

Every queryset starts from ``visible_to(request.user)``, so a record outside
the caller's scope is a 404 here exactly as on the pages. Writes parse the body
with an input serializer and hand the values to ``trainings.services``.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from ctportal import access
from ctportal.api import expected_version, version_etag
from ctportal.api_csv import HXL_PARAMETER
from ctportal.api_filters import PortalFilterBackend
from ctportal.api_pages import PageFirstListMixin
from dashboards.hxl import dimension_hashtag, label_hashtag
from projects.api.views import ERROR_RESPONSES, ChildCreateMixin
from projects.models import Organisation

from .. import services
from ..breakdowns import DIMENSIONS, protected_counts, training_breakdown
from ..filters import TrainingSessionFilter
from ..models import Attendance, ParticipantCount, TrainingSession
from ..selectors import sessions_with_totals
from . import json_pages, rows
from . import serializers as s

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag of the session as you loaded it (or send `version` in the body).",
)
SESSION_WRITE = {
    "request": s.TrainingSessionInputSerializer,
    "responses": {
        200: s.TrainingSessionSerializer,
        **ERROR_RESPONSES,
        412: OpenApiResponse(description="Someone else saved the session since you loaded it."),
        428: OpenApiResponse(description="No If-Match header and no `version` given."),
    },
    "parameters": [IF_MATCH],
}
SUPPRESSION = (
    "Donors and analysts see counts from 1 to 4 as `null` with `suppressed: true`, so that "
    "no trained person can be singled out; `small_cell_limit` gives the largest hidden count."
)


class SessionWritePermission(permissions.BasePermission):
    """Who may try a write; the service decides again, inside its transaction."""

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return access.can_edit_project(request.user, obj.project)


def _session_details(sessions):
    """Everything a session row shows, in a fixed number of queries."""
    return (
        sessions_with_totals(sessions)
        .select_related("project", "host_country")
        .prefetch_related(
            "audiences",
            Prefetch("partners", queryset=Organisation.objects.order_by("name")),
            Prefetch("facilitators", queryset=Organisation.objects.order_by("name")),
            "indicators",
        )
    )


def _with_parts(sessions):
    # Subquery annotations do not keep Meta.ordering stable across pages.
    return _session_details(sessions).order_by(*TrainingSession._meta.ordering, "pk")


@extend_schema_view(
    list=extend_schema(
        summary="Training sessions in your scope, with participant totals",
        description=SUPPRESSION,
    ),
    retrieve=extend_schema(summary="One session; the ETag header carries its version"),
    create=extend_schema(
        summary="Record a session, optionally with participant totals (counts)",
        request=s.TrainingSessionInputSerializer,
        responses={201: s.TrainingSessionSerializer, **ERROR_RESPONSES},
    ),
    update=extend_schema(summary="Replace a session's values", **SESSION_WRITE),
    partial_update=extend_schema(summary="Change some of a session's values", **SESSION_WRITE),
)
class TrainingSessionViewSet(
    PageFirstListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.TrainingSessionSerializer
    filterset_class = TrainingSessionFilter
    csv_columns = {
        **{name: name for name in ("id", "project", "title", "kind", "kind_label")},
        "topics": ("topics", "\n"),
        **{
            name: name
            for name in (
                "audiences",
                "host_country",
                "city",
                "venue",
                "start_date",
                "end_date",
                "language",
            )
        },
        "partner_ids": "partners.id",
        "partners": "partners.name",
        "facilitator_ids": "facilitators.id",
        "facilitators": "facilitators.name",
        "indicators": "indicators",
        "status": "status",
        "status_label": "status_label",
        "notes": "notes",
        "participants_total": "participants.total",
        "participants_female": "participants.female",
        "participants_male": "participants.male",
        "participants_other": "participants.other",
        "participants_sex_recorded": "participants.sex_recorded",
        "participants_suppressed": "participants.suppressed",
        "version": "version",
        "updated_at": "updated_at",
    }
    permission_classes = [*viewsets.GenericViewSet.permission_classes, SessionWritePermission]
    ordering_fields = [
        "start_date",
        "end_date",
        "title",
        "kind",
        "status",
        "participant_total",
        "updated_at",
    ]
    search_fields = ["title", "topics", "city", "venue", "project__code"]

    def get_queryset(self):
        return _with_parts(TrainingSession.objects.visible_to(self.request.user))

    # Totals only for the page's sessions, unless the list is sorted by them.
    sort_annotations = {"participant_total": sessions_with_totals}

    def get_list_queryset(self):
        return TrainingSession.objects.visible_to(self.request.user).order_by(
            *TrainingSession._meta.ordering, "pk"
        )

    def with_details(self, queryset):
        return _session_details(queryset)

    def page_values(self, queryset):
        return rows.session_values(queryset)

    def page_rows(self, page):
        return rows.session_rows(page, self.request.user)

    def page_json(self):
        return json_pages.session_json(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object(), reload=False)

    def create(self, request, *args, **kwargs):
        if access.role_of(request.user) not in access.PROJECT_EDITORS:
            self.permission_denied(request)
        session = self._save(request, session=None, expected=None)
        response = self._respond(session, status.HTTP_201_CREATED)
        response["Location"] = self.reverse_action("detail", args=[session.pk])
        return response

    def update(self, request, *args, **kwargs):
        session = self.get_object()
        expected = expected_version(request)
        session = self._save(
            request, session=session, expected=expected, partial=kwargs.get("partial")
        )
        return self._respond(session)

    def _save(self, request, *, session, expected, partial=False) -> TrainingSession:
        serializer = s.TrainingSessionInputSerializer(
            data=request.data, partial=bool(partial), context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        lists = {
            name: data.pop(name, None)
            for name in ("audiences", "partners", "facilitators", "indicators", "counts")
        }
        return services.session_save(
            user=request.user, session=session, expected_version=expected, data=data, **lists
        )

    def _respond(self, session, code: int = status.HTTP_200_OK, *, reload: bool = True):
        if reload:
            # The creator gets back what they saved even outside their reading scope.
            session = _with_parts(TrainingSession.objects.filter(pk=session.pk)).get()
        response = Response(self.get_serializer(session).data, status=code)
        response["ETag"] = version_etag(session.version)
        return response


class NoAggregateReaders(permissions.BasePermission):
    """Donors and analysts see trainees as aggregated figures only, never person by person.

    A row (sex, age band, nationality, institution, scores) singles a person out
    wherever their group is small, which the pages show as "<5"; the counts and
    aggregate endpoints give these readers the same figures with small cells hidden.
    """

    message = _(
        "Your role sees trainees as aggregated figures only: "
        "use /api/v1/trainings/aggregate/ and /api/v1/trainings/counts/."
    )

    def has_permission(self, request, view) -> bool:
        return access.role_of(request.user) not in access.AGGREGATE_ONLY


@extend_schema_view(
    list=extend_schema(
        summary="Participants recorded one by one, with their person fields",
        description="`name` is given only to programme officers and administrators; "
        "donors and analysts, who see aggregated figures only (rows of people single them "
        "out in small groups), get 403 in JSON and CSV alike: they read "
        "`/api/v1/trainings/aggregate/` and `/api/v1/trainings/counts/`.",
    ),
    retrieve=extend_schema(summary="One participant of a session"),
    create=extend_schema(
        summary="Add one participant to a session (matched against the register)",
        request=s.ParticipantInputSerializer,
        responses={201: s.ParticipantSerializer, **ERROR_RESPONSES},
    ),
)
class ParticipantViewSet(ChildCreateMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ParticipantSerializer
    input_serializer_class = s.ParticipantInputSerializer
    permission_classes = [*viewsets.ReadOnlyModelViewSet.permission_classes, NoAggregateReaders]
    filterset_fields = {
        "session": ["exact"],
        "session__project__code": ["exact"],
        "person__sex": ["exact"],
        "person__institution_type": ["exact"],
        "attended": ["exact"],
    }
    ordering_fields = ["id", "session__start_date", "pre_score", "post_score"]

    def get_queryset(self):
        return (
            Attendance.objects.visible_to(self.request.user)
            .select_related("person__nationality", "person__country_of_work")
            .order_by("session_id", "pk")
        )

    def perform_write(self, data) -> Attendance:
        session = data.pop("session")
        data["full_name"] = data.pop("name", "")
        try:
            return services.attendances_add(user=self.request.user, session=session, rows=[data])[0]
        except DjangoValidationError as exc:
            raise _participant_errors(exc) from exc


def _participant_errors(exc: DjangoValidationError) -> DjangoValidationError:
    """The service's ``rows[0].field`` keys, named after the fields of this endpoint."""
    if not hasattr(exc, "error_dict"):
        return exc
    renamed: dict[str, list[str]] = {}
    for key, messages in exc.message_dict.items():
        field = key.removeprefix("rows[0]").lstrip(".") or "non_field_errors"
        field = {"full_name": "name", "rows": "session"}.get(field, field)
        renamed.setdefault(field, []).extend(messages)
    return DjangoValidationError(renamed)


@extend_schema_view(
    list=extend_schema(
        summary="Participants known only as totals, by sex, institution type or country",
        description=SUPPRESSION,
    ),
    retrieve=extend_schema(summary="One participant count"),
)
class ParticipantCountViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ParticipantCountSerializer
    filterset_fields = {
        "session": ["exact"],
        "session__project__code": ["exact"],
        "dimension": ["exact"],
    }
    ordering_fields = ["id", "count"]

    def get_serializer(self, *args, **kwargs):
        rows = args[0] if args else kwargs.get("instance")
        limit = access.small_cell_limit(self.request.user, "training")
        if rows is not None and limit:
            rows = list(rows) if isinstance(rows, list | QuerySet) else [rows]
            context = {**self.get_serializer_context(), "cells": protected_counts(rows, limit)}
            kwargs["context"] = context
        return super().get_serializer(*args, **kwargs)

    def get_queryset(self):
        return (
            ParticipantCount.objects.visible_to(self.request.user)
            .select_related("country")
            .order_by("session_id", "pk")
        )


BY = OpenApiParameter(
    "by",
    OpenApiTypes.STR,
    enum=list(DIMENSIONS),
    required=True,
    description="The dimension to total by.",
)


# The aggregate's ``by`` as the metrics' dimension of the same name (for HXL hashtags).
BY_DIMENSION = {"kind": "session_kind"}


class AggregateView(GenericAPIView):
    """Totals of held sessions per value of one dimension, with the session filters."""

    filterset_class = TrainingSessionFilter
    filter_backends = [PortalFilterBackend]
    pagination_class = None
    csv_columns = {
        name: name
        for name in (
            "by",
            "value",
            "label",
            "sessions",
            "people_trained",
            "attendances",
            "suppressed",
            "total",
            "small_cell_limit",
        )
    }

    @property
    def csv_hxl(self) -> dict[str, str]:
        by = BY_DIMENSION.get(self.request.query_params.get("by", ""), "")
        by = by or self.request.query_params.get("by", "")
        return {
            "by": "#meta+dimension",
            "value": dimension_hashtag(by),
            "label": label_hashtag(by),
            "sessions": "#output+sessions+num",
            "people_trained": "#reached+trained",
            "attendances": "#output+attendances+num",
            "suppressed": "#meta+suppressed",
            "total": "#meta+total",
            "small_cell_limit": "#meta+small_cell_limit",
        }

    def csv_rows(self, data: dict) -> list[dict]:
        """One row per value, then the total, marked by ``total``."""
        common = {"by": data["by"], "small_cell_limit": data["small_cell_limit"]}
        rows = [{**common, **row, "total": False} for row in data["results"]]
        total = {"value": None, "label": str(_("Total")), **data["totals"]}
        return [*rows, {**common, **total, "total": True}]

    def get_queryset(self):
        return TrainingSession.objects.visible_to(self.request.user)

    @extend_schema(
        summary="People trained, attendances and sessions per sex, country, audience, "
        "year, kind or institution type",
        description=(
            "Held sessions in your scope, narrowed by the same filters as the session list. "
            "`people_trained` counts each registered person once per value plus "
            "participants known only as totals; `attendances` counts every participation. "
            "A session with several audiences counts under each. As CSV (`format=csv`), one "
            "row per value then the total, marked by `total`; `hxl=1` adds HXL hashtags. "
            + SUPPRESSION
        ),
        parameters=[BY, HXL_PARAMETER],
        filters=True,
        responses={200: s.AggregateSerializer, 400: ERROR_RESPONSES[400]},
    )
    def get(self, request):
        by = request.query_params.get("by", "")
        if by not in DIMENSIONS:
            raise ValidationError({"by": [_("Choose one of: %s.") % ", ".join(DIMENSIONS)]})
        sessions = self.filter_queryset(self.get_queryset())
        narrowed = any(request.query_params.get(name) for name in self.filterset_class.base_filters)
        # Unnarrowed, the whole scope's totals: read from the summaries when current.
        breakdown = training_breakdown(
            user=request.user, by=by, sessions=sessions if narrowed else None
        )
        return Response(s.aggregate_data(breakdown))
