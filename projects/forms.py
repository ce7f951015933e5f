"""Forms of the project pages. They check fields; services check records as a whole."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.forms import formset_factory
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from .models import (
    Funding,
    Indicator,
    IndicatorPeriod,
    ParticipatingOrganisation,
    Project,
    ProjectSector,
    RecipientCountry,
    Result,
    validate_currency,
)

# The thematic areas created by migration 0002; marked here so the catalogues translate them.
THEMATIC_AREA_NAMES = (
    gettext_noop("Prevention"),
    gettext_noop("Protection"),
    gettext_noop("Prosecution"),
    gettext_noop("Partnership"),
    gettext_noop("Research"),
)
COMMON_CURRENCIES = ("USD", "EUR", "GBP", "CHF", "SEK", "NOK", "DKK", "CAD", "AUD", "JPY")
NOT_NEGATIVE = MinValueValidator(Decimal("0"))


class CurrencyInput(forms.TextInput):
    """A three-letter code; pages offer COMMON_CURRENCIES in a datalist "currencies"."""

    def __init__(self, attrs=None):
        super().__init__(
            {"size": 4, "maxlength": 3, "autocapitalize": "characters", "list": "currencies"}
            | (attrs or {})
        )


def model_field(model, name: str, **kwargs) -> forms.Field:
    return model._meta.get_field(name).formfield(**kwargs)


def currency_field() -> forms.CharField:
    return forms.CharField(
        label=capfirst(_("currency")),
        max_length=3,
        initial="USD",
        validators=[validate_currency],
        widget=CurrencyInput(),
    )


class CurrencyCleanMixin:
    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].upper()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ProjectForm(CurrencyCleanMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    code = model_field(Project, "code")
    iati_identifier = model_field(Project, "iati_identifier")
    title = model_field(Project, "title")
    title_ar = model_field(Project, "title_ar", widget=forms.TextInput(attrs={"dir": "rtl"}))
    title_fr = model_field(Project, "title_fr")
    status = model_field(Project, "status")
    reporting_organisation = model_field(Project, "reporting_organisation")
    planned_start = model_field(Project, "planned_start", widget=DateInput)
    planned_end = model_field(Project, "planned_end", widget=DateInput)
    actual_start = model_field(Project, "actual_start", widget=DateInput)
    actual_end = model_field(Project, "actual_end", widget=DateInput)
    budget = model_field(Project, "budget", validators=[NOT_NEGATIVE])
    currency = currency_field()
    description = model_field(Project, "description", widget=forms.Textarea(attrs={"rows": 4}))
    thematic_areas = model_field(Project, "thematic_areas", widget=forms.CheckboxSelectMultiple)
    target_groups = model_field(Project, "target_groups", widget=forms.Textarea(attrs={"rows": 3}))
    objectives = model_field(Project, "objectives", widget=forms.Textarea(attrs={"rows": 3}))
    key_achievements = model_field(
        Project, "key_achievements", widget=forms.Textarea(attrs={"rows": 3})
    )
    text_language = model_field(Project, "text_language")
    budget_not_provided = model_field(Project, "budget_not_provided")
    default_flow_type = model_field(Project, "default_flow_type")
    default_finance_type = model_field(Project, "default_finance_type")
    default_aid_type = model_field(Project, "default_aid_type")
    default_tied_status = model_field(Project, "default_tied_status")
    collaboration_type = model_field(Project, "collaboration_type")
    activity_scope = model_field(Project, "activity_scope")
    contact_email = model_field(Project, "contact_email")

    # Fields a form may leave out: the project keeps (or a new one gets) the model default.
    DEFAULTED = (
        "text_language",
        "default_flow_type",
        "default_finance_type",
        "default_aid_type",
        "default_tied_status",
        "collaboration_type",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.DEFAULTED:
            self.fields[name].required = False

    @classmethod
    def initial_for(cls, project: Project) -> dict:
        initial = {name: getattr(project, name, None) for name in cls.base_fields}
        initial["reporting_organisation"] = project.reporting_organisation_id
        initial["thematic_areas"] = [area.pk for area in project.thematic_areas.all()]
        return initial

    def project_data(self) -> dict:
        """The cleaned values the service expects, without the form-only fields."""
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data.pop("thematic_areas", None)
        for name in self.DEFAULTED:
            if not data.get(name):
                data.pop(name, None)
        return data


class RowForm(forms.Form):
    """A row of an inline formset; ``row()`` gives its declared fields' values."""

    def row(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.declared_fields}


