"""API lists that choose a page's rows before loading what the rows show.

A list row often shows figures computed over large child tables (a project's
spend over its transactions, a session's participants over its attendances)
and related records fetched by prefetches. Annotated over the whole filtered
list, those figures made every page, and the count, cost the size of the
portfolio. A list view using ``PageFirstListMixin`` instead:

1. counts and orders the scoped, filtered queryset with no annotations
   (``get_list_queryset``), so the count is one plain ``COUNT(*)`` and the
   page's ids come from an index matching the ordering;
2. loads only those ids with everything a row shows (``with_details``), and
   hands them to the serializer in the page's order.

An ordering by a computed figure (``ordering=spent``) needs that figure on
every row; ``sort_annotations`` names, for each such field, the function that
annotates it, applied only when the request asks for that ordering.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from rest_framework.response import Response


class PageFirstListMixin:
    sort_annotations: dict[str, Callable[[QuerySet], QuerySet]] = {}

    def get_list_queryset(self) -> QuerySet:
        """The scoped records in their default order, with nothing computed."""
        raise NotImplementedError

    def with_details(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` with every figure and related record a row shows."""
        raise NotImplementedError

    def _sortable(self, queryset: QuerySet) -> QuerySet:
        raw = self.request.query_params.get("ordering", "")
        asked = {term.strip().removeprefix("-") for term in raw.split(",")}
        for name, annotate in self.sort_annotations.items():
            if name in asked:
                queryset = annotate(queryset)
        return queryset

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self._sortable(self.get_list_queryset()))
        ids = queryset.values_list("pk", flat=True)
        page = self.paginate_queryset(ids)
        ids = list(ids if page is None else page)
        rows = self.with_details(queryset.model.objects.filter(pk__in=ids))
        loaded = {row.pk: row for row in rows}
        serializer = self.get_serializer([loaded[pk] for pk in ids], many=True)
        if page is None:
            return Response(serializer.data)
        return self.get_paginated_response(serializer.data)
