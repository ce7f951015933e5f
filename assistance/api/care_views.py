"""REST API of the care given to a case: services, referrals, shelter stays, notes, shelters.

Rows follow their case (``assistance.api.views.ROWS_POLICY``); notes and
shelters are narrower still: case workers of the office only (shelters also
administrators). Writes parse the body and call ``assistance.care_services``.
"""

from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from ctportal import access
from projects.api.views import ERROR_RESPONSES, ChildCreateMixin

from .. import care_services, selectors
from ..models import CaseNote, Referral, Service, ShelterStay
from . import serializers as s
from .filters import NoteFilter, ReferralFilter, ServiceFilter, ShelterFilter, StayFilter
from .read_log import LogsCaseReads
from .views import ROWS_POLICY, WRITE_POLICY, WorksOnCases, hide_body_from_error_reports

PERMISSIONS = [*viewsets.ReadOnlyModelViewSet.permission_classes, WorksOnCases]


class CareViewSet(LogsCaseReads, ChildCreateMixin, viewsets.ReadOnlyModelViewSet):
    """Rows of a case's care, added one by one through a service."""

    writer_roles = {access.Role.CASE_WORKER}
    permission_classes = PERMISSIONS

    def _act(self, serializer_class, write):
        """Parse the body of an action on one record, call the service, answer the record."""
        record = self.get_object()
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        saved = write(record, serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=saved.pk)).data)


@extend_schema_view(
    list=extend_schema(
        summary="Services delivered to the cases in your scope", description=ROWS_POLICY
    ),
    retrieve=extend_schema(summary="One service delivered", description=ROWS_POLICY),
    create=extend_schema(
        summary="Record a service delivered to a victim",
        description=WRITE_POLICY,
        request=s.ServiceInputSerializer,
        responses={201: s.ServiceSerializer, **ERROR_RESPONSES},
    ),
)
class ServiceViewSet(CareViewSet):
    serializer_class = s.ServiceSerializer
    input_serializer_class = s.ServiceInputSerializer
    filterset_class = ServiceFilter
    ordering_fields = ["start_date", "end_date", "kind", "cost", "created_at"]
    search_fields = ["case__reference", "provider__name"]

    def get_queryset(self):
        return Service.objects.visible_to(self.request.user).select_related("case", "provider")

    def perform_write(self, data) -> Service:
        case = data.pop("case")
        return care_services.service_record(user=self.request.user, case=case, data=data)


