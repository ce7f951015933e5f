from django import forms
from django.utils.translation import gettext_lazy as _

from .services import REASON_LIMIT


class IdentityEraseForm(forms.Form):
    """Why, and the case reference typed again: erasure cannot be undone."""

    reason = forms.CharField(
        label=_("Why"),
        max_length=REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The request received (date, channel). Do not name the person."),
    )
    confirm_reference = forms.CharField(
        label=_("Type the case reference to confirm"), max_length=16
    )

    def __init__(self, *args, reference: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.reference = reference

    def clean_confirm_reference(self) -> str:
        typed = self.cleaned_data["confirm_reference"].strip().upper()
        if typed != self.reference:
            raise forms.ValidationError(_("This is not the reference of this case."))
        return typed
