from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .kinds import kinds_for


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of emails"),
        required=False,
        choices=[("", _("The language I last signed in with"))] + list(settings.LANGUAGES),
    )
    wanted = forms.MultipleChoiceField(
        label=_("Send me"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Untick what you do not want. Messages never contain victim data."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wanted"].choices = [(kind.value, kind.label) for kind in kinds_for(user)]
