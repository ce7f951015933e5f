"""Forms of the training pages. They check fields; services check records as a whole."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from projects.forms import DateInput, RowForm, model_field
from projects.models import Country, Indicator, Organisation, Project, Sex

from .models import (
    Attendance,
    CountDimension,
    ParticipantCount,
    Person,
    TrainingSession,
)

# The audiences created by migration 0002; marked here so the catalogues translate them.
AUDIENCE_NAMES = (
    gettext_noop("Police"),
    gettext_noop("Prosecutors"),
    gettext_noop("Judges"),
    gettext_noop("Immigration officials"),
    gettext_noop("Border guards"),
    gettext_noop("Coast guards"),
    gettext_noop("Labour inspectors"),
    gettext_noop("Health workers"),
    gettext_noop("Social workers"),
    gettext_noop("Shelter staff"),
    gettext_noop("Media"),
    gettext_noop("NGO staff"),
    gettext_noop("Religious leaders"),
    gettext_noop("Legislators and policy makers"),
    gettext_noop("Diplomats"),
)
COUNT_ERRORS = {"min_value": _("A count cannot be negative.")}
SCORE_ERRORS = {
    "min_value": _("A score is between 0 and 100."),
    "max_value": _("A score is between 0 and 100."),
}


class ParticipationMode:
    PEOPLE = "people"
    TOTALS = "totals"
    CHOICES = [
        (PEOPLE, _("One by one (names optional)")),
        (TOTALS, _("As totals only")),
    ]


def count_field(label) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, required=False, error_messages=COUNT_ERRORS)


def score_field(name: str) -> forms.DecimalField:
    return model_field(Attendance, name, min_value=0, max_value=100, error_messages=SCORE_ERRORS)


class IndicatorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, indicator) -> str:
        return f"{indicator.result.project.code} · {indicator.title}"


class SessionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none())
    title = model_field(TrainingSession, "title")
    kind = model_field(TrainingSession, "kind")
    status = model_field(TrainingSession, "status")
    start_date = model_field(TrainingSession, "start_date", widget=DateInput)
    end_date = model_field(TrainingSession, "end_date", widget=DateInput)
    host_country = model_field(TrainingSession, "host_country")
    city = model_field(TrainingSession, "city")
    venue = model_field(TrainingSession, "venue")
    # Asked, never assumed: a session's language is a fact the officer knows.
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("Choose the language…")), *settings.LANGUAGES],
        help_text=_("The language the session was held in."),
        error_messages={"required": _("Choose the language the session was held in.")},
    )
    topics = model_field(TrainingSession, "topics", widget=forms.Textarea(attrs={"rows": 3}))
    audiences = model_field(TrainingSession, "audiences", widget=forms.CheckboxSelectMultiple)
    partners = model_field(
        TrainingSession, "partners", widget=forms.SelectMultiple(attrs={"size": 6})
    )
    facilitators = model_field(
        TrainingSession, "facilitators", widget=forms.SelectMultiple(attrs={"size": 6})
    )
    indicators = IndicatorChoiceField(
        label=_("Indicators fed"),
        queryset=Indicator.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Indicators whose actuals count the people trained in this session."),
    )
    notes = model_field(TrainingSession, "notes", widget=forms.Textarea(attrs={"rows": 3}))
    mode = forms.ChoiceField(
        label=_("Participants"),
        choices=ParticipationMode.CHOICES,
        initial=ParticipationMode.PEOPLE,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, user, project: Project | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        projects = Project.objects.visible_to(user).order_by("code")
        self.fields["project"].queryset = projects
        indicators = Indicator.objects.filter(result__project__in=projects.values("pk"))
        if project is not None:
            indicators = indicators.filter(result__project=project)
        self.fields["indicators"].queryset = indicators.select_related("result__project").order_by(
            "result__project__code", "result__order", "order", "pk"
        )
        organisations = Organisation.objects.order_by("name")
        self.fields["partners"].queryset = organisations
        self.fields["facilitators"].queryset = organisations
        self.fields["host_country"].queryset = Country.objects.order_by("name_en")

    @classmethod
    def initial_for(cls, session: TrainingSession, *, copy: bool = False) -> dict:
        """The form's values from a session; a copy keeps no dates and no version."""
        initial = {
            name: getattr(session, name)
            for name in ("title", "kind", "topics", "city", "venue", "language", "notes")
        }
        initial["project"] = session.project_id
        initial["host_country"] = session.host_country_id
        for name in ("audiences", "partners", "facilitators", "indicators"):
            initial[name] = [item.pk for item in getattr(session, name).all()]
        has_counts = session.participant_counts.exists()
        initial["mode"] = ParticipationMode.TOTALS if has_counts else ParticipationMode.PEOPLE
        if not copy:
            initial.update(
                version=session.version,
                status=session.status,
                start_date=session.start_date,
                end_date=session.end_date,
            )
        else:
            initial["notes"] = ""
        return initial

    def session_data(self) -> dict:
        """The cleaned values the service expects, without the form-only fields."""
        leave_out = {"version", "mode", "audiences", "partners", "facilitators", "indicators"}
        return {k: v for k, v in self.cleaned_data.items() if k not in leave_out}


