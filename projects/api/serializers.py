"""How projects data looks in the API.

Read serializers shape the output. Write serializers only parse and check
types; the services in ``projects.services`` own every rule about what may be
saved (ranges, currencies, dates, percentages, duplicates).
"""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ctportal.api import ChoiceLabelField

from ..models import (
    ActivityScope,
    AidType,
    BudgetNotProvided,
    CollaborationType,
    Country,
    Document,
    FinanceType,
    FlowType,
    Funding,
    Indicator,
    IndicatorMeasure,
    IndicatorPeriod,
    Organisation,
    OrganisationRole,
    ParticipatingOrganisation,
    Project,
    ProjectSector,
    ProjectStatus,
    RecipientCountry,
    Result,
    ResultKind,
    SectorCode,
    ThematicArea,
    TiedStatus,
    Transaction,
    TransactionKind,
)

MONEY = {"max_digits": 16, "decimal_places": 2}


class VisibleRelatedMixin:
    """A related field that accepts only records the caller may see.

    The queryset is resolved when the value is parsed, from the request in the
    serializer's context, so nested rows are scoped like top-level fields.
    """

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(queryset=model.objects.none(), **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.model.objects.visible_to(getattr(request, "user", None))


class VisiblePrimaryKeyField(VisibleRelatedMixin, serializers.PrimaryKeyRelatedField):
    pass


class VisibleSlugField(VisibleRelatedMixin, serializers.SlugRelatedField):
    pass


class CountryCodeField(serializers.SlugRelatedField):
    """Countries as their ISO 3166-1 alpha-2 codes.

    ``Country.code`` is a django-countries field whose value is an object, not
    a string; JSON and CSV need the plain code.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(slug_field="code", **kwargs)

    def to_representation(self, obj) -> str:
        return str(obj.code)


# Reads ----------------------------------------------------------------------


class CountrySerializer(serializers.ModelSerializer):
    code = serializers.CharField()
    name = serializers.CharField(read_only=True)
    region_label = ChoiceLabelField("region")

    class Meta:
        model = Country
        fields = ["code", "name", "name_en", "name_ar", "name_fr", "region", "region_label"]


class OrganisationSerializer(serializers.ModelSerializer):
    country = serializers.CharField(
        source="country.code", default=None, allow_null=True, read_only=True
    )
    kind_label = ChoiceLabelField("kind")
    iati_type = serializers.CharField(read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "name_ar",
            "name_fr",
            "acronym",
            "kind",
            "kind_label",
            "country",
            "iati_identifier",
            "iati_type",
        ]


class OrganisationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "name_ar", "name_fr", "acronym"]


class ThematicAreaSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = ThematicArea
        fields = ["code", "name"]


class FundingSerializer(serializers.ModelSerializer):
    donor = OrganisationRefSerializer(read_only=True)
    share = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        read_only=True,
        allow_null=True,
        help_text="Percent of the project budget (null without a budget).",
    )

    class Meta:
        model = Funding
        fields = ["donor", "amount", "currency", "share"]


class RecipientCountrySerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code", read_only=True)
    name = serializers.CharField(source="country.name", read_only=True)

    class Meta:
        model = RecipientCountry
        fields = ["country", "name", "percentage"]


class ParticipationSerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer(read_only=True)
    role_label = ChoiceLabelField("role")

    class Meta:
        model = ParticipatingOrganisation
        fields = ["organisation", "role", "role_label"]


class SectorSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectSector
        fields = ["code", "percentage"]


class ProjectSerializer(serializers.ModelSerializer):
    status_label = ChoiceLabelField("status")
    reporting_organisation = OrganisationRefSerializer(read_only=True)
    thematic_areas = ThematicAreaSerializer(many=True, read_only=True)
    fundings = FundingSerializer(many=True, read_only=True)
    countries = RecipientCountrySerializer(many=True, read_only=True, source="recipient_countries")
    participating_organisations = ParticipationSerializer(many=True, read_only=True)
    sectors = SectorSerializer(many=True, read_only=True)
    spent = serializers.SerializerMethodField(
        help_text="Disbursements and expenditure recorded in the project's currency."
    )
    target_groups = serializers.ListField(source="target_group_list", read_only=True)
    objectives = serializers.ListField(source="objective_list", read_only=True)
    key_achievements = serializers.ListField(source="achievement_list", read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "code",
            "iati_identifier",
            "title",
            "title_ar",
            "title_fr",
            "description",
            "status",
            "status_label",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "budget",
            "currency",
            "spent",
            "reporting_organisation",
            "thematic_areas",
            "fundings",
            "countries",
            "participating_organisations",
            "target_groups",
            "objectives",
            "key_achievements",
            "text_language",
            "budget_not_provided",
            "default_flow_type",
            "default_finance_type",
            "default_aid_type",
            "default_tied_status",
            "collaboration_type",
            "activity_scope",
            "contact_email",
            "sectors",
            "version",
            "updated_at",
        ]

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_spent(self, project) -> str:
        return f"{getattr(project, 'spent', None) or 0:.2f}"


class TransactionSerializer(serializers.ModelSerializer):
    project = serializers.CharField(source="project.code", read_only=True)
    kind_label = ChoiceLabelField("kind")
    provider = OrganisationRefSerializer(read_only=True, allow_null=True)
    receiver = OrganisationRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Transaction
        fields = [
            "id",
            "project",
            "kind",
            "kind_label",
            "date",
            "value",
            "currency",
            "provider",
            "receiver",
            "description",
        ]


class DisaggregationSerializer(serializers.Serializer):
    sex = serializers.CharField()
    country = serializers.CharField(source="country.code", default=None, allow_null=True)
    target = serializers.DecimalField(**MONEY, allow_null=True)
    actual = serializers.DecimalField(**MONEY, allow_null=True)


class PeriodSerializer(serializers.ModelSerializer):
    disaggregations = DisaggregationSerializer(many=True, read_only=True)

    class Meta:
        model = IndicatorPeriod
        fields = [
            "period_start",
            "period_end",
            "target",
            "actual",
            "target_comment",
            "actual_comment",
            "disaggregations",
        ]


class ResultSerializer(serializers.ModelSerializer):
    project = serializers.CharField(source="project.code", read_only=True)
    kind_label = ChoiceLabelField("kind")

    class Meta:
        model = Result
        fields = ["id", "project", "kind", "kind_label", "title", "description", "order"]


class IndicatorSerializer(serializers.ModelSerializer):
    project = serializers.CharField(source="result.project.code", read_only=True)
    result = serializers.IntegerField(source="result_id", read_only=True)
    result_title = serializers.CharField(source="result.title", read_only=True)
    measure_label = ChoiceLabelField("measure")
    periods = PeriodSerializer(many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "id",
            "project",
            "result",
            "result_title",
            "title",
            "title_ar",
            "title_fr",
            "measure",
            "measure_label",
            "unit",
            "unit_ar",
            "unit_fr",
            "ascending",
            "baseline_year",
            "baseline_value",
            "baseline_comment",
            "order",
            "periods",
        ]


class DocumentSerializer(serializers.ModelSerializer):
    project = serializers.CharField(source="project.code", read_only=True)
    category_label = ChoiceLabelField("category")
    file = serializers.SerializerMethodField(
        help_text="Download address of the attached file; it applies the same access policy."
    )

    class Meta:
        model = Document
        fields = [
            "id",
            "project",
            "title",
            "category",
            "category_label",
            "language",
            "file",
            "url",
            "document_date",
            "is_public",
        ]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_file(self, document: Document) -> str | None:
        if not document.file:
            return None
        path = reverse("projects:document", args=[document.project_id, document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


# Writes ---------------------------------------------------------------------


class FundingInputSerializer(serializers.Serializer):
    donor = VisiblePrimaryKeyField(Organisation)
    amount = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    currency = serializers.CharField(required=False)


class RecipientCountryInputSerializer(serializers.Serializer):
    country = VisibleSlugField(Country, slug_field="code")
    percentage = serializers.DecimalField(max_digits=5, decimal_places=2)

    def to_internal_value(self, data):
        if isinstance(data, dict) and isinstance(data.get("country"), str):
            data = {**data, "country": data["country"].upper()}
        return super().to_internal_value(data)


class ParticipationInputSerializer(serializers.Serializer):
    organisation = VisiblePrimaryKeyField(Organisation)
    role = serializers.ChoiceField(choices=OrganisationRole.choices)


class RowsField(serializers.Field):
    """A list of complete rows, even inside a PATCH.

    A nested serializer inherits ``partial`` from its root, which would let a
    PATCH send half a row; a list given here replaces the stored rows, so each
    row must be whole.
    """

    row_serializer: type[serializers.Serializer]

    def to_internal_value(self, data):
        rows = self.row_serializer(data=data, many=True, context=self.context)
        if not rows.is_valid():
            raise serializers.ValidationError(rows.errors)
        return rows.validated_data

    def to_representation(self, value):
        return self.row_serializer(value, many=True, context=self.context).data


@extend_schema_field(FundingInputSerializer(many=True))
class FundingRows(RowsField):
    row_serializer = FundingInputSerializer


@extend_schema_field(RecipientCountryInputSerializer(many=True))
class RecipientCountryRows(RowsField):
    row_serializer = RecipientCountryInputSerializer


class SectorInputSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=SectorCode.choices)
    percentage = serializers.DecimalField(max_digits=5, decimal_places=2)


@extend_schema_field(SectorInputSerializer(many=True))
class SectorRows(RowsField):
    row_serializer = SectorInputSerializer


@extend_schema_field(ParticipationInputSerializer(many=True))
class ParticipationRows(RowsField):
    row_serializer = ParticipationInputSerializer


class ProjectInputSerializer(serializers.Serializer):
    """A project with its inline parts; a list given replaces the stored one."""

    code = serializers.CharField()
    iati_identifier = serializers.CharField()
    title = serializers.CharField(help_text="The main title, in English or as published.")
    title_ar = serializers.CharField(required=False, allow_blank=True, max_length=255)
    title_fr = serializers.CharField(required=False, allow_blank=True, max_length=255)
    description = serializers.CharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=ProjectStatus.choices, required=False)
    planned_start = serializers.DateField()
    planned_end = serializers.DateField()
    actual_start = serializers.DateField(required=False, allow_null=True)
    actual_end = serializers.DateField(required=False, allow_null=True)
    budget = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    currency = serializers.CharField(required=False)
    reporting_organisation = VisiblePrimaryKeyField(Organisation)
    target_groups = serializers.CharField(required=False, allow_blank=True)
    objectives = serializers.CharField(required=False, allow_blank=True)
    key_achievements = serializers.CharField(required=False, allow_blank=True)
    text_language = serializers.ChoiceField(
        choices=Project._meta.get_field("text_language").choices,
        required=False,
        help_text="Language the title, description and results are written in.",
    )
    budget_not_provided = serializers.ChoiceField(
        choices=BudgetNotProvided.choices,
        required=False,
        allow_blank=True,
        help_text="IATI BudgetNotProvided code: why budget is null. Only with a null budget.",
    )
    default_flow_type = serializers.ChoiceField(choices=FlowType.choices, required=False)
    default_finance_type = serializers.ChoiceField(choices=FinanceType.choices, required=False)
    default_aid_type = serializers.ChoiceField(choices=AidType.choices, required=False)
    default_tied_status = serializers.ChoiceField(choices=TiedStatus.choices, required=False)
    collaboration_type = serializers.ChoiceField(choices=CollaborationType.choices, required=False)
    activity_scope = serializers.ChoiceField(
        choices=ActivityScope.choices, required=False, allow_blank=True
    )
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    sectors = SectorRows(required=False)
    thematic_areas = serializers.SlugRelatedField(
        slug_field="code", queryset=ThematicArea.objects.all(), many=True, required=False
    )
    fundings = FundingRows(required=False)
    countries = RecipientCountryRows(required=False)
    participating_organisations = ParticipationRows(required=False)
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The version you edited (or send If-Match)."
    )


class TransactionInputSerializer(serializers.Serializer):
    project = VisibleSlugField(Project, slug_field="code")
    kind = serializers.ChoiceField(choices=TransactionKind.choices)
    date = serializers.DateField()
    value = serializers.DecimalField(**MONEY)
    currency = serializers.CharField(required=False)
    provider = VisiblePrimaryKeyField(Organisation, required=False, allow_null=True)
    receiver = VisiblePrimaryKeyField(Organisation, required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True)


class ResultInputSerializer(serializers.Serializer):
    project = VisibleSlugField(Project, slug_field="code")
    kind = serializers.ChoiceField(choices=ResultKind.choices, required=False)
    title = serializers.CharField()
    description = serializers.CharField(required=False, allow_blank=True)
    order = serializers.IntegerField(required=False, min_value=0, max_value=32767)


class PeriodInputSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    target = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    actual = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    target_comment = serializers.CharField(required=False, allow_blank=True)
    actual_comment = serializers.CharField(required=False, allow_blank=True)


class IndicatorInputSerializer(serializers.Serializer):
    result = VisiblePrimaryKeyField(Result)
    title = serializers.CharField()
    title_ar = serializers.CharField(required=False, allow_blank=True, max_length=255)
    title_fr = serializers.CharField(required=False, allow_blank=True, max_length=255)
    measure = serializers.ChoiceField(choices=IndicatorMeasure.choices, required=False)
    unit = serializers.CharField(required=False, allow_blank=True)
    unit_ar = serializers.CharField(required=False, allow_blank=True, max_length=64)
    unit_fr = serializers.CharField(required=False, allow_blank=True, max_length=64)
    ascending = serializers.BooleanField(required=False)
    baseline_year = serializers.IntegerField(
        required=False, allow_null=True, min_value=1900, max_value=2100
    )
    baseline_value = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    baseline_comment = serializers.CharField(required=False, allow_blank=True)
    order = serializers.IntegerField(required=False, min_value=0, max_value=32767)
    periods = PeriodInputSerializer(many=True, required=False)
