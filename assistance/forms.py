"""Forms of the victim-assistance pages. They check fields; services check records as a whole.

Code lists (types of exploitation, means of control, vulnerabilities) are
checkboxes of the CTDC codes; the services refuse any other code.
"""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ctportal.uploads import ALLOWED_TYPES, upload_help_text
from projects.forms import CurrencyCleanMixin, DateInput, currency_field, model_field
from projects.models import Country, Organisation, Project

from .models import Case, CaseNote, Identity, Referral, Service, Shelter
from .providers import selectors as provider_selectors
from .services import CASE_FIELDS, IDENTITY_FIELDS, identity_version
from .vocabulary import FLAG_GROUPS, REFERRAL_TRANSITIONS, CaseStatus, ReferralStatus

CODE_LIST_LABELS = {
    "exploitation_types": _("Types of exploitation"),
    "means_of_control": _("Means of control"),
    "vulnerabilities": _("Vulnerabilities"),
}


def _label(model, name: str) -> str:
    return capfirst(model._meta.get_field(name).verbose_name)


def _organisations():
    return Organisation.objects.order_by("name")


def code_list(group: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=CODE_LIST_LABELS[group],
        choices=FLAG_GROUPS[group].choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class CaseForm(forms.Form):
    """A case's CTDC fields, status and consents; never anything that names the person."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    project = forms.ModelChoiceField(label=_label(Case, "project"), queryset=Project.objects.none())
    identification_date = model_field(Case, "identification_date", widget=DateInput)
    identified_by = model_field(Case, "identified_by")
    referring_organisation = forms.ModelChoiceField(
        label=_label(Case, "referring_organisation"), queryset=_organisations(), required=False
    )
    sex = model_field(Case, "sex")
    age_at_identification = model_field(Case, "age_at_identification")
    citizenship = model_field(Case, "citizenship")
    country_of_origin = model_field(Case, "country_of_origin")
    transit_countries = model_field(Case, "transit_countries")
    country_of_exploitation = model_field(Case, "country_of_exploitation")
    exploitation_types = code_list("exploitation_types")
    labour_sector = model_field(Case, "labour_sector")
    means_of_control = code_list("means_of_control")
    recruiter_relation = model_field(Case, "recruiter_relation")
    vulnerabilities = code_list("vulnerabilities")
    status = forms.ChoiceField(
        label=_label(Case, "status"),
        choices=[c for c in CaseStatus.choices if c[0] != CaseStatus.CLOSED],
        initial=CaseStatus.OPEN,
    )
    consent_assistance = model_field(Case, "consent_assistance")
    consent_referral = model_field(Case, "consent_referral")
    consent_share_data = model_field(Case, "consent_share_data")
    consent_date = model_field(Case, "consent_date", widget=DateInput)

    def __init__(self, *args, user, case: Case | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("code")
        self.fields["transit_countries"].help_text = _(
            "In the order of the route. Hold Ctrl (⌘ on a Mac) to pick several."
        )
        self.fields["transit_countries"].widget.attrs["size"] = 6
        for field in self.fields.values():
            if field.required or isinstance(field, forms.MultipleChoiceField):
                continue
            if isinstance(field, forms.ModelChoiceField):
                field.empty_label = _("Not recorded")
            elif isinstance(field, forms.ChoiceField):
                field.choices = [("", _("Not recorded")), *(c for c in field.choices if c[0])]
        if case is not None and case.status == CaseStatus.CLOSED:
            # A closed case keeps its status; the rest may still be corrected.
            del self.fields["status"]

    @classmethod
    def initial_for(cls, case: Case) -> dict:
        initial = {name: getattr(case, name) for name in CASE_FIELDS}
        initial.update(
            version=case.version,
            project=case.project_id,
            referring_organisation=case.referring_organisation_id,
            citizenship=case.citizenship.code,
            country_of_origin=case.country_of_origin.code,
            country_of_exploitation=case.country_of_exploitation.code,
            transit_countries=[country.code for country in case.transit_countries],
        )
        initial.update({group: case.codes(group) for group in FLAG_GROUPS})
        return initial

    def case_data(self) -> dict:
        """The cleaned values the services expect, without the form-only fields."""
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


def identity_field(name: str, **kwargs) -> forms.Field:
    kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off"}))
    field = model_field(Identity, name, **kwargs)
    field.label = _label(Identity, name)
    return field


class IdentityForm(forms.Form):
    """Who the victim is: shown and kept only for the case workers of the office."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    given_name = identity_field("given_name")
    family_name = identity_field("family_name")
    other_names = forms.CharField(
        label=_label(Identity, "other_names"),
        max_length=500,
        required=False,
        help_text=Identity._meta.get_field("other_names").help_text,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    date_of_birth = identity_field("date_of_birth", widget=DateInput)
    phone = identity_field("phone")
    email = forms.EmailField(
        label=_label(Identity, "email"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    address = forms.CharField(
        label=_label(Identity, "address"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    documents = forms.CharField(
        label=_label(Identity, "documents"),
        max_length=1000,
        required=False,
        help_text=Identity._meta.get_field("documents").help_text,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    @classmethod
    def initial_for(cls, identity: Identity | None) -> dict:
        if identity is None:
            return {"version": 0}
        initial = {name: getattr(identity, name) for name in IDENTITY_FIELDS}
        return {**initial, "version": identity_version(identity)}

    def identity_data(self) -> dict | None:
        """The identity to save, or None when the section was left empty."""
        data = {name: self.cleaned_data.get(name) for name in IDENTITY_FIELDS}
        return data if any(data.values()) else None


class CloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    closure_reason = model_field(Case, "closure_reason", required=True)
    closed_on = model_field(Case, "closed_on", widget=DateInput, required=True)


def offer_directory_first(field: forms.ModelChoiceField, *, case: Case, user) -> None:
    """The directory's providers grouped by country, the case's country first; then the rest."""
    field.choices = provider_selectors.organisation_choices(
        user=user, country_id=case.country_office_id
    )


class ServiceForm(CurrencyCleanMixin, forms.Form):
    kind = model_field(Service, "kind")
    provider = forms.ModelChoiceField(
        label=_label(Service, "provider"), queryset=_organisations(), required=False
    )
    start_date = model_field(Service, "start_date", widget=DateInput)
    end_date = model_field(Service, "end_date", widget=DateInput)
    cost = model_field(Service, "cost")
    currency = currency_field()

    def __init__(self, *args, case: Case | None = None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            offer_directory_first(self.fields["provider"], case=case, user=user)


class ReferralForm(forms.Form):
    from_organisation = forms.ModelChoiceField(
        label=_label(Referral, "from_organisation"), queryset=_organisations()
    )
    to_organisation = forms.ModelChoiceField(
        label=_label(Referral, "to_organisation"), queryset=_organisations()
    )
    service_kind = model_field(Referral, "service_kind")
    sent_on = model_field(Referral, "sent_on", widget=DateInput)
    override_reason = forms.CharField(
        label=_("Reason for referring without consent"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only when the victim has not consented to be referred."),
    )

    def __init__(self, *args, case: Case, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case.consent_referral:
            del self.fields["override_reason"]
        offer_directory_first(self.fields["to_organisation"], case=case, user=user)

    def referral_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("override_reason", None)
        return data


class ReferralStatusForm(forms.Form):
    status = forms.ChoiceField(label=_label(Referral, "status"))
    responded_on = model_field(Referral, "responded_on", widget=DateInput)

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = REFERRAL_TRANSITIONS[ReferralStatus(referral.status)]
        self.fields["status"].choices = [c for c in ReferralStatus.choices if c[0] in allowed]


class ShelterChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, shelter) -> str:
        return _("%(name)s (%(free)s of %(capacity)s places free)") % {
            "name": shelter.name,
            "free": max(shelter.capacity - shelter.occupancy, 0),
            "capacity": shelter.capacity,
        }


class AdmitForm(forms.Form):
    shelter = ShelterChoiceField(label=_("Shelter"), queryset=Shelter.objects.none())
    admitted_on = forms.DateField(label=_("Admitted on"), widget=DateInput)

    def __init__(self, *args, shelters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shelter"].queryset = shelters


class DischargeForm(forms.Form):
    discharged_on = forms.DateField(label=_("Discharged on"), widget=DateInput)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_label(CaseNote, "text"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    attachment = forms.FileField(label=_label(CaseNote, "attachment"), required=False)
    attachment_title = forms.CharField(
        label=_label(CaseNote, "attachment_title"), max_length=200, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The service applies the upload policy (and names the stored file) itself.
        attachment = self.fields["attachment"]
        attachment.help_text = upload_help_text()
        attachment.widget.attrs["accept"] = ",".join(ALLOWED_TYPES)


class ShelterForm(forms.Form):
    name = model_field(Shelter, "name")
    organisation = forms.ModelChoiceField(
        label=_label(Shelter, "organisation"), queryset=_organisations()
    )
    country = forms.ModelChoiceField(
        label=_label(Shelter, "country"), queryset=Country.objects.all()
    )
    capacity = model_field(Shelter, "capacity")

    def __init__(self, *args, office: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if office is not None:
            # A case worker's shelters are in the country of their office.
            self.fields["country"].queryset = Country.objects.filter(pk=office)
            self.fields["country"].initial = office
            self.fields["country"].empty_label = None

    @classmethod
    def initial_for(cls, shelter: Shelter) -> dict:
        return {
            "name": shelter.name,
            "organisation": shelter.organisation_id,
            "country": shelter.country_id,
            "capacity": shelter.capacity,
        }
