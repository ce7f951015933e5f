"""Forms of the report pages. They check fields; services check periods and repeats."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import DonorReport
from .periods import PeriodKind

NARRATIVE_ROWS = 6


def _narrative_field(name: str, help_text) -> forms.CharField:
    return forms.CharField(
        label=DonorReport._meta.get_field(name).verbose_name.capitalize(),
        required=False,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": NARRATIVE_ROWS}),
    )


class NarrativeFields(forms.Form):
    summary = _narrative_field(
        "summary", _("What the project achieved in the period, in a few paragraphs.")
    )
    challenges = _narrative_field(
        "challenges", _("What got in the way, and what was done about it.")
    )
    next_steps = _narrative_field("next_steps", _("What comes in the next period."))


class PeriodFields(forms.Form):
    project = forms.ModelChoiceField(
        label=_("Project"),
        queryset=None,
        error_messages={"invalid_choice": _("Choose one of the projects in the list.")},
    )
    period_kind = forms.ChoiceField(
        label=_("Period"), choices=PeriodKind.choices, initial=PeriodKind.QUARTER
    )
    period = forms.CharField(
        label=_("Quarter or year"),
        required=False,
        max_length=16,
        help_text=_(
            "For example 2024-Q3 for a quarter or 2024 for a year; empty for the whole project."
        ),
        widget=forms.TextInput(attrs={"list": "report-periods", "size": 10, "autocomplete": "off"}),
    )
    language = forms.ChoiceField(label=_("Language of the report"), choices=settings.LANGUAGES)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects


class ReportForm(PeriodFields, NarrativeFields):
    """An officer's new report: the period, then the narrative written before generating."""

    field_order = ["project", "period_kind", "period", "language"]


class RequestForm(PeriodFields):
    """A donor's request: a project they fund, a period and a language; no narrative."""


class NarrativeForm(NarrativeFields):
    version = forms.IntegerField(widget=forms.HiddenInput)