@extend_schema_view(
    list=extend_schema(summary="Referrals of the cases in your scope", description=ROWS_POLICY),
    retrieve=extend_schema(summary="One referral", description=ROWS_POLICY),
    create=extend_schema(
        summary="Refer a victim to another organisation",
        description=WRITE_POLICY
        + " Without the victim's consent to be referred (recorded on the case), "
        "`override_reason` is required and the referral is marked as sent without consent.",
        request=s.ReferralInputSerializer,
        responses={201: s.ReferralSerializer, **ERROR_RESPONSES},
    ),
)
class ReferralViewSet(CareViewSet):
    serializer_class = s.ReferralSerializer
    input_serializer_class = s.ReferralInputSerializer
    filterset_class = ReferralFilter
    ordering_fields = ["sent_on", "responded_on", "status"]
    search_fields = ["case__reference", "from_organisation__name", "to_organisation__name"]

    def get_queryset(self):
        return Referral.objects.visible_to(self.request.user).select_related(
            "case", "from_organisation", "to_organisation"
        )

    def perform_write(self, data) -> Referral:
        case = data.pop("case")
        reason = data.pop("override_reason", "")
        return care_services.referral_send(
            user=self.request.user, case=case, data=data, override_reason=reason
        )

    @extend_schema(
        summary="Move a referral on: sent → accepted or declined; accepted → completed or declined",
        description=WRITE_POLICY,
        request=s.ReferralStatusSerializer,
        responses={200: s.ReferralSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        return self._act(
            s.ReferralStatusSerializer,
            lambda referral, values: care_services.referral_update_status(
                user=request.user,
                referral=referral,
                status=values["status"],
                responded_on=values.get("responded_on"),
            ),
        )


@extend_schema_view(
    list=extend_schema(summary="Shelter stays of the cases in your scope", description=ROWS_POLICY),
    retrieve=extend_schema(summary="One shelter stay", description=ROWS_POLICY),
    create=extend_schema(
        summary="Admit a victim to a shelter of your country office, within its capacity",
        description=WRITE_POLICY,
        request=s.AdmitSerializer,
        responses={201: s.StaySerializer, **ERROR_RESPONSES},
    ),
)
class StayViewSet(CareViewSet):
    serializer_class = s.StaySerializer
    input_serializer_class = s.AdmitSerializer
    filterset_class = StayFilter
    ordering_fields = ["admitted_on", "discharged_on"]
    search_fields = ["case__reference", "shelter__name"]

    def get_queryset(self):
        return ShelterStay.objects.visible_to(self.request.user).select_related("case", "shelter")

    def perform_write(self, data) -> ShelterStay:
        return care_services.stay_admit(user=self.request.user, **data)

    @extend_schema(
        summary="Record the end of a shelter stay",
        description=WRITE_POLICY,
        request=s.DischargeSerializer,
        responses={200: s.StaySerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def discharge(self, request, pk=None):
        return self._act(
            s.DischargeSerializer,
            lambda stay, values: care_services.stay_discharge(
                user=request.user, stay=stay, discharged_on=values["discharged_on"]
            ),
        )


NOTES_POLICY = (
    "Case notes may name people: only the case workers of the case's country office, in a "
    "session that passed the second factor, read or add them. Everyone else, administrators "
    "and API tokens included, gets an empty list and 404. Notes are not offered as CSV."
)


@extend_schema_view(
    list=extend_schema(summary="Notes on the cases of your office", description=NOTES_POLICY),
    retrieve=extend_schema(summary="One case note", description=NOTES_POLICY),
    create=extend_schema(
        summary="Add a note (text only; attachments are added on the case page)",
        description=NOTES_POLICY,
        request=s.NoteInputSerializer,
        responses={201: s.NoteSerializer, **ERROR_RESPONSES},
    ),
)
class NoteViewSet(CareViewSet):
    serializer_class = s.NoteSerializer
    input_serializer_class = s.NoteInputSerializer
    filterset_class = NoteFilter
    ordering_fields = ["written_at"]
    # Spreadsheets of notes would carry names out of the portal.
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]

    def get_queryset(self):
        return CaseNote.objects.visible_to(self.request.user).select_related("case", "author")

    @sensitive_variables()
    def create(self, request, *args, **kwargs):
        # A note may name people: its body stays out of error reports, as an identity's does.
        hide_body_from_error_reports(request)
        return super().create(request, *args, **kwargs)

    @sensitive_variables()
    def perform_write(self, data) -> CaseNote:
        return care_services.note_add(user=self.request.user, case=data["case"], text=data["text"])


class WorksOnShelters(permissions.BasePermission):
    message = _("Only administrators and case workers of a country office record shelters.")

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        role = access.role_of(request.user)
        return role == access.Role.ADMINISTRATOR or access.case_office_id(request.user) is not None


SHELTERS_POLICY = (
    "Where a shelter is protects the people in it: administrators see every shelter, case "
    "workers of a country office (session with the second factor) the shelters of its "
    "country; everyone else gets an empty list and 404."
)


@extend_schema_view(
    list=extend_schema(
        summary="Shelters with their capacity and current occupancy",
        description=SHELTERS_POLICY,
    ),
    retrieve=extend_schema(summary="One shelter", description=SHELTERS_POLICY),
    create=extend_schema(
        summary="Record a shelter (case workers: in the country of their office)",
        description=SHELTERS_POLICY,
        request=s.ShelterInputSerializer,
        responses={201: s.ShelterSerializer, **ERROR_RESPONSES},
    ),
)
class ShelterViewSet(ChildCreateMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ShelterSerializer
    input_serializer_class = s.ShelterInputSerializer
    filterset_class = ShelterFilter
    permission_classes = [*viewsets.ReadOnlyModelViewSet.permission_classes, WorksOnShelters]
    writer_roles = {access.Role.ADMINISTRATOR, access.Role.CASE_WORKER}
    ordering_fields = ["name", "capacity", "occupancy"]
    search_fields = ["name"]

    def get_queryset(self):
        return selectors.shelter_occupancy(user=self.request.user)

    def perform_write(self, data):
        return care_services.shelter_save(user=self.request.user, data=data)
