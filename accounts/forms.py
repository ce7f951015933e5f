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
