"""The OpenAPI schema of every endpoint, with what the API's conventions add to it.

Paginated lists document their paging headers (``PortalAutoSchema``). A
drf-spectacular postprocessing hook (``document_errors``) gives each operation
400, 401, 403, 404 and 429 (and 413 when it takes a body; 409, 412 and 428 when
it takes If-Match), each with the body ``ctportal.api.exception_handler`` sends;
descriptions an operation gives itself are kept. It also unlists, from the
required fields, those some callers never receive.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema

from ctportal.api import PortalPagination

PAGING_HEADERS = {
    "X-Total-Count": {
        "schema": {"type": "integer"},
        "description": "How many records match, on every page (JSON and CSV alike).",
    },
    "Link": {
        "schema": {"type": "string"},
        "description": "RFC 8288 links to the `first`, `prev`, `next` and `last` pages, e.g. "
        '`<https://host/api/v1/projects/?page=2&format=csv>; rel="next"`.',
    },
}


class PortalAutoSchema(AutoSchema):
    """drf-spectacular's schema; paginated lists also document their paging headers."""

    def get_tags(self) -> list[str]:
        """One tag per area of the portal, as people look for operations."""
        from ctportal.api_docs import area_of

        return [area_of(self.path)]

    def _get_response_headers_for_code(self, status_code, direction="response"):
        headers = super()._get_response_headers_for_code(status_code, direction)
        paged = isinstance(self._get_paginator(), PortalPagination)
        listed = self._is_list_view() or "{" not in self.path
        if str(status_code) == "200" and self.method == "GET" and paged and listed:
            headers = {**PAGING_HEADERS, **headers}
        return headers


ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error answer of the API.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer", "description": "The HTTP status code."},
                "code": {
                    "type": "string",
                    "description": "A stable code: invalid, not_found, permission_denied, "
                    "not_authenticated, parse_error, stale_version, precondition_required, "
                    "request_too_large, throttled …",
                },
                "message": {"type": "string", "description": "What went wrong, in words."},
                "fields": {
                    "type": "object",
                    "description": "For 400: messages per field (nested rows as "
                    "`fundings[1].amount`; `non_field_errors` for the whole record).",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["status", "code", "message"],
        }
    },
    "required": ["error"],
}

EVERY_OPERATION = {
    "400": "Invalid parameters or body; `error.fields` names each field.",
    "401": "No valid credentials (a token or a session).",
    "403": "Your role may not do this.",
    "404": "No such record within your scope, or a page past the last.",
    "429": "Too many requests; wait before trying again.",
}
WITH_BODY = {"413": "The body is larger than the portal accepts."}
WITH_LOCKING = {
    "409": "The change conflicts with the record as it is now.",
    "412": "Someone else saved the record since you loaded it (the ETag changed).",
    "428": "No If-Match header and no `version` given.",
}
METHODS = ("get", "put", "post", "delete", "patch", "head")
# Read-only fields left out of some answers (drf-spectacular lists every read-only
# field as required): a participant's name is only there for those who may see names.
MAY_BE_LEFT_OUT = {"Participant": {"name"}}


CSV = {"schema": {"type": "string", "description": "Comma-separated values, UTF-8 with BOM."}}


def _error_content(has_csv: bool) -> dict:
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    if has_csv:
        # Asked for CSV, an error comes as CSV too: the same fields flattened.
        content["text/csv"] = CSV
    return content


def _csv_is_text(responses: dict) -> bool:
    """CSV answers are text, not the JSON objects drf-spectacular repeats for every renderer."""
    has_csv = False
    for response in responses.values():
        content = response.get("content", {})
        if "text/csv" in content:
            content["text/csv"] = CSV
            has_csv = True
    return has_csv


def document_errors(result: dict, generator, request, public) -> dict:
    """Add the error answers to every operation of the generated schema."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    for component, names in MAY_BE_LEFT_OUT.items():
        if component in components:
            required = components[component].get("required", [])
            components[component]["required"] = [n for n in required if n not in names]
    for path_item in result.get("paths", {}).values():
        for method in METHODS:
            operation = path_item.get(method)
            if operation is None:
                continue
            answers = dict(EVERY_OPERATION)
            if "requestBody" in operation:
                answers.update(WITH_BODY)
            headers = {
                p.get("name") for p in operation.get("parameters", []) if p.get("in") == "header"
            }
            if "If-Match" in headers:
                answers.update(WITH_LOCKING)
            responses = operation.setdefault("responses", {})
            has_csv = _csv_is_text(responses)
            for status, description in answers.items():
                response = responses.setdefault(status, {"description": description})
                response["content"] = _error_content(has_csv)
    return result
