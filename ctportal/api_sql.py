# ruff: noqa: S608 (SQL written from trusted expressions; values go in parameters)
"""SQL expressions that write a serializer's formats as JSON, for pages built by PostgreSQL.

A list view with ``page_json`` (see ``ctportal.api_pages``) has PostgreSQL lay
out a whole page as JSON text, which the response carries as it is. Each helper
here gives the SQL of one value in the format its DRF field writes, so that the
page is what the serializer gives for the same records (the tests compare them
page by page); ``ctportal.api_rows`` is the same in Python, for SQLite.

Helpers take SQL expressions (column names, trusted text) and return SQL; values
from outside go in parameters, added to the ``params`` list given.
"""

from __future__ import annotations

import json

from ctportal import api_rows as r

# What str.splitlines() splits on, as a regular expression (\r\n first).
LINE_BREAKS = "\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]"


def decimal(expression: str, places: int = 2) -> str:
    """``serializers.DecimalField(decimal_places=places)``: text with that many places."""
    return f"round(({expression})::numeric, {int(places)})::text"


def decimal_half_even(expression: str, places: int) -> str:
    """A quotient rounded half to even, as ``Decimal.quantize`` does by default, as text."""
    factor = 10 ** int(places)
    scaled = f"abs({expression}) * {factor}"
    return (
        f"round(sign({expression}) * (CASE WHEN {scaled} - floor({scaled}) = 0.5"
        f" AND mod(floor({scaled}), 2) = 0 THEN floor({scaled})"
        f" ELSE round({scaled}) END) / {factor}, {int(places)})::text"
    )


def datetime(expression: str) -> str:
    """``serializers.DateTimeField`` in UTC: ISO 8601, microseconds only when not zero, Z."""
    utc = f"(({expression}) AT TIME ZONE 'UTC')"
    return (
        f"CASE WHEN {expression} IS NULL THEN NULL ELSE"
        f" to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN mod(date_part('microseconds', {utc})::bigint, 1000000) = 0 THEN ''"
        f" ELSE to_char({utc}, '.US') END || 'Z' END"
    )


def labels(field, expression: str, params: list) -> str:
    """A choice's label in the reader's language (``get_FOO_display``); the value if none."""
    params.append(json.dumps({str(key): label for key, label in r.labels(field).items()}))
    return f"coalesce(%s::jsonb ->> ({expression})::text, ({expression})::text)"


def translated(expression: str, translations: dict[str, str], params: list) -> str:
    """Text through the reader's catalogue (``gettext``), as a parameter map."""
    params.append(json.dumps(translations))
    return f"coalesce(%s::jsonb ->> ({expression}), {expression})"


class Json(str):
    """SQL of an expression whose text is already JSON (an object or list built here)."""


def json_text(expression: str) -> Json:
    """An expression as JSON text: a value through ``to_json``, JSON as it is; never NULL.

    Pieces are joined by ``||``, so a NULL would void the whole row: it reads ``null``.
    """
    if isinstance(expression, Json):
        return Json(f"coalesce({expression}, 'null')")
    return Json(f"coalesce(to_json({expression})::text, 'null')")


def json_object(fields: dict[str, str]) -> Json:
    """A JSON object of the fields' SQL, keys in the order given, compact as DRF writes it."""
    parts = [f"'{json.dumps(key)}:' || {json_text(value)}" for key, value in fields.items()]
    return Json("('{' || " + " || ',' || ".join(parts) + " || '}')")


def json_list(element: str, order: str, rest: str) -> Json:
    """``[element, ...]`` over ``FROM ...`` (``rest``) in ``order``; ``[]`` when none."""
    return Json(
        f"coalesce((SELECT '[' || string_agg({json_text(element)}, ',' ORDER BY {order})"
        f" || ']' {rest}), '[]')"
    )


def organisation_ref(alias: str) -> Json:
    """An organisation joined as ``alias``, as ``OrganisationRefSerializer`` gives it."""
    ref = json_object({name: f"{alias}.{name}" for name in r.ORGANISATION_REF})
    return Json(f"CASE WHEN {alias}.id IS NULL THEN 'null' ELSE {ref} END")


def lines(expression: str, strip: str, params: list) -> Json:
    """``[line.strip(strip) for line in text.splitlines() if line.strip(strip)]`` as JSON."""
    params += [strip, LINE_BREAKS]
    return json_list(
        "l.line",
        "l.n",
        "FROM (SELECT btrim(s.part, %s) AS line, s.n"
        f" FROM regexp_split_to_table({expression}, %s) WITH ORDINALITY AS s(part, n)"
        ") l WHERE l.line <> ''",
    )
