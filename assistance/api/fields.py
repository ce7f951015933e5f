"""Fields of the assistance API for the codes of its vocabularies and for countries."""

from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

from ..vocabulary import AgeBand, Sex


class CodeField(serializers.ChoiceField):
    """A code of one of the assistance vocabularies; an unknown code names the valid ones."""

    def __init__(self, vocabulary, **kwargs):
        self.vocabulary = vocabulary
        super().__init__(choices=vocabulary.choices, **kwargs)

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            message = _("Unknown code “%(code)s”. Valid codes: %(codes)s.") % {
                "code": data,
                "codes": ", ".join(self.vocabulary.values),
            }
            raise serializers.ValidationError(message, code="invalid_choice") from None


# Names of the vocabularies in the schema where the plain name is taken by another app's.
SCHEMA_NAMES = {Sex: "VictimSexEnum", AgeBand: "VictimAgeBandEnum"}


class CodeFieldExtension(OpenApiSerializerFieldExtension):
    """Each vocabulary as a schema component named after it, not after the field.

    Other apps have fields of the same names (``sex``, ``status``, ``kind``) with
    other codes; named by field, their enums would collide.
    """

    target_class = CodeField

    def map_serializer_field(self, auto_schema, direction):
        vocabulary = self.target.vocabulary
        component = ResolvedComponent(
            name=SCHEMA_NAMES.get(vocabulary, f"{vocabulary.__name__}Enum"),
            type=ResolvedComponent.SCHEMA,
            object=vocabulary,
            schema={
                "type": "string",
                "enum": list(vocabulary.values),
                "description": "\n".join(
                    f"* `{code}` - {label}" for code, label in vocabulary.choices
                ),
            },
        )
        auto_schema.registry.register_on_missing(component)
        if self.target.allow_blank:
            return {"oneOf": [component.ref, {"type": "string", "enum": [""]}]}
        return component.ref


class CountryCodeField(serializers.ChoiceField):
    """An ISO 3166-1 alpha-2 code, in any case; read from a django-countries value."""

    def __init__(self, **kwargs):
        super().__init__(choices=countries, **kwargs)
        self.error_messages["invalid_choice"] = _(
            "“{input}” is not an ISO 3166-1 alpha-2 country code."
        )

    def to_internal_value(self, data):
        return super().to_internal_value(data.upper() if isinstance(data, str) else data)

    def to_representation(self, value):
        return getattr(value, "code", value) or ""


def code_list(vocabulary, **kwargs) -> serializers.ListField:
    return serializers.ListField(child=CodeField(vocabulary), **kwargs)
