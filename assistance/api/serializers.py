"""How victim assistance looks in the API.

Read serializers shape case rows and the care given; none of them has a
field of the identity, which has its own serializer used by one endpoint
only. Write serializers only parse and check types and codes;
``assistance.services`` and ``assistance.care_services`` own every rule.
"""

from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ctportal.api import ChoiceLabelField
from projects.api.serializers import (
    OrganisationRefSerializer,
    VisiblePrimaryKeyField,
    VisibleSlugField,
)
from projects.models import MONEY, Country, Organisation, Project
from trainings.api.serializers import UpperSlugField

from ..models import Case, CaseNote, Referral, Service, Shelter, ShelterStay
from ..services import IDENTITY_FIELDS
from ..vocabulary import (
    AgeBand,
    CaseStatus,
    ClosureReason,
    ExploitationType,
    IdentifiedBy,
    LabourSector,
    MeansOfControl,
    RecruiterRelation,
    ReferralStatus,
    ServiceKind,
    Sex,
    Vulnerability,
)
from .fields import CodeField, CountryCodeField, code_list

# Reads ----------------------------------------------------------------------


class CaseSerializer(serializers.ModelSerializer):
    """A case row: the non-identifying CTDC variables, its status and the victim's consents."""

    country_office = serializers.CharField(source="country_office.code", read_only=True)
    project = serializers.CharField(source="project.code", read_only=True)
    identified_by = CodeField(IdentifiedBy, read_only=True)
    referring_organisation = OrganisationRefSerializer(read_only=True, allow_null=True)
    sex = CodeField(Sex, read_only=True, allow_blank=True)
    age_band = CodeField(AgeBand, read_only=True, allow_blank=True)
    citizenship = CountryCodeField(read_only=True, allow_blank=True)
    country_of_origin = CountryCodeField(read_only=True, allow_blank=True)
    transit_countries = serializers.ListField(
        child=CountryCodeField(), read_only=True, help_text="In the order of the route."
    )
    country_of_exploitation = CountryCodeField(read_only=True, allow_blank=True)
    exploitation_types = code_list(ExploitationType, read_only=True)
    labour_sector = CodeField(LabourSector, read_only=True, allow_blank=True)
    means_of_control = code_list(MeansOfControl, read_only=True)
    recruiter_relation = CodeField(RecruiterRelation, read_only=True, allow_blank=True)
    vulnerabilities = code_list(Vulnerability, read_only=True)
    status = CodeField(CaseStatus, read_only=True)
    status_label = ChoiceLabelField("status")
    closure_reason = CodeField(ClosureReason, read_only=True, allow_blank=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "country_office",
            "project",
            "identification_date",
            "identified_by",
            "referring_organisation",
            "sex",
            "age_at_identification",
            "age_band",
            "citizenship",
            "country_of_origin",
            "transit_countries",
            "country_of_exploitation",
            "exploitation_types",
            "labour_sector",
            "means_of_control",
            "recruiter_relation",
            "vulnerabilities",
            "status",
            "status_label",
            "closure_reason",
            "closed_on",
            "consent_assistance",
            "consent_referral",
            "consent_share_data",
            "consent_date",
            "version",
            "created_at",
            "updated_at",
        ]


