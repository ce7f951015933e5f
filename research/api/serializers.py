"""How research records look in the API.

Read serializers shape the output from querysets already scoped and
prefetched by ``research.selectors``; links to records outside the caller's
scope are left out. Write serializers only parse; ``research.services`` owns
every rule (translations, stage dates, scope of the links).
"""

from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from ctportal.api import ChoiceLabelField
from ctportal.uploads import UploadedDocumentSerializerField
from projects.api.serializers import (
    CountryCodeField,
    OrganisationRefSerializer,
    VisiblePrimaryKeyField,
    VisibleSlugField,
)
from projects.models import Country, Indicator, Organisation, Project

from ..models import (
    ActivityKind,
    AwarenessActivity,
    AwarenessAudience,
    Channel,
    Instrument,
    LegislativeStage,
    LegislativeSupport,
    OutputKind,
    OutputStatus,
    ResearchOutput,
    Stage,
    SupportType,
)


class UpperSlugField(VisibleSlugField):
    """An ISO country code in any case."""

    def to_internal_value(self, data):
        return super().to_internal_value(data.upper() if isinstance(data, str) else data)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    language = serializers.CharField()
    url = serializers.SerializerMethodField(
        help_text="The protected download of a file, or the link given instead."
    )

    def get_url(self, attachment) -> str:
        if not attachment.file:
            return attachment.url
        name, parent = (
            ("research:output_file", attachment.output_id)
            if hasattr(attachment, "output_id")
            else ("research:activity_file", attachment.activity_id)
        )
        path = reverse(name, args=[parent, attachment.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ResearchOutputSerializer(serializers.ModelSerializer):
    kind_label = ChoiceLabelField("kind")
    status_label = ChoiceLabelField("status")
    authors = serializers.SerializerMethodField()
    partners = OrganisationRefSerializer(many=True, read_only=True)
    countries = CountryCodeField(many=True)
    projects = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    translation_of = serializers.SerializerMethodField()
    translations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    indicators = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    files = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = ResearchOutput
        fields = [
            "id",
            "kind",
            "kind_label",
            "title",
            "authors",
            "partners",
            "countries",
            "language",
            "translation_of",
            "translations",
            "status",
            "status_label",
            "publication_date",
            "abstract",
            "projects",
            "indicators",
            "files",
            "version",
            "updated_at",
        ]

    def get_authors(self, output) -> list[str]:
        return _lines(output.authors)

    def get_translation_of(self, output) -> int | None:
        return output.translation_of_id if getattr(output, "original_visible", False) else None


class StageSerializer(serializers.ModelSerializer):
    stage_label = ChoiceLabelField("stage")

    class Meta:
        model = LegislativeStage
        fields = ["id", "stage", "stage_label", "date", "note"]


class LegislativeSupportSerializer(serializers.ModelSerializer):
    country = serializers.CharField(
        source="country.code", default=None, allow_null=True, read_only=True
    )
    instrument_label = ChoiceLabelField("instrument")
    current_stage = serializers.CharField(read_only=True, allow_null=True)
    stage_date = serializers.DateField(read_only=True, allow_null=True)
    stages = StageSerializer(many=True, read_only=True)
    support = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    projects = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    outputs = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    indicators = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = LegislativeSupport
        fields = [
            "id",
            "country",
            "instrument",
            "instrument_label",
            "title",
            "reference",
            "description",
            "current_stage",
            "stage_date",
            "stages",
            "support",
            "projects",
            "outputs",
            "indicators",
            "version",
            "updated_at",
        ]


class AwarenessActivitySerializer(serializers.ModelSerializer):
    kind_label = ChoiceLabelField("kind")
    audience_label = ChoiceLabelField("audience")
    channel_label = ChoiceLabelField("channel")
    countries = CountryCodeField(many=True)
    projects = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    materials = serializers.SerializerMethodField()
    indicators = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    files = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = AwarenessActivity
        fields = [
            "id",
            "kind",
            "kind_label",
            "title",
            "description",
            "audience",
            "audience_label",
            "channel",
            "channel_label",
            "countries",
            "start_date",
            "end_date",
            "people_reached",
            "audience_estimate",
            "materials_distributed",
            "reach_note",
            "materials",
            "projects",
            "indicators",
            "files",
            "version",
            "updated_at",
        ]

    def get_materials(self, activity) -> list[str]:
        return _lines(activity.materials)


# Writes ---------------------------------------------------------------------

VERSION = {
    "required": False,
    "min_value": 1,
    "help_text": "The version you edited (or send If-Match).",
}


def _projects():
    return VisibleSlugField(
        Project,
        slug_field="code",
        many=True,
        required=False,
        help_text="Project codes; links to projects outside your scope are kept as they are.",
    )


class ResearchOutputInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OutputKind.choices)
    title = serializers.CharField(max_length=500)
    authors = serializers.CharField(required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    translation_of = VisiblePrimaryKeyField(ResearchOutput, required=False, allow_null=True)
    status = serializers.ChoiceField(choices=OutputStatus.choices, required=False)
    publication_date = serializers.DateField(required=False, allow_null=True)
    abstract = serializers.CharField(required=False, allow_blank=True)
    projects = _projects()
    partners = VisiblePrimaryKeyField(Organisation, many=True, required=False)
    countries = UpperSlugField(Country, slug_field="code", many=True, required=False)
    indicators = VisiblePrimaryKeyField(Indicator, many=True, required=False)
    version = serializers.IntegerField(**VERSION)

    list_fields = ("projects", "partners", "countries", "indicators")


class StageInputSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    date = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class LegislativeSupportInputSerializer(serializers.Serializer):
    country = UpperSlugField(Country, slug_field="code", required=False, allow_null=True)
    instrument = serializers.ChoiceField(choices=Instrument.choices)
    title = serializers.CharField(max_length=500)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=255)
    description = serializers.CharField(required=False, allow_blank=True)
    support = serializers.SlugRelatedField(
        slug_field="code", queryset=SupportType.objects.all(), many=True, required=False
    )
    projects = _projects()
    outputs = VisiblePrimaryKeyField(ResearchOutput, many=True, required=False)
    indicators = VisiblePrimaryKeyField(Indicator, many=True, required=False)
    stages = StageInputSerializer(
        many=True,
        required=False,
        help_text="The dated stages in the order they happened; a list given replaces them.",
    )
    version = serializers.IntegerField(**VERSION)

    list_fields = ("projects", "support", "outputs", "indicators", "stages")


class AwarenessActivityInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    title = serializers.CharField(max_length=500)
    description = serializers.CharField(required=False, allow_blank=True)
    audience = serializers.ChoiceField(choices=AwarenessAudience.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    people_reached = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    audience_estimate = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    materials_distributed = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    reach_note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    materials = serializers.CharField(required=False, allow_blank=True)
    projects = _projects()
    countries = UpperSlugField(Country, slug_field="code", many=True, required=False)
    indicators = VisiblePrimaryKeyField(Indicator, many=True, required=False)
    version = serializers.IntegerField(**VERSION)

    list_fields = ("projects", "countries", "indicators")


class AttachmentInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=255)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, required=False, allow_blank=True, default=""
    )
    file = UploadedDocumentSerializerField(required=False)
    url = serializers.URLField(required=False, allow_blank=True, default="")