class ParticipantRowForm(RowForm):
    full_name = model_field(Person, "full_name")
    sex = model_field(Person, "sex")
    age_band = model_field(Person, "age_band")
    institution = model_field(Person, "institution")
    institution_type = model_field(Person, "institution_type")
    role = model_field(Person, "role")
    nationality = model_field(Person, "nationality")
    country_of_work = model_field(Person, "country_of_work")
    attended = model_field(Attendance, "attended", initial=True)
    pre_score = score_field("pre_score")
    post_score = score_field("post_score")

    # The order of the stacked entry rows: who the person is, then their work and scores.
    field_order = [
        "full_name",
        "sex",
        "age_band",
        "nationality",
        "country_of_work",
        "institution",
        "institution_type",
        "role",
        "attended",
        "pre_score",
        "post_score",
    ]


class SexCountsForm(forms.Form):
    """The total, by sex; the other breakdowns must add up to the same number."""

    female = count_field(Sex.FEMALE.label)
    male = count_field(Sex.MALE.label)
    other = count_field(Sex.OTHER.label)

    def rows(self) -> list[tuple[dict, str]]:
        """Each count given, as a service row, with the field it came from."""
        return [
            ({"dimension": CountDimension.SEX, "sex": name, "count": value}, name)
            for name, value in self.cleaned_data.items()
            if value
        ]

    @staticmethod
    def initial_for(session: TrainingSession) -> dict:
        return {
            row.sex: row.count
            for row in session.participant_counts.all()
            if row.dimension == CountDimension.SEX
        }


class InstitutionCountForm(RowForm):
    institution_type = model_field(ParticipantCount, "institution_type", required=True)
    count = count_field(_("Participants"))

    def row(self) -> dict:
        return {"dimension": CountDimension.INSTITUTION_TYPE, **super().row()}


class CountryCountForm(RowForm):
    country = model_field(ParticipantCount, "country", required=True)
    count = count_field(_("Participants"))

    def row(self) -> dict:
        return {"dimension": CountDimension.COUNTRY, **super().row()}


ParticipantFormSet = formset_factory(ParticipantRowForm, extra=3, max_num=500)
InstitutionCountFormSet = formset_factory(InstitutionCountForm, extra=2, max_num=20)
CountryCountFormSet = formset_factory(CountryCountForm, extra=2, max_num=60)


def count_initial(session: TrainingSession, dimension: str) -> list[dict]:
    field = "institution_type" if dimension == CountDimension.INSTITUTION_TYPE else "country"
    return [
        {field: getattr(row, field if field != "country" else "country_id"), "count": row.count}
        for row in session.participant_counts.all()
        if row.dimension == dimension
    ]


class PersonChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, with_names: bool = False, **kwargs):
        self.with_names = with_names
        super().__init__(*args, **kwargs)

    def label_from_instance(self, person) -> str:
        number = _("Person #%(pk)s") % {"pk": person.pk}
        return f"{person.full_name} ({number})" if self.with_names else number


class MergeForm(forms.Form):
    keep = PersonChoiceField(label=_("Keep this person"), queryset=Person.objects.none())
    duplicate = PersonChoiceField(
        label=_("Merge this duplicate into them"), queryset=Person.objects.none()
    )

    def __init__(self, *args, people, with_names: bool, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("keep", "duplicate"):
            self.fields[name].queryset = people
            self.fields[name].with_names = with_names
            self.fields[name].widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("keep") and cleaned.get("keep") == cleaned.get("duplicate"):
            raise forms.ValidationError(_("A person cannot be merged into themselves."))
        return cleaned
