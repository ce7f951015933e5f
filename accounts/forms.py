import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, such as the script or tool that uses it."),
    )
    days = forms.IntegerField(
        label=_("Days until it expires"),
        min_value=1,
        max_value=TOKEN_MAX_DAYS,
        initial=TOKEN_DEFAULT_DAYS,
        help_text=_("At most a year."),
    )
    # One per form shown: a reloaded or repeated submission of the same form creates nothing.
    submission = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["submission"] = secrets.token_urlsafe(16)
