"""The OpenAPI schema of every endpoint, with what the API's conventions add to it."""

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

    def _get_response_headers_for_code(self, status_code, direction="response"):
        headers = super()._get_response_headers_for_code(status_code, direction)
        paged = isinstance(self._get_paginator(), PortalPagination)
        listed = self._is_list_view() or "{" not in self.path
        if str(status_code) == "200" and self.method == "GET" and paged and listed:
            headers = {**PAGING_HEADERS, **headers}
        return headers
