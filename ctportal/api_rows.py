"""API list rows built from plain values, in the read serializer's exact layout.

A list page of 50 records with their funding, countries and partners made DRF
build thousands of model instances and walk a nested serializer field by field
for each of them; that, not the database, was most of a list's time. A list view
with ``page_rows`` (see ``ctportal.api_pages``) reads the page with ``values()``
and each related list with one more ``values()`` query over the page's ids, and
lays out each row itself, with the same keys in the same order and the same
formats as its serializer (which still answers a single record, and which the
tests compare every page with).

The formats are DRF's own: each helper below calls the serializer field that
would have formatted the value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

_DATE = serializers.DateField()
_DATETIME = serializers.DateTimeField()
_DECIMALS: dict[tuple[int, int], serializers.DecimalField] = {}


def decimal(value, max_digits: int = 16, decimal_places: int = 2) -> str | None:
    """A decimal as ``serializers.DecimalField(max_digits, decimal_places)`` writes it."""
    if value is None:
        return None
    field = _DECIMALS.get((max_digits, decimal_places))
    if field is None:
        field = _DECIMALS[max_digits, decimal_places] = serializers.DecimalField(
            max_digits=max_digits, decimal_places=decimal_places
        )
    return field.to_representation(value)


def date(value) -> str | None:
    return None if value is None else _DATE.to_representation(value)


def datetime(value) -> str | None:
    return None if value is None else _DATETIME.to_representation(value)


def labels(field) -> dict:
    """A model field's choices and their labels in the reader's language, as get_FOO_display."""
    return {key: str(label) for key, label in field.flatchoices}


def grouped(
    queryset: QuerySet, parent: str, columns: Iterable[str], build: Callable[[tuple], Any]
) -> defaultdict[Any, list]:
    """Related rows by parent id, in the queryset's order: one query for the whole page.

    ``build`` turns each row of ``values_list(parent, *columns)`` (without the
    parent) into what the list shows.
    """
    rows: defaultdict[Any, list] = defaultdict(list)
    for parent_id, *values in queryset.values_list(parent, *columns):
        rows[parent_id].append(build(values))
    return rows


def organisation_ref(pk, name, name_ar, name_fr, acronym) -> dict | None:
    """An organisation as ``OrganisationRefSerializer`` gives it; None without one."""
    if pk is None:
        return None
    return {"id": pk, "name": name, "name_ar": name_ar, "name_fr": name_fr, "acronym": acronym}


ORGANISATION_REF = ("id", "name", "name_ar", "name_fr", "acronym")


def organisation_columns(path: str) -> list[str]:
    """The ``values()`` names of an organisation reference reached through ``path``."""
    return [f"{path}__{name}" for name in ORGANISATION_REF]
