"""What a request that failed before or outside a view answers: pages and API alike.

Django calls these for a bad request (including a body over
``DATA_UPLOAD_MAX_MEMORY_SIZE``), a refusal, a missing page and an unhandled
error. Under /api/ the answer is the API's error format in JSON; elsewhere a
page in the portal's layout. An error page must never fail in turn: when the
layout cannot be drawn (the database is down, a template breaks), a plain page
with the same status is sent instead. Nothing of the request or the exception
is shown, so no data entered (a victim's name, say) can leak into an error page.
"""

from __future__ import annotations

import logging
from html import escape

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

API_PREFIX = "/api/"

logger = logging.getLogger(__name__)


def _messages() -> dict[int, tuple[str, str, str]]:
    """Status: (code in the API's error format, title, explanation)."""
    return {
        400: ("bad_request", _("Bad request"), _("The request could not be understood.")),
        403: (
            "permission_denied",
            _("Not allowed"),
            _("You do not have permission to do this."),
        ),
        404: ("not_found", _("Not found"), _("There is nothing at this address for you.")),
        413: (
            "request_too_large",
            _("Request too large"),
            _("The request is larger than the portal accepts; send less at a time."),
        ),
        500: (
            "server_error",
            _("Server error"),
            _("Something went wrong on our side. The error has been recorded."),
        ),
    }


def error_body(status: int) -> dict:
    """The API's error format for one of the statuses above."""
    code, _title, message = _messages()[status]
    return {"error": {"status": status, "code": code, "message": str(message)}}


def _plain(status: int, title: str, message: str) -> HttpResponse:
    """A page drawn without templates, database or request data."""
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>"
        f"<p>{escape(message)}</p></body></html>"
    )
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


def _why_refused(request) -> str:
    """Why a page is refused, from who is asking; never from the exception or the request."""
    from ctportal import access

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return _("This page is for signed-in users of the portal. Sign in, then open it again.")
    role = access.role_of(user)
    if role is None:
        return _(
            "Your account has no role yet, so it may not see anything in the portal. "
            "Ask an administrator to give it one."
        )
    return _(
        "Your role, %(role)s, does not allow this page or action. If your work needs it, "
        "ask an administrator."
    ) % {"role": role.label}


def respond(
    request,
    status: int,
    *,
    with_layout: bool = True,
    reason: str = "",
    code: str = "",
    title: str = "",
) -> HttpResponse:
    try:
        if request.path.startswith(API_PREFIX):
            body = error_body(status)
            if reason:
                body["error"].update(code=code or body["error"]["code"], message=str(reason))
            return JsonResponse(body, status=status)
        _code, default_title, message = _messages()[status]
        if title:
            # A refusal of its own kind (an expired form): its reason is the message.
            message, reason = reason, ""
        elif status == 403 and not reason and with_layout:
            reason = _why_refused(request)
        title = title or default_title
        context = {"status": status, "title": title, "message": message, "reason": reason}
        if with_layout:
            html = loader.render_to_string("errors/page.html", context, request=request)
        else:
            html = loader.render_to_string("errors/plain.html", context)
        return HttpResponse(html, status=status)
    except Exception:
        logger.exception("The %s error page could not be drawn", status)
        return _plain(status, "Error", "The request could not be completed.")


def bad_request(request, exception=None) -> HttpResponse:
    too_big = isinstance(exception, RequestDataTooBig | TooManyFieldsSent)
    return respond(request, 413 if too_big else 400)


def permission_denied(request, exception=None) -> HttpResponse:
    return respond(request, 403)


def csrf_failure(request, reason: str = "") -> HttpResponse:
    """A form sent without its security token (expired page, cookies blocked, another site).

    Django's reason names the missing cookie or token; the reader gets what to do.
    """
    return respond(
        request,
        403,
        code="csrf_failed",
        title=_("The form has expired"),
        reason=_(
            "The form could not be accepted: the page it came from had expired, or your "
            "browser does not keep this portal's cookies. Go back, reload the page and send "
            "the form again."
        ),
    )


def page_not_found(request, exception=None) -> HttpResponse:
    return respond(request, 404)


def server_error(request) -> HttpResponse:
    # Whatever failed may fail again while drawing the layout: no context, no database.
    return respond(request, 500, with_layout=False)
