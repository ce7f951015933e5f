"""Forms of the research pages. They check fields; services check records as a whole."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from ctportal.forms import FileOrLinkForm
from ctportal.uploads import UploadedDocumentField
from projects.forms import DateInput, RowForm, model_field
from projects.models import Country, Indicator, Organisation, Project

from .models import (
    AwarenessActivity,
    LegislativeStage,
    LegislativeSupport,
    OutputFile,
    ResearchOutput,
)

# The kinds of support created by migration 0002; marked here so the catalogues translate them.
SUPPORT_TYPE_NAMES = (
    gettext_noop("Drafting"),
    gettext_noop("Review"),
    gettext_noop("Consultation"),
    gettext_noop("Training"),
)
MULTI = {"size": 6}


class IndicatorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, indicator) -> str:
        return f"{indicator.result.project.code} · {indicator.title}"


class ProjectChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, project) -> str:
        return f"{project.code} · {project.title}"


class RecordForm(forms.Form):
    """Fields every research record has: its projects and the indicators it feeds."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    projects = ProjectChoiceField(
        label=_("Projects"),
        queryset=Project.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs=MULTI),
    )
    indicators = IndicatorChoiceField(
        label=_("Indicators fed"),
        queryset=Indicator.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Indicators of the linked projects that this record counts towards."),
    )
    list_fields: tuple[str, ...] = ("projects", "indicators")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        projects = Project.objects.visible_to(user).order_by("code")
        self.fields["projects"].queryset = projects
        self.fields["indicators"].queryset = (
            Indicator.objects.filter(result__project__in=projects.values("pk"))
            .select_related("result__project")
            .order_by("result__project__code", "result__order", "order", "pk")
        )
        if "countries" in self.fields:
            self.fields["countries"].queryset = Country.objects.order_by("name_en")

    @classmethod
    def initial_for(cls, record) -> dict:
        initial = {"version": record.version}
        for name in cls.base_fields:
            if name in ("version", *cls.list_fields):
                continue
            field = record._meta.get_field(name)
            initial[name] = getattr(record, field.attname)
        for name in cls.list_fields:
            initial[name] = [item.pk for item in getattr(record, name).all()]
        return initial

    def record_data(self) -> dict:
        """The cleaned single values the service expects (no version, no lists)."""
        leave_out = {"version", *self.list_fields}
        return {k: v for k, v in self.cleaned_data.items() if k not in leave_out}

    def lists(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.list_fields}


class OutputForm(RecordForm):
    kind = model_field(ResearchOutput, "kind")
    title = model_field(ResearchOutput, "title")
    status = model_field(ResearchOutput, "status")
    publication_date = model_field(ResearchOutput, "publication_date", widget=DateInput)
    language = model_field(ResearchOutput, "language")
    translation_of = forms.ModelChoiceField(
        label=_("Translation of"),
        queryset=ResearchOutput.objects.none(),
        required=False,
        help_text=_("For a translation: the original it was translated from."),
    )
    authors = model_field(ResearchOutput, "authors", widget=forms.Textarea(attrs={"rows": 2}))
    abstract = model_field(ResearchOutput, "abstract", widget=forms.Textarea(attrs={"rows": 5}))
    partners = model_field(ResearchOutput, "partners", widget=forms.SelectMultiple(attrs=MULTI))
    countries = model_field(ResearchOutput, "countries", widget=forms.SelectMultiple(attrs=MULTI))
    list_fields = ("projects", "partners", "countries", "indicators")

    def __init__(self, *args, user, output: ResearchOutput | None = None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        originals = ResearchOutput.objects.visible_to(user).order_by("title")
        # Offering the record itself would only lead to an error.
        if output is not None:
            originals = originals.exclude(pk=output.pk)
        self.fields["translation_of"].queryset = originals
        self.fields["partners"].queryset = Organisation.objects.order_by("name")


class SupportForm(RecordForm):
    country = model_field(LegislativeSupport, "country")
    instrument = model_field(LegislativeSupport, "instrument")
    title = model_field(LegislativeSupport, "title")
    reference = model_field(LegislativeSupport, "reference")
    description = model_field(
        LegislativeSupport, "description", widget=forms.Textarea(attrs={"rows": 4})
    )
    support = model_field(LegislativeSupport, "support", widget=forms.CheckboxSelectMultiple)
    outputs = forms.ModelMultipleChoiceField(
        label=_("Research outputs"),
        queryset=ResearchOutput.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs=MULTI),
    )
    list_fields = ("projects", "support", "outputs", "indicators")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["country"].queryset = Country.objects.order_by("name_en")
        self.fields["country"].empty_label = _("Regional (no single country)")
        self.fields["outputs"].queryset = ResearchOutput.objects.visible_to(user).order_by("title")


class ActivityForm(RecordForm):
    kind = model_field(AwarenessActivity, "kind")
    title = model_field(AwarenessActivity, "title")
    audience = model_field(AwarenessActivity, "audience")
    channel = model_field(AwarenessActivity, "channel")
    start_date = model_field(AwarenessActivity, "start_date", widget=DateInput)
    end_date = model_field(AwarenessActivity, "end_date", widget=DateInput)
    countries = model_field(
        AwarenessActivity, "countries", widget=forms.SelectMultiple(attrs=MULTI)
    )
    people_reached = model_field(AwarenessActivity, "people_reached", min_value=0)
    audience_estimate = model_field(AwarenessActivity, "audience_estimate", min_value=0)
    materials_distributed = model_field(AwarenessActivity, "materials_distributed", min_value=0)
    reach_note = model_field(AwarenessActivity, "reach_note")
    description = model_field(
        AwarenessActivity, "description", widget=forms.Textarea(attrs={"rows": 4})
    )
    materials = model_field(
        AwarenessActivity, "materials", widget=forms.Textarea(attrs={"rows": 3})
    )
    list_fields = ("projects", "countries", "indicators")


class StageForm(RowForm):
    stage = model_field(LegislativeStage, "stage")
    date = model_field(LegislativeStage, "date", widget=DateInput)
    note = model_field(LegislativeStage, "note", widget=forms.TextInput)


StageFormSet = formset_factory(StageForm, extra=2, max_num=30)


def stage_initial(support: LegislativeSupport) -> list[dict]:
    return [
        {"stage": stage.stage, "date": stage.date, "note": stage.note}
        for stage in support.stages.all()
    ]


def _label(name: str) -> str:
    return OutputFile._meta.get_field(name).verbose_name


class AttachmentForm(FileOrLinkForm):
    """A file (checked by the upload policy) or a link to a document published elsewhere."""

    title = forms.CharField(label=_label("title"), max_length=255)
    language = forms.ChoiceField(
        label=_label("language"), choices=[("", "—"), *settings.LANGUAGES], required=False
    )
    file = UploadedDocumentField(label=_label("file"), required=False)
    url = forms.URLField(
        label=_label("url"),
        required=False,
        assume_scheme="https",
        help_text=_("Instead of a file, a link to a document published elsewhere."),
    )

    def attachment_data(self) -> dict:
        return self.document_data()