class FundingForm(CurrencyCleanMixin, RowForm):
    donor = model_field(Funding, "donor")
    amount = model_field(Funding, "amount", validators=[NOT_NEGATIVE])
    currency = currency_field()


class RecipientCountryForm(RowForm):
    country = model_field(RecipientCountry, "country")
    percentage = model_field(RecipientCountry, "percentage")


class SectorForm(RowForm):
    code = model_field(ProjectSector, "code")
    percentage = model_field(ProjectSector, "percentage")


class ParticipantForm(RowForm):
    organisation = model_field(ParticipatingOrganisation, "organisation")
    role = model_field(ParticipatingOrganisation, "role")


FundingFormSet = formset_factory(FundingForm, extra=2, can_delete=True, max_num=50)
CountryFormSet = formset_factory(RecipientCountryForm, extra=2, can_delete=True, max_num=60)
ParticipantFormSet = formset_factory(ParticipantForm, extra=2, can_delete=True, max_num=50)
SectorFormSet = formset_factory(SectorForm, extra=2, can_delete=True, max_num=20)


def share_choices(formset, *names: str) -> None:
    """Load each select's choices once for all rows instead of once per row."""
    for name in names:
        # A comprehension, not list(): list() would also ask the iterator for a COUNT.
        choices = [choice for choice in formset.empty_form.fields[name].choices]  # noqa: C416
        for form in formset.forms:
            form.fields[name].choices = choices


def formset_rows(formset) -> tuple[list[dict], list[forms.Form]]:
    """Filled, kept rows of a valid formset and the form each came from (for errors)."""
    rows, forms_used = [], []
    for form in formset.forms:
        if not form.has_changed() or form.cleaned_data.get("DELETE"):
            continue
        rows.append(form.row())
        forms_used.append(form)
    return rows, forms_used


class ResultChoiceForm(forms.Form):
    """Which result the new indicator belongs to: an existing one or a new one."""

    result = forms.ModelChoiceField(
        label=_("Existing result"),
        queryset=Result.objects.none(),
        required=False,
        empty_label=_("— a new result —"),
    )
    result_kind = model_field(Result, "kind", required=False)
    result_title = model_field(Result, "title", required=False, label=_("New result title"))

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["result"].queryset = project.results.all()

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("result") and not cleaned.get("result_title"):
            raise ValidationError(
                {"result_title": _("Choose an existing result or give the new one a title.")}
            )
        return cleaned


class IndicatorForm(forms.Form):
    title = model_field(Indicator, "title")
    title_ar = model_field(Indicator, "title_ar", widget=forms.TextInput(attrs={"dir": "rtl"}))
    title_fr = model_field(Indicator, "title_fr")
    measure = model_field(Indicator, "measure")
    unit = model_field(Indicator, "unit")
    unit_ar = model_field(Indicator, "unit_ar", widget=forms.TextInput(attrs={"dir": "rtl"}))
    unit_fr = model_field(Indicator, "unit_fr")
    ascending = model_field(Indicator, "ascending")
    baseline_year = model_field(Indicator, "baseline_year", min_value=1990, max_value=2100)
    baseline_value = model_field(Indicator, "baseline_value")
    baseline_comment = model_field(
        Indicator, "baseline_comment", widget=forms.Textarea(attrs={"rows": 2})
    )


class PeriodForm(RowForm):
    period_start = model_field(IndicatorPeriod, "period_start", widget=DateInput)
    period_end = model_field(IndicatorPeriod, "period_end", widget=DateInput)
    target = model_field(IndicatorPeriod, "target")
    actual = model_field(IndicatorPeriod, "actual")
    target_comment = model_field(IndicatorPeriod, "target_comment", widget=forms.TextInput)
    actual_comment = model_field(IndicatorPeriod, "actual_comment", widget=forms.TextInput)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period must end on or after its start."))
        return cleaned


PeriodFormSet = formset_factory(PeriodForm, extra=3, can_delete=False, max_num=40)
