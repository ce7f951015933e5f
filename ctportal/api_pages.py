"""API lists that choose a page's rows before loading what the rows show.

A list row often shows figures computed over large child tables (a project's
spend over its transactions, a session's participants over its attendances)
and related records fetched by prefetches. Annotated over the whole filtered
list, those figures made every page, and the count, cost the size of the
portfolio. A list view using ``PageFirstListMixin`` instead:

1. counts and orders the scoped, filtered queryset with no annotations
   (``get_list_queryset``), so the count is one plain ``COUNT(*)`` and the
   page's ids come from an index matching the ordering;
2. loads only those ids with everything a row shows (``with_details``), in
   the same query (the ids as a subquery), sorted again in the page's order.

An ordering by a computed figure (``ordering=spent``) needs that figure on
every row; ``sort_annotations`` names, for each such field, the function that
annotates it, applied only when the request asks for that ordering.

A view that defines ``page_values`` and ``page_rows`` lays out the page's rows
itself from plain values (``ctportal.api_rows``) instead of passing model
instances through its serializer: ``page_values`` is ``with_details`` as a
``values()`` queryset, and ``page_rows`` turns the page's values into the rows
the serializer would have given.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from rest_framework.response import Response


class _RowsByPage:
    """What the paginator counts and slices: ids chosen in the database, then their rows.

    A slice is one query: the page's rows, with what they show, selected by the
    page's ids as a subquery (``id IN (SELECT id ... ORDER BY ... LIMIT 50)``) and
    sorted again in the same order.
    """

    ordered = True

    def __init__(self, ids: QuerySet, load: Callable[[QuerySet], QuerySet]):
        self.ids = ids
        self.load = load
        ordering = list(ids.query.order_by or ids.model._meta.ordering)
        if not {"pk", "-pk", "id", "-id"} & set(ordering):
            ordering.append("pk")
        self.ordering = ordering

    def count(self) -> int:
        return self.ids.count()

    def __getitem__(self, window: slice) -> QuerySet:
        page = self.ids.model.objects.filter(pk__in=self.ids[window])
        return self.load(page).order_by(*self.ordering)


class PageFirstListMixin:
    sort_annotations: dict[str, Callable[[QuerySet], QuerySet]] = {}

    def get_list_queryset(self) -> QuerySet:
        """The scoped records in their default order, with nothing computed."""
        raise NotImplementedError

    def with_details(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` with every figure and related record a row shows."""
        raise NotImplementedError

    page_values: Callable[[QuerySet], QuerySet] | None = None
    page_rows: Callable[[list[dict]], list[dict]] | None = None

    def _sortable(self, queryset: QuerySet) -> QuerySet:
        raw = self.request.query_params.get("ordering", "")
        asked = {term.strip().removeprefix("-") for term in raw.split(",")}
        for name, annotate in self.sort_annotations.items():
            if name in asked:
                queryset = annotate(queryset)
        return queryset

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self._sortable(self.get_list_queryset()))
        load = self.with_details if self.page_rows is None else self.page_values
        page = self.paginate_queryset(_RowsByPage(queryset.values("pk"), load))
        if page is None:
            page = list(load(queryset))
            return Response(self._layout(page))
        return self.get_paginated_response(self._layout(page))

    def _layout(self, page: list) -> list:
        if self.page_rows is None:
            return self.get_serializer(page, many=True).data
        return self.page_rows(page)
