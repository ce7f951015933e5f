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

On PostgreSQL, a view that also defines ``page_json`` has the database lay out
the page: one statement counts the list and writes the page's rows as JSON text
(``ctportal.api_sql``), which the response carries untouched (``RawJSON``). That
is the JSON answer's path; CSV and the browsable API keep ``page_rows``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.db import connection
from django.db.models import QuerySet
from rest_framework.response import Response


class RawJSON(str):
    """JSON text written by the database, put into the answer as it is (``ctportal.api``)."""


class _JSONPage(list):
    """What the paginator's slice gives on the database's path: no rows, the page's JSON."""

    def __init__(self, text: str):
        super().__init__()
        self.json = text


def _closed_ordering(ids: QuerySet) -> list:
    """The list's ordering, closed by the primary key so that pages never share a row."""
    ordering = list(ids.query.order_by or ids.model._meta.ordering)
    if not {"pk", "-pk", "id", "-id"} & set(ordering):
        ordering.append("pk")
    return ordering


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
        self.ordering = _closed_ordering(ids)

    def count(self) -> int:
        return self.ids.count()

    def __getitem__(self, window: slice) -> QuerySet:
        page = self.ids.model.objects.filter(pk__in=self.ids[window])
        return self.load(page).order_by(*self.ordering)


class _JSONRowsByPage:
    """The count and the asked-for page in one statement, the page as JSON text.

    The paginator asks for the count first, then for a slice; the statement run for
    the count already carries the page the request asked for (``guess``), so the
    slice is served from it unless the paginator settled on another window (a page
    past the end, ``page=last``).
    """

    ordered = True

    def __init__(self, ids: QuerySet, page_json: Callable[[], tuple[str, list]], guess):
        self.ids = ids.order_by(*_closed_ordering(ids))
        self.page_json = page_json
        self.guess = guess
        self._count: int | None = None
        self._window: tuple[int, int] | None = None
        self._json = ""

    def count(self) -> int:
        if self._count is None:
            self._run(self.guess, with_count=True)
        return self._count

    def __getitem__(self, window: slice) -> _JSONPage:
        start, stop = window.start or 0, window.stop
        if not self._holds(start, stop):
            self._run((start, stop), with_count=False)
        return _JSONPage(self._json)

    def _holds(self, start: int, stop: int) -> bool:
        """Whether the page already read is this slice (the last page's ends at the count)."""
        if self._window is None or start != self._window[0]:
            return False
        return stop == self._window[1] or (stop == self._count and stop < self._window[1])

    def _run(self, window: tuple[int, int] | None, *, with_count: bool) -> None:
        selects, params = [], []
        ctes = ""
        if window is not None:
            ids_sql, ids_params = self.ids.query.sql_with_params()
            window_sql = f"{ids_sql} LIMIT %s OFFSET %s"
            page = f"SELECT u.id, row_number() OVER () AS n FROM ({window_sql}) u(id)"  # noqa: S608
            ctes = f"WITH page AS MATERIALIZED ({page}) "
            params += [*ids_params, window[1] - window[0], window[0]]
        if with_count:
            count_sql, count_params = self.ids.order_by().query.sql_with_params()
            selects.append(f"(SELECT count(*) FROM ({count_sql}) c)")  # noqa: S608
            params += count_params
        if window is not None:
            rows_sql, rows_params = self.page_json()
            selects.append(f"(({rows_sql})::text)")
            params += rows_params
        with connection.cursor() as cursor:
            # The parts are SQL compiled by the ORM or written by the view; values are parameters.
            cursor.execute(f"{ctes}SELECT {', '.join(selects)}", params)  # noqa: S608
            row = cursor.fetchone()
        if with_count:
            self._count = row[0]
        if window is not None:
            self._window = window
            self._json = row[-1]


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
    # On PostgreSQL: SQL (and its parameters) giving the rows of the ids in ``page``
    # (``id``, ``n``: the place on the page) as one JSON list, in ``n`` order.
    page_json: Callable[[], tuple[str, list]] | None = None

    def _sortable(self, queryset: QuerySet) -> QuerySet:
        raw = self.request.query_params.get("ordering", "")
        asked = {term.strip().removeprefix("-") for term in raw.split(",")}
        for name, annotate in self.sort_annotations.items():
            if name in asked:
                queryset = annotate(queryset)
        return queryset

    def _database_lays_out(self, request) -> bool:
        return (
            self.page_json is not None
            and connection.vendor == "postgresql"
            and getattr(request.accepted_renderer, "format", None) == "json"
        )

    def _window_asked(self, request) -> tuple[int, int] | None:
        """The slice the request asks for, read as the paginator will (None for ``last``)."""
        size = self.paginator.get_page_size(request)
        raw = request.query_params.get(self.paginator.page_query_param, "1").strip()
        if size is None or not re.fullmatch(r"[1-9]\d{0,8}", raw):
            return None
        start = (int(raw) - 1) * size
        return start, start + size

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self._sortable(self.get_list_queryset()))
        if self._database_lays_out(request):
            rows = _JSONRowsByPage(
                queryset.values("pk"), self.page_json, self._window_asked(request)
            )
            self.paginate_queryset(rows)
            return self.get_paginated_response(RawJSON(self.paginator.page.object_list.json))
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