class CaseChildSerializer(serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id", read_only=True)
    case_reference = serializers.CharField(source="case.reference", read_only=True)


class ServiceSerializer(CaseChildSerializer):
    kind = CodeField(ServiceKind, read_only=True)
    kind_label = ChoiceLabelField("kind")
    provider = OrganisationRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Service
        fields = ["id", "case", "case_reference", "kind", "kind_label", "provider"]
        fields += ["start_date", "end_date", "cost", "currency", "created_at"]


class ReferralSerializer(CaseChildSerializer):
    from_organisation = OrganisationRefSerializer(read_only=True)
    to_organisation = OrganisationRefSerializer(read_only=True)
    service_kind = CodeField(ServiceKind, read_only=True, allow_blank=True)
    status = CodeField(ReferralStatus, read_only=True)
    status_label = ChoiceLabelField("status")

    class Meta:
        model = Referral
        fields = ["id", "case", "case_reference", "from_organisation", "to_organisation"]
        fields += ["service_kind", "sent_on", "status", "status_label", "responded_on"]
        fields += ["consent_override", "override_reason"]


class StaySerializer(CaseChildSerializer):
    shelter = serializers.IntegerField(source="shelter_id", read_only=True)
    shelter_name = serializers.CharField(source="shelter.name", read_only=True)

    class Meta:
        model = ShelterStay
        fields = ["id", "case", "case_reference", "shelter", "shelter_name"]
        fields += ["admitted_on", "discharged_on"]


class NoteSerializer(CaseChildSerializer):
    author = serializers.CharField(source="author.username", read_only=True)
    has_attachment = serializers.SerializerMethodField(
        help_text="Attachments are downloaded from the case page, not through the API."
    )

    class Meta:
        model = CaseNote
        fields = ["id", "case", "case_reference", "author", "written_at", "text"]
        fields += ["attachment_title", "has_attachment"]

    def get_has_attachment(self, note) -> bool:
        return bool(note.attachment)


class ShelterSerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer(read_only=True)
    country = serializers.CharField(source="country.code", read_only=True)
    occupancy = serializers.IntegerField(read_only=True, help_text="People staying there today.")
    free_places = serializers.SerializerMethodField()

    class Meta:
        model = Shelter
        fields = ["id", "name", "organisation", "country", "capacity", "occupancy"]
        fields += ["free_places"]

    def get_free_places(self, shelter) -> int:
        return max(shelter.capacity - (getattr(shelter, "occupancy", 0) or 0), 0)


class IdentitySerializer(serializers.Serializer):
    """Who the victim is: only the case workers of the case's office ever get this."""

    case = serializers.IntegerField(read_only=True)
    recorded = serializers.BooleanField(
        read_only=True, help_text="False when no identity has been recorded yet."
    )
    given_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    family_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    other_names = serializers.CharField(required=False, allow_blank=True, max_length=500)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=100)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    address = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    documents = serializers.CharField(required=False, allow_blank=True, max_length=1000)


def identity_data(case: Case, identity) -> dict:
    """What the identity endpoint answers: blank values when nothing is recorded yet."""
    values = {field: getattr(identity, field, None) for field in IDENTITY_FIELDS}
    if identity is None:
        values = {field: None if field == "date_of_birth" else "" for field in IDENTITY_FIELDS}
    return {"case": case.pk, "recorded": identity is not None, **values}


# Figures --------------------------------------------------------------------


class FigureSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        allow_null=True, help_text="Null (with `suppressed`) when hidden from you."
    )
    suppressed = serializers.BooleanField()


class FigureRowSerializer(FigureSerializer):
    value = serializers.CharField(
        help_text="The code (CTDC code, ISO country, service) or the year; empty: not recorded."
    )
    label = serializers.CharField()


class CaseFiguresSerializer(serializers.Serializer):
    small_cell_limit = serializers.IntegerField(
        help_text="Counts from 1 to this number are hidden (0: nothing is hidden)."
    )
    identified = FigureSerializer()
    assisted = FigureSerializer(help_text="Cases with at least one service delivered.")
    by_exploitation = FigureRowSerializer(
        many=True, help_text="A case may have several types of exploitation."
    )
    by_sex = FigureRowSerializer(many=True)
    by_age_band = FigureRowSerializer(many=True)
    by_nationality = FigureRowSerializer(many=True)
    by_year = FigureRowSerializer(many=True)
    services_by_kind = FigureRowSerializer(many=True)


NOT_RECORDED = _("Not recorded")


def _label(vocabulary, code) -> str:
    return str(vocabulary(code).label) if code in vocabulary.values else str(code)


def figures_data(figures, limit: int) -> dict:
    """A ``selectors.CaseFigures`` as the figures endpoint answers it."""

    def cell(figure) -> dict:
        hidden = figure.suppressed
        return {"count": None if hidden else figure.value or 0, "suppressed": hidden}

    def rows(cells: dict, label) -> list[dict]:
        return [
            {"value": str(key), "label": label(key) if key else str(NOT_RECORDED), **cell(c)}
            for key, c in cells.items()
        ]

    return {
        "small_cell_limit": limit,
        "identified": cell(figures.identified),
        "assisted": cell(figures.assisted),
        "by_exploitation": rows(figures.by_exploitation, lambda c: _label(ExploitationType, c)),
        "by_sex": rows(figures.by_sex, lambda c: _label(Sex, c)),
        "by_age_band": rows(figures.by_age_band, lambda c: _label(AgeBand, c)),
        "by_nationality": rows(figures.by_nationality, lambda c: str(countries.name(c) or c)),
        "by_year": rows(figures.by_year, str),
        "services_by_kind": rows(figures.services_by_kind, lambda c: _label(ServiceKind, c)),
    }


