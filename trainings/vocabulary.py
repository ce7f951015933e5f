"""The words a participant's values may be written in, wherever they come from.

Attendance sheets (CSV and XLSX) and the API's participant and count inputs
accept the same words, and the import page documents them:

- sex, age band, institution type: the code in any case (``F``/``M`` for
  female/male too), or the label in English, Arabic or French;
- countries: the ISO 3166-1 two-letter code in any case, or the country's
  name as the portal writes it in English, Arabic or French;
- attended: yes/no, y/n, true/false, 1/0, x, oui/non, نعم/لا.

Anything else is reported, never stored as something else.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.conf import settings
from django.utils import translation

from projects.models import Country, Sex

from .models import AgeBand, InstitutionType

YES = frozenset({"yes", "y", "true", "1", "x", "oui", "o", "نعم"})
NO = frozenset({"no", "n", "false", "0", "non", "لا"})
SEX_LETTERS = {"f": Sex.FEMALE, "m": Sex.MALE}


def fold(value: Any) -> str:
    """A cell or field folded for comparison: spaces tidied, case ignored."""
    if value is None:
        return ""
    return " ".join(str(value).split()).casefold()


def choice_words(choices) -> dict[str, str]:
    """Codes and their labels in every language of the portal, folded."""
    words = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for code, label in choices:
                words[fold(label)] = code
                words[fold(str(label).replace("–", "-"))] = code
    words.update({fold(code): code for code, _label in choices})
    return words


class Vocabulary:
    """Lookups of the accepted words; countries are read once, when first needed."""

    def __init__(self) -> None:
        self.sex = {**choice_words(Sex.choices), **SEX_LETTERS}
        self.age_band = choice_words(AgeBand.choices)
        self.institution_type = choice_words(InstitutionType.choices)

    def choice(self, column: str, value: Any) -> str | None:
        """The code for a sex, age band or institution type; None when not a known word."""
        return getattr(self, column).get(fold(value))

    @cached_property
    def countries(self) -> dict[str, Country]:
        found: dict[str, Country] = {}
        countries = list(Country.objects.only("pk", "code", "name_en", "name_ar", "name_fr"))
        for country in countries:
            for name in (country.name_en, country.name_ar, country.name_fr):
                if name:
                    found[fold(name)] = country
        # A code wins over a name that happens to spell it.
        for country in countries:
            found[fold(country.code)] = country
        return found

    def country(self, value: Any) -> Country | None:
        return self.countries.get(fold(value))

    @staticmethod
    def attended(value: Any) -> bool | None:
        """True or False for a known word (empty means yes); None otherwise."""
        if isinstance(value, bool):
            return value
        text = fold(value)
        if not text or text in YES:
            return True
        if text in NO:
            return False
        return None
