"""The API's CSV: one flat row per record, headers that never depend on data or language.

A view declares its layout in ``csv_columns`` ({header: path}); a path is dotted
through the JSON of a record, and where it crosses a list the values of every
item are joined with ``;`` (``fundings.donor.acronym`` gives ``EU;IT``), or with
the separator given as ``(path, separator)`` (lines of free text). Views
that declare nothing get the layout of their serializer's fields, read the same
way, so a header is never a position (``partners.0.name``) and an empty list
still has its header row. Views whose JSON is not a list of records (figures)
turn it into rows with ``csv_rows(data)``. ``csv_hxl`` ({header: hashtag}) adds
an HXL hashtag row under the header when asked with ``?hxl=1``.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import renderers, serializers

# Spreadsheets run cells that start with these as formulas.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = ";"
HXL_PARAM = "hxl"
HXL_PARAMETER = OpenApiParameter(
    HXL_PARAM,
    OpenApiTypes.BOOL,
    description="CSV only: `1` adds a row of HXL hashtags (https://hxlstandard.org) "
    "under the header.",
)


def serializer_columns(serializer: serializers.Serializer, prefix: str = "") -> dict[str, str]:
    """{header: path} of every field a serializer sends, nested ones flattened."""
    columns: dict[str, str] = {}
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        nested = _nested_serializer(serializer, field)
        path = f"{prefix}{name}"
        if nested is not None:
            for header, sub_path in serializer_columns(nested).items():
                columns[f"{path}_{header}".replace(".", "_")] = f"{path}.{sub_path}"
        else:
            columns[path.replace(".", "_")] = path
    return columns


def _nested_serializer(parent, field) -> serializers.Serializer | None:
    if isinstance(field, serializers.ListSerializer):
        field = field.child
    if isinstance(field, serializers.SerializerMethodField):
        # The type drf-spectacular documents for the method (@extend_schema_field).
        method = getattr(type(parent), field.method_name or f"get_{field.field_name}", None)
        field = getattr(method, "_spectacular_annotation", {}).get("field")
        if isinstance(field, type) and issubclass(field, serializers.Serializer):
            field = field()
    return field if isinstance(field, serializers.Serializer) else None


def pick(value: Any, path: str) -> Any:
    """The value at a dotted path; across a list, the list of each item's value."""
    parts = path.split(".")
    for index, part in enumerate(parts):
        if isinstance(value, list):
            rest = ".".join(parts[index:])
            return [pick(item, rest) for item in value]
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _flat_list(values: list) -> list:
    flat = []
    for value in values:
        if isinstance(value, list):
            flat.extend(_flat_list(value))
        else:
            flat.append(value)
    return flat


def cell(value: Any, separator: str = LIST_SEPARATOR) -> Any:
    """One CSV cell: lists joined, objects as JSON, nothing that a spreadsheet runs."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = separator.join(str(cell(item)) for item in _flat_list(value) if item is not None)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Columns of one record read from its data (errors, views without a layout)."""
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}{key}_"))
        return flat
    if isinstance(value, list) and any(isinstance(item, dict) for item in value):
        keys: list[str] = []
        for item in value:
            if isinstance(item, dict):
                keys.extend(key for key in item if key not in keys)
        return {f"{prefix}{key}": cell(pick(value, key)) for key in keys}
    return {prefix[:-1]: cell(value)}


def column_value(row: Any, spec: str | tuple[str, str]) -> Any:
    path, separator = (spec, LIST_SEPARATOR) if isinstance(spec, str) else spec
    return cell(pick(row, path), separator)


def layout_of(view) -> dict[str, Any] | None:
    """The view's declared columns, else those of its serializer, else None."""
    columns = getattr(view, "csv_columns", None)
    if columns is not None:
        return dict(columns)
    if getattr(view, "serializer_class", None) is None:
        return None
    try:
        serializer = view.get_serializer()
    except (AssertionError, AttributeError, TypeError):
        return None
    if isinstance(serializer, serializers.ListSerializer):
        serializer = serializer.child
    return serializer_columns(serializer)


def wants_hxl(request) -> bool:
    value = request.query_params.get(HXL_PARAM, "") if request is not None else ""
    return value.lower() in ("1", "true", "yes")


class CSVRenderer(renderers.BaseRenderer):
    """Flat CSV of a list (a page of it) or one record; see the module's docstring."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        context = renderer_context or {}
        view, response = context.get("view"), context.get("response")
        failed = response is not None and response.status_code >= 400
        if not failed and view is not None and hasattr(view, "csv_rows"):
            data = view.csv_rows(data)
        if isinstance(data, dict) and "results" in data:
            rows = data["results"]
        elif isinstance(data, list):
            rows = data
        else:
            rows = [data]
        columns = None if failed or view is None else layout_of(view)
        if columns is None:
            flat = [flatten(row) for row in rows]
            header: list[str] = []
            for row in flat:
                header.extend(key for key in row if key not in header)
        else:
            header = list(columns)
            flat = [
                {name: column_value(row, spec) for name, spec in columns.items()} for row in rows
            ]
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        hashtags = getattr(view, "csv_hxl", None)
        if hashtags and not failed and wants_hxl(context.get("request")):
            writer.writerow({name: hashtags.get(name, "") for name in header})
        writer.writerows(flat)
        if not failed:
            self._name_download(context)
        return ("\ufeff" + out.getvalue()).encode(self.charset)

    @staticmethod
    def _name_download(context: dict) -> None:
        response, view = context.get("response"), context.get("view")
        if response is None:
            return
        name = getattr(view, "basename", None) or "export"
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
