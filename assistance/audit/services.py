"""Writing the API read log of case data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest

from ctportal.network import client_ip

from .models import CaseDataRead

# Query values are filter codes and dates; anything longer is cut, never kept whole.
QUERY_VALUE_LIMIT = 100


def _ids(rows: Iterable[Any], key: str) -> list[int]:
    found = []
    for row in rows:
        value = row.get(key) if isinstance(row, dict) else None
        if isinstance(value, int) and value not in found:
            found.append(value)
    return found


def returned_rows(data: Any) -> list[dict]:
    """The records of an API answer: a page's results, or the one record answered."""
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return data["results"]
    if isinstance(data, dict) and "id" in data:
        return [data]
    return []


def case_read_record(
    *,
    request: HttpRequest,
    user,
    endpoint: str,
    status_code: int,
    data: Any,
    known_params: Iterable[str],
    case_key: str | None,
) -> CaseDataRead:
    """Log one API read of case data: who, when, which endpoint and query, which ids, where from.

    Only the parameters the endpoint understands are kept (free text a caller
    adds to the URL could name someone), and of the answer only primary keys.
    """
    known = set(known_params)
    query = {
        name: [value[:QUERY_VALUE_LIMIT] for value in request.GET.getlist(name)]
        for name in sorted(request.GET)
        if name in known
    }
    rows = returned_rows(data) if 200 <= status_code < 300 else []
    object_ids = _ids(rows, "id")
    case_ids = object_ids if case_key is None else _ids(rows, case_key)
    return CaseDataRead.objects.create(
        user=user,
        endpoint=endpoint[:100],
        path=request.path[:255],
        query=query,
        status_code=status_code,
        object_ids=object_ids,
        case_ids=case_ids,
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT") or "")[:255],
    )
