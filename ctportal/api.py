"""Conventions every API endpoint shares: permission, pagination, errors, CSV."""

import csv
import io

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, permissions, renderers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from ctportal import access


class HasRole(permissions.BasePermission):
    """Only signed-in users with a role reach the API; scope is in the querysets."""

    message = "Authentication with a user that has a role is required."

    def has_permission(self, request, view) -> bool:
        return access.has_role(request.user)


class PortalPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


class CSVRenderer(renderers.BaseRenderer):
    """Flattens a paginated list (or one object) into CSV; nested keys join with a dot."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if isinstance(data, dict) and "results" in data:
            rows = data["results"]
        elif isinstance(data, list):
            rows = data
        else:
            rows = [data]
        flat = [self._flatten(row) for row in rows]
        header: list[str] = []
        for row in flat:
            header.extend(key for key in row if key not in header)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(flat)
        return ("\ufeff" + out.getvalue()).encode(self.charset)

    def _flatten(self, value, prefix: str = "") -> dict:
        if isinstance(value, dict):
            flat: dict = {}
            for key, item in value.items():
                flat.update(self._flatten(item, f"{prefix}{key}."))
            return flat
        if isinstance(value, list):
            if all(not isinstance(item, dict | list) for item in value):
                return {prefix[:-1]: "; ".join(str(item) for item in value)}
            flat = {}
            for index, item in enumerate(value):
                flat.update(self._flatten(item, f"{prefix}{index}."))
            return flat
        return {prefix[:-1]: "" if value is None else value}


def exception_handler(exc, context):
    """One error format: {"error": {"status", "code", "message", "fields"}}."""
    # Imported here: rest_framework.views reads these settings while it loads.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    fields = {}
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = detail
        message = "Some values are not valid; nothing was saved."
        code = "invalid"
    else:
        message = str(exc.detail) if hasattr(exc, "detail") else str(exc)
        codes = exc.get_codes() if hasattr(exc, "get_codes") else "error"
        code = codes if isinstance(codes, str) else "error"
    body = {"error": {"status": response.status_code, "code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return Response(body, status=response.status_code, headers=dict(response.headers))
