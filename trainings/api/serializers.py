"""How trainings look in the API.

Read serializers shape the output; small counts are hidden from aggregate-only
viewers (donors, analysts) and participant names from everyone who may not see
them. Write serializers only parse; ``trainings.services`` owns every rule.
"""

import functools

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ctportal import access
from ctportal.api import ChoiceLabelField
from projects.api.serializers import (
    OrganisationRefSerializer,
    RowsField,
    VisiblePrimaryKeyField,
    VisibleSlugField,
)
from projects.models import Country, Indicator, Organisation, Project, Sex

from ..breakdowns import shown_value, suppressed_value
from ..models import (
    AgeBand,
    Attendance,
    Audience,
    CountDimension,
    InstitutionType,
    ParticipantCount,
    SessionKind,
    SessionStatus,
    TrainingSession,
)
from ..page_selectors import session_cells
from ..vocabulary import Vocabulary

SCORE = {"max_digits": 5, "decimal_places": 2, "min_value": 0, "max_value": 100}


def _limit(context) -> int:
    request = context.get("request")
    return access.small_cell_limit(getattr(request, "user", None), "training")


class UpperSlugField(VisibleSlugField):
    """An ISO country code in any case."""

    def to_internal_value(self, data):
        return super().to_internal_value(data.upper() if isinstance(data, str) else data)


@functools.cache
def _words() -> Vocabulary:
    # Labels come from the translation catalogues, which do not change while running.
    return Vocabulary()


class WordChoiceField(serializers.ChoiceField):
    """A code, or a word ``trainings.vocabulary`` accepts for it: the code in any case
    (``F``/``M`` for sex), or the label in English, Arabic or French."""

    def __init__(self, column: str, **kwargs):
        self.column = column
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and data.strip():
            data = _words().choice(self.column, data) or data
        return super().to_internal_value(data)


class CountryWordField(UpperSlugField):
    """A country as its ISO code in any case, or its name in English, Arabic or French."""

    def to_internal_value(self, data):
        if isinstance(data, str) and len(data.strip()) > 2:
            # One read of the countries per request, however many rows name one.
            if not hasattr(self, "_countries"):
                self._countries = Vocabulary()
            country = self._countries.country(data)
            data = str(country.code) if country is not None else data
        return super().to_internal_value(data)


class ParticipantTotalsSerializer(serializers.Serializer):
    total = serializers.IntegerField(allow_null=True)
    female = serializers.IntegerField(
        allow_null=True, help_text="Null when hidden, or when sex_recorded is false."
    )
    male = serializers.IntegerField(
        allow_null=True, help_text="Null when hidden, or when sex_recorded is false."
    )
    other = serializers.IntegerField(
        allow_null=True,
        help_text="Participants recorded as other or with no sex stated, apart from women and men.",
    )
    sex_recorded = serializers.BooleanField(
        help_text="False when no participant is recorded as a woman or a man: their sex was "
        "not recorded, which is not the same as no women and no men."
    )
    suppressed = serializers.BooleanField(
        help_text="True when a count from 1 to 4 is hidden (null) for aggregate-only viewers."
    )


# Reads ----------------------------------------------------------------------


class TrainingSessionSerializer(serializers.ModelSerializer):
    project = serializers.CharField(source="project.code", read_only=True)
    kind_label = ChoiceLabelField("kind")
    status_label = ChoiceLabelField("status")
    topics = serializers.SerializerMethodField()
    audiences = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    host_country = serializers.CharField(source="host_country.code", read_only=True)
    partners = OrganisationRefSerializer(many=True, read_only=True)
    facilitators = OrganisationRefSerializer(many=True, read_only=True)
    indicators = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    participants = serializers.SerializerMethodField()

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "project",
            "title",
            "kind",
            "kind_label",
            "topics",
            "audiences",
            "host_country",
            "city",
            "venue",
            "start_date",
            "end_date",
            "language",
            "partners",
            "facilitators",
            "indicators",
            "status",
            "status_label",
            "notes",
            "participants",
            "version",
            "updated_at",
        ]

    def get_topics(self, session) -> list[str]:
        return [line.strip() for line in session.topics.splitlines() if line.strip()]

    @extend_schema_field(ParticipantTotalsSerializer)
    def get_participants(self, session) -> dict:
        return participant_totals(session, _limit(self.context))


