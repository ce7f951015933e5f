"""Forms of the dashboard admin: the dashboard with its edit lock, its widgets, the preview."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from ctportal.audit import StaleVersion, check_version

from .models import Dashboard, Widget
from .selectors import preview_donors


def write_arabic_right_to_left(form: forms.ModelForm) -> None:
    for name, field in form.fields.items():
        if name.endswith("_ar"):
            field.widget.attrs["dir"] = "rtl"


class DashboardAdminForm(forms.ModelForm):
    # The version the editor loaded: a save over someone else's newer one is refused.
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Dashboard
        fields = [
            "slug",
            "title_en",
            "title_ar",
            "title_fr",
            "description_en",
            "description_ar",
            "description_fr",
            "audience",
            "country",
            "donor",
            "project",
            "is_published",
            "order",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version
        self.next_version = None
        write_arabic_right_to_left(self)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            # The admin saves inside one transaction: the row stays locked until then.
            try:
                self.next_version = check_version(
                    Dashboard, self.instance.pk, cleaned.get("loaded_version")
                )
            except StaleVersion as error:
                raise ValidationError(str(error), code="stale") from None
        return cleaned


class WidgetAdminForm(forms.ModelForm):
    class Meta:
        model = Widget
        fields = [
            "position",
            "kind",
            "width",
            "metric",
            "dimension",
            "series_dimension",
            "filter_year",
            "filter_country",
            "filter_donor",
            "filter_project",
            "title_en",
            "title_ar",
            "title_fr",
            "max_rows",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        write_arabic_right_to_left(self)


class WidgetInlineFormSet(BaseInlineFormSet):
    """Checks every widget against the audience the dashboard has in this same form."""

    def clean(self):
        super().clean()
        for form in self.forms:
            if form in self.extra_forms and not form.has_changed():
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            for field, message in form.instance.audience_errors(self.instance).items():
                if field not in form.errors:
                    form.add_error(field, message)


class PreviewForm(forms.Form):
    donor = forms.ModelChoiceField(
        label=_("See it as a user of"),
        queryset=preview_donors(),
        required=False,
        empty_label=_("— yourself —"),
    )
