"""Conventions every API endpoint shares: permission, pagination, errors, CSV, throttling."""

import re

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, permissions, renderers, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle
from rest_framework.utils.urls import remove_query_param, replace_query_param

from ctportal import access
from ctportal.api_csv import FORMULA_PREFIXES, CSVRenderer  # noqa: F401 (named from here)
from ctportal.api_pages import RawJSON
from ctportal.api_throttle import UserRatesThrottle  # noqa: F401 (named from here)
from ctportal.audit import StaleVersion


class HasRole(permissions.BasePermission):
    """Only signed-in users with a role reach the API; scope is in the querysets."""

    message = "Authentication with a user that has a role is required."

    def has_permission(self, request, view) -> bool:
        return access.has_role(request.user)


class PortalPagination(PageNumberPagination):
    """Pages of 50 (``page_size`` up to 1000), in JSON and CSV alike.

    A CSV body has no room for ``count``/``next``/``previous``, so every list also
    says them in headers: ``X-Total-Count`` and an RFC 8288 ``Link`` (first, prev,
    next, last), which keeps the format asked for (``?format=csv``).
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request):
        self._check_whole_number(request, self.page_size_query_param)
        return super().get_page_size(request)

    def paginate_queryset(self, queryset, request, view=None):
        self._check_whole_number(request, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)

    @staticmethod
    def _check_whole_number(request, name: str) -> None:
        """A page or page size that is no positive whole number is a 400, not a default."""
        raw = request.query_params.get(name)
        if raw is None or (name == "page" and raw.strip() == "last"):
            return
        if not re.fullmatch(r"[1-9]\d*", raw.strip()):
            raise exceptions.ValidationError({name: [_("Enter a whole number from 1.")]})

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response["X-Total-Count"] = str(self.page.paginator.count)
        links = self.get_links()
        if links:
            response["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links)
        return response

    def get_links(self) -> list[tuple[str, str]]:
        """The (rel, absolute URL) pairs of the pages around this one."""
        url = self.request.build_absolute_uri()
        number, last = self.page.number, self.page.paginator.num_pages
        links = []
        if number > 1:
            links.append(("first", remove_query_param(url, self.page_query_param)))
            links.append(("prev", self.get_previous_link()))
        if self.page.has_next():
            links.append(("next", self.get_next_link()))
            links.append(("last", replace_query_param(url, self.page_query_param, last)))
        return links


class ChoiceLabelField(serializers.CharField):
    """A choice's label in the reader's language, as ``get_<field>_display`` gives it.

    ``get_<field>_display`` builds the whole table of labels, translating each one,
    for every row; this field builds it once per language for the whole list.
    """

    def __init__(self, choice_field: str, **kwargs):
        super().__init__(source=choice_field, read_only=True, **kwargs)
        self._labels: dict[str, dict] = {}

    def to_representation(self, value):
        language = get_language()
        labels = self._labels.get(language)
        if labels is None:
            model_field = self.parent.Meta.model._meta.get_field(self.source)
            labels = self._labels[language] = {
                key: str(label) for key, label in model_field.flatchoices
            }
        return labels.get(value, str(value))


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer; a page the database laid out (``RawJSON``) goes in as it is."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict) and isinstance(data.get("results"), RawJSON):
            rest = {key: value for key, value in data.items() if key != "results"}
            head = super().render(rest, accepted_media_type, renderer_context)
            rows = data["results"].encode()
            return head[: head.rindex(b"}")].rstrip() + b',"results":' + rows + b"}"
        return super().render(data, accepted_media_type, renderer_context)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing nesting too deep to decode instead of failing with a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("JSON parse error - nested too deeply.")) from None


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request is larger than the portal accepts; send less at a time.")
    default_code = "request_too_large"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The record was changed since you loaded it.")
    default_code = "stale_version"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "Send the version you edited, in an If-Match header (the ETag of the record) "
        "or as “version” in the body, so that no one else's changes are overwritten."
    )
    default_code = "precondition_required"


def version_etag(version: int) -> str:
    """The ETag of a record with a ``version`` counter (see ``ctportal.audit``)."""
    return f'"{version}"'


def expected_version(request) -> int | None:
    """The version a client says it edited: If-Match, or ``version`` in the body.

    None means "any" (``If-Match: *``). Without either, the write would overwrite
    blindly, so it is refused with 428; a malformed or contradictory pair with 412.
    """
    header = request.headers.get("If-Match")
    in_body = request.data.get("version") if isinstance(request.data, dict) else None
    if header is None and in_body is None:
        raise PreconditionRequired()
    from_header = None
    if header is not None and header.strip() != "*":
        match = re.fullmatch(r'(?:W/)?"?(\d{1,9})"?', header.strip())
        if match is None:
            raise PreconditionFailed()
        from_header = int(match.group(1))
    if in_body is None:
        return from_header
    try:
        from_body = serializers.IntegerField(min_value=1).run_validation(in_body)
    except exceptions.ValidationError as exc:
        raise exceptions.ValidationError({"version": exc.detail}) from exc
    if from_header is not None and from_body != from_header:
        raise PreconditionFailed()
    return from_body


# drf-spectacular's Swagger UI page carries one small inline <style>; CSP allows
# exactly that block (a test recomputes the hash from the served page).
SWAGGER_UI_STYLE_HASH = "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"


class TokenRateThrottle(AnonRateThrottle):
    """The anonymous rate, read per request so that changed settings apply at once.

    DRF's obtain_auth_token has no throttle at all; guessing passwords through it
    must be as slow as through the sign-in page.
    """

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """Nested serializer errors as flat keys such as ``fundings[1].amount``.

    Services report child errors the same way (``ctportal.audit.prefix_errors``),
    so a client finds a field under one name whichever layer rejected it.
    """
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, item in detail.items():
            if key in (NON_FIELD_ERRORS, api_settings.NON_FIELD_ERRORS_KEY):
                # A nested row's own errors belong to the row ("fundings", "fundings[1]").
                name = prefix or api_settings.NON_FIELD_ERRORS_KEY
            elif isinstance(key, int):
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in flatten_errors(item, name).items():
                flat.setdefault(field, []).extend(messages)
        return flat
    if isinstance(detail, list | tuple):
        flat = {}
        for index, item in enumerate(detail):
            if isinstance(item, dict | list | tuple):
                if item:
                    flat.update(flatten_errors(item, f"{prefix}[{index}]"))
            else:
                flat.setdefault(prefix or api_settings.NON_FIELD_ERRORS_KEY, []).append(str(item))
        return flat
    return {prefix or api_settings.NON_FIELD_ERRORS_KEY: [str(detail)]}


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
    elif isinstance(exc, StaleVersion):
        exc = PreconditionFailed(str(exc))
    elif isinstance(exc, RequestDataTooBig | TooManyFieldsSent):
        exc = RequestTooLarge()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    fields = {}
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = flatten_errors(detail)
        request = context.get("request")
        if request is not None and request.method in permissions.SAFE_METHODS:
            message = str(_("Some parameters are not valid; see error.fields."))
        else:
            message = str(_("Some values are not valid; nothing was saved."))
        code = "invalid"
    else:
        message = str(exc.detail) if hasattr(exc, "detail") else str(exc)
        codes = exc.get_codes() if hasattr(exc, "get_codes") else "error"
        code = codes if isinstance(codes, str) else "error"
    body = {"error": {"status": response.status_code, "code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return Response(body, status=response.status_code, headers=dict(response.headers))