def participant_totals(session, limit: int) -> dict:
    """A session's ``participants`` as the API shows them, from anything that carries its
    totals (a session with ``sessions_with_totals``'s annotations, or a row of them).

    Women and men are protected together: with the total, one gives the other away.
    """
    cells = session_cells(session, limit)
    shown, hidden = {}, False
    for name in ("total", "female", "male", "other"):
        value, suppressed = shown_value(cells[name])
        shown[name] = value
        hidden = hidden or suppressed
    if not cells["sex_recorded"]:
        shown["female"] = shown["male"] = None
    return {**shown, "sex_recorded": cells["sex_recorded"], "suppressed": hidden}


class ParticipantSerializer(serializers.ModelSerializer):
    """One attendance with the person's fields; ``name`` only for those who may see names."""

    session = serializers.IntegerField(source="session_id", read_only=True)
    person = serializers.IntegerField(source="person_id", read_only=True)
    name = serializers.CharField(
        source="person.full_name",
        read_only=True,
        required=False,
        help_text="Left out for those who may not see names (donors and analysts).",
    )
    sex = serializers.CharField(source="person.sex", read_only=True)
    age_band = serializers.CharField(source="person.age_band", read_only=True)
    institution = serializers.CharField(source="person.institution", read_only=True)
    institution_type = serializers.CharField(source="person.institution_type", read_only=True)
    role = serializers.CharField(source="person.role", read_only=True)
    nationality = serializers.CharField(
        source="person.nationality.code", default=None, allow_null=True, read_only=True
    )
    country_of_work = serializers.CharField(
        source="person.country_of_work.code", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = Attendance
        fields = [
            "id",
            "session",
            "person",
            "name",
            "sex",
            "age_band",
            "institution",
            "institution_type",
            "role",
            "nationality",
            "country_of_work",
            "attended",
            "pre_score",
            "post_score",
        ]

    def to_representation(self, instance):
        # Left out of the answer, not of the fields: the schema is the same for everyone
        # and says that `name` may be missing.
        if not hasattr(self, "_sees_names"):
            request = self.context.get("request")
            self._sees_names = access.sees_participant_names(getattr(request, "user", None))
        data = super().to_representation(instance)
        if not self._sees_names:
            data.pop("name", None)
        return data


class ParticipantCountSerializer(serializers.ModelSerializer):
    session = serializers.IntegerField(source="session_id", read_only=True)
    country = serializers.CharField(
        source="country.code", default=None, allow_null=True, read_only=True
    )
    count = serializers.SerializerMethodField(
        help_text="Null (with `suppressed`) when from 1 to 4 for aggregate-only viewers."
    )
    suppressed = serializers.SerializerMethodField()

    class Meta:
        model = ParticipantCount
        fields = ["id", "session", "dimension", "sex", "institution_type", "country", "count"]
        fields += ["suppressed"]

    def _shown(self, row) -> tuple[int | None, bool]:
        # The view protects each session's breakdowns together ("cells"); by itself a count
        # is only hidden when small.
        cell = self.context.get("cells", {}).get(row.pk)
        return shown_value(cell) if cell else suppressed_value(row.count, _limit(self.context))

    def get_count(self, row) -> int | None:
        return self._shown(row)[0]

    def get_suppressed(self, row) -> bool:
        return self._shown(row)[1]


class AggregateRowSerializer(serializers.Serializer):
    value = serializers.CharField(
        allow_null=True, help_text="The code (sex, ISO country, audience, kind) or the year."
    )
    label = serializers.CharField()
    sessions = serializers.IntegerField()
    people_trained = serializers.IntegerField(allow_null=True)
    attendances = serializers.IntegerField(allow_null=True)
    suppressed = serializers.BooleanField()


class AggregateTotalsSerializer(serializers.Serializer):
    sessions = serializers.IntegerField()
    people_trained = serializers.IntegerField(allow_null=True)
    attendances = serializers.IntegerField(allow_null=True)
    suppressed = serializers.BooleanField()


class AggregateSerializer(serializers.Serializer):
    by = serializers.CharField()
    small_cell_limit = serializers.IntegerField(
        help_text="Counts from 1 to this number are hidden (0: nothing is hidden)."
    )
    totals = AggregateTotalsSerializer()
    results = AggregateRowSerializer(many=True)


def aggregate_data(breakdown) -> dict:
    """A ``trainings.breakdowns.Breakdown`` as the aggregate endpoint answers it."""

    def cells(people, attendances) -> dict:
        people_value, hidden_people = shown_value(people)
        rows_value, hidden_rows = shown_value(attendances)
        return {
            "people_trained": people_value,
            "attendances": rows_value,
            "suppressed": hidden_people or hidden_rows,
        }

    return {
        "by": breakdown.by,
        "small_cell_limit": breakdown.limit,
        "totals": {
            "sessions": breakdown.sessions,
            **cells(breakdown.people_trained, breakdown.attendances),
        },
        "results": [
            {
                "value": None if row.value is None else str(row.value),
                "label": row.label,
                "sessions": row.sessions,
                **cells(row.people_trained, row.attendances),
            }
            for row in breakdown.rows
        ],
    }


# Writes ---------------------------------------------------------------------


class CountInputSerializer(serializers.Serializer):
    dimension = serializers.ChoiceField(choices=CountDimension.choices)
    sex = WordChoiceField("sex", choices=Sex.choices, required=False, allow_blank=True)
    institution_type = WordChoiceField(
        "institution_type", choices=InstitutionType.choices, required=False, allow_blank=True
    )
    country = CountryWordField(Country, slug_field="code", required=False, allow_null=True)
    count = serializers.IntegerField()


@extend_schema_field(CountInputSerializer(many=True))
class CountRows(RowsField):
    row_serializer = CountInputSerializer


class TrainingSessionInputSerializer(serializers.Serializer):
    """A session with its lists; a list given replaces the stored one."""

    project = VisibleSlugField(Project, slug_field="code")
    title = serializers.CharField(max_length=255)
    kind = serializers.ChoiceField(choices=SessionKind.choices)
    topics = serializers.CharField(required=False, allow_blank=True)
    audiences = serializers.SlugRelatedField(
        slug_field="code", queryset=Audience.objects.all(), many=True, required=False
    )
    host_country = UpperSlugField(Country, slug_field="code")
    city = serializers.CharField(required=False, allow_blank=True, max_length=100)
    venue = serializers.CharField(required=False, allow_blank=True, max_length=255)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, help_text="The language the session was held in."
    )
    status = serializers.ChoiceField(choices=SessionStatus.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    partners = VisiblePrimaryKeyField(Organisation, many=True, required=False)
    facilitators = VisiblePrimaryKeyField(Organisation, many=True, required=False)
    indicators = VisiblePrimaryKeyField(Indicator, many=True, required=False)
    counts = CountRows(
        required=False,
        help_text="Participants known only as totals: by sex (the total), optionally by "
        "institution type and by country, each adding up to the same total.",
    )
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The version you edited (or send If-Match)."
    )


class ParticipantInputSerializer(serializers.Serializer):
    session = VisiblePrimaryKeyField(TrainingSession)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    sex = WordChoiceField("sex", choices=Sex.choices)
    age_band = WordChoiceField(
        "age_band", choices=AgeBand.choices, required=False, allow_blank=True
    )
    institution = serializers.CharField(required=False, allow_blank=True, max_length=255)
    institution_type = WordChoiceField(
        "institution_type", choices=InstitutionType.choices, required=False, allow_blank=True
    )
    role = serializers.CharField(required=False, allow_blank=True, max_length=100)
    nationality = CountryWordField(Country, slug_field="code", required=False, allow_null=True)
    country_of_work = CountryWordField(Country, slug_field="code", required=False, allow_null=True)
    attended = serializers.BooleanField(required=False, default=True)
    pre_score = serializers.DecimalField(**SCORE, required=False, allow_null=True)
    post_score = serializers.DecimalField(**SCORE, required=False, allow_null=True)
