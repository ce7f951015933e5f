"""Filtering, searching and ordering of every API list: what the schema says, or a 400.

django-filter already answers 400 for an unknown choice or a malformed date;
these backends add what it lets through silently: a boolean that is neither
true nor false, a number that is not a whole number or is out of range, an
ordering field the list does not offer. ``search`` and ``ordering`` appear in
the schema only on lists that declare ``search_fields`` / ``ordering_fields``,
and ``ordering`` lists its accepted values.
"""

from __future__ import annotations

import re

import django_filters
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters
from rest_framework.exceptions import ValidationError

# The range of a database id (bigint): a larger number can be no record's.
MAX_ID = 2**63 - 1
BOOLEANS = {"true", "false"}
WHOLE_NUMBER = re.compile(r"-?\d{1,20}")


def raw_value_errors(filterset, params) -> dict[str, list[str]]:
    """The values django-filter would ignore or pass on to the database as they are."""
    errors: dict[str, list[str]] = {}
    for name, declared in filterset.filters.items():
        raw = params.get(name, "")
        if raw == "":
            continue
        if isinstance(declared, django_filters.BooleanFilter):
            if raw.lower() not in BOOLEANS:
                errors[name] = [_("Use true or false.")]
        elif isinstance(declared, django_filters.NumberFilter):
            if not WHOLE_NUMBER.fullmatch(raw.strip()):
                errors[name] = [_("Enter a whole number.")]
                continue
            low = declared.extra.get("min_value", 1)
            high = declared.extra.get("max_value", MAX_ID)
            if not low <= int(raw) <= high:
                errors[name] = [
                    _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}
                ]
    return errors


def asks_for_any(filterset_class, params) -> bool:
    """Whether the request names any of the filters (a range filter by its suffixed names)."""
    names = tuple(filterset_class.base_filters)
    return any(key in names or key.startswith(tuple(f"{n}_" for n in names)) for key in params)


class PortalFilterBackend(DjangoFilterBackend):
    """django-filter, with every bad value of a request named in one 400."""

    def filter_queryset(self, request, queryset, view):
        # A request that names no filter (a plain page) would build and validate the
        # whole filter form only for every filter to pass the records through.
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not asks_for_any(filterset_class, request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        errors = raw_value_errors(filterset, request.query_params)
        if not filterset.is_valid():
            for name, messages in filterset.form.errors.items():
                errors.setdefault(name, list(messages))
        if errors:
            raise ValidationError(errors)
        return filterset


class PortalSearchFilter(filters.SearchFilter):
    """``search`` over the view's ``search_fields``; absent from lists without them."""

    def get_schema_operation_parameters(self, view):
        fields = getattr(view, "search_fields", None)
        if not fields:
            return []
        names = ", ".join(field.lstrip("^=@$").replace("__", ".") for field in fields)
        parameter = super().get_schema_operation_parameters(view)[0]
        parameter["description"] = f"Words to find, each in one of: {names} (any case)."
        return [parameter]


class PortalOrderingFilter(filters.OrderingFilter):
    """``ordering`` by the view's ``ordering_fields`` only; anything else is a 400.

    The primary key closes every ordering, so that pages never share or skip a row.
    """

    def get_valid_fields(self, queryset, view, context=None):
        return [(name, name) for name in getattr(view, "ordering_fields", None) or ()]

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param, "")
        terms = [term.strip() for term in raw.split(",") if term.strip()]
        if not terms:
            return self.get_default_ordering(view)
        valid = {name for name, _label in self.get_valid_fields(queryset, view)}
        unknown = [term for term in terms if term.removeprefix("-") not in valid]
        if unknown:
            message = _("Order by one of: %(fields)s (with - for descending).") % {
                "fields": ", ".join(sorted(valid)) or "-"
            }
            raise ValidationError({self.ordering_param: [message]})
        if not any(term.removeprefix("-") in ("pk", "id") for term in terms):
            terms.append("pk")
        return terms

    def get_schema_operation_parameters(self, view):
        fields = getattr(view, "ordering_fields", None)
        if not fields:
            return []
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Sort by these fields, comma-separated; `-` before a field "
                "sorts it in descending order. Any other value answers 400.",
                "schema": {
                    "type": "array",
                    "items": {
                        "type": "string",
                        "enum": [value for name in fields for value in (name, f"-{name}")],
                    },
                },
                "style": "form",
                "explode": False,
            }
        ]