# Writes ---------------------------------------------------------------------


@extend_schema_field(IdentitySerializer)
class IdentityInputField(serializers.Field):
    def to_internal_value(self, data):
        identity = IdentitySerializer(data=data, context=self.context)
        if not identity.is_valid():
            raise serializers.ValidationError(identity.errors)
        return identity.validated_data


class CaseInputSerializer(serializers.Serializer):
    """A case's fields; code lists replace the stored ones."""

    project = VisibleSlugField(Project, slug_field="code")
    identification_date = serializers.DateField()
    identified_by = CodeField(IdentifiedBy)
    referring_organisation = VisiblePrimaryKeyField(Organisation, required=False, allow_null=True)
    sex = CodeField(Sex, required=False, allow_blank=True)
    age_at_identification = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=120
    )
    citizenship = CountryCodeField(required=False, allow_blank=True)
    country_of_origin = CountryCodeField(required=False, allow_blank=True)
    transit_countries = serializers.ListField(
        child=CountryCodeField(), required=False, help_text="In the order of the route."
    )
    country_of_exploitation = CountryCodeField(required=False, allow_blank=True)
    exploitation_types = code_list(ExploitationType, required=False)
    labour_sector = CodeField(LabourSector, required=False, allow_blank=True)
    means_of_control = code_list(MeansOfControl, required=False)
    recruiter_relation = CodeField(RecruiterRelation, required=False, allow_blank=True)
    vulnerabilities = code_list(Vulnerability, required=False)
    status = CodeField(
        CaseStatus,
        required=False,
        help_text="Close a case with its `close` action, which needs a reason.",
    )
    consent_assistance = serializers.BooleanField(required=False)
    consent_referral = serializers.BooleanField(required=False)
    consent_share_data = serializers.BooleanField(required=False)
    consent_date = serializers.DateField(required=False, allow_null=True)
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The version you edited (or send If-Match)."
    )


class CaseRegisterSerializer(CaseInputSerializer):
    identity = IdentityInputField(
        required=False,
        write_only=True,
        help_text="The identity, recorded (and logged) with the case in one transaction.",
    )


class CaseCloseSerializer(serializers.Serializer):
    closure_reason = CodeField(ClosureReason)
    closed_on = serializers.DateField(required=False, help_text="Today when not given.")
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The version you closed (or send If-Match)."
    )


class ServiceInputSerializer(serializers.Serializer):
    case = VisiblePrimaryKeyField(Case)
    kind = CodeField(ServiceKind)
    provider = VisiblePrimaryKeyField(Organisation, required=False, allow_null=True)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    cost = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    currency = serializers.CharField(required=False, max_length=3)


class ReferralInputSerializer(serializers.Serializer):
    case = VisiblePrimaryKeyField(Case)
    from_organisation = VisiblePrimaryKeyField(Organisation)
    to_organisation = VisiblePrimaryKeyField(Organisation)
    service_kind = CodeField(ServiceKind, required=False, allow_blank=True)
    sent_on = serializers.DateField(required=False, help_text="Today when not given.")
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Required when the victim has not consented to be referred.",
    )


class ReferralStatusSerializer(serializers.Serializer):
    status = CodeField(ReferralStatus)
    responded_on = serializers.DateField(required=False, help_text="Today when not given.")


class AdmitSerializer(serializers.Serializer):
    case = VisiblePrimaryKeyField(Case)
    shelter = VisiblePrimaryKeyField(Shelter)
    admitted_on = serializers.DateField()


class DischargeSerializer(serializers.Serializer):
    discharged_on = serializers.DateField()


class NoteInputSerializer(serializers.Serializer):
    case = VisiblePrimaryKeyField(Case)
    text = serializers.CharField(max_length=20000)


class ShelterInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    organisation = VisiblePrimaryKeyField(Organisation)
    country = UpperSlugField(Country, slug_field="code")
    capacity = serializers.IntegerField(min_value=1)
