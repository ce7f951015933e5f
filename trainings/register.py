"""Reads of the participant register: people, their sessions and possible duplicates.

Everything starts from ``Person.objects.visible_to(user)``; session counts
only count sessions the user may see.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Lower

from .models import Attendance, Person


def _visible_sessions(user) -> Coalesce:
    rows = (
        Attendance.objects.visible_to(user)
        .filter(person=OuterRef("pk"))
        .order_by()
        .values("person")
        .annotate(n=Count("session", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def people_register(*, user, query: str = "", with_names: bool = False) -> QuerySet:
    """The people not merged into another, with ``session_count``; searchable by name
    (when the user may see names), institution or role."""
    people = Person.objects.visible_to(user).filter(merged_into__isnull=True)
    query = query.strip()
    if query:
        match = Q(institution__icontains=query) | Q(role__icontains=query)
        if with_names:
            match |= Q(full_name__icontains=query)
        people = people.filter(match)
    return (
        people.annotate(session_count=_visible_sessions(user))
        .select_related("nationality", "country_of_work")
        .order_by(Lower("full_name"), "pk")
    )


def possible_duplicates(*, user, limit: int = 50) -> list[dict[str, Any]]:
    """Groups of people with the same name (any case), at most ``limit`` groups.

    A group is ``strong`` when two of its people also share sex and country of
    work: the register's own match would have joined them had they been typed alike.
    """
    people = (
        Person.objects.visible_to(user)
        .filter(merged_into__isnull=True)
        .exclude(full_name="")
        .annotate(key=Lower("full_name"))
    )
    keys = list(
        people.order_by()
        .values("key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("key")
        .values_list("key", flat=True)[:limit]
    )
    members = (
        people.filter(key__in=keys)
        .annotate(session_count=_visible_sessions(user))
        .select_related("nationality", "country_of_work")
        .order_by("key", "pk")
    )
    groups: dict[str, list[Person]] = defaultdict(list)
    for person in members:
        groups[person.key].append(person)
    result = []
    for key in keys:
        group = groups[key]
        signatures = [(p.sex, p.country_of_work_id) for p in group]
        result.append(
            {
                "people": group,
                "strong": len(set(signatures)) < len(signatures),
            }
        )
    return result
