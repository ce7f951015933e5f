"""Optional error reports to Sentry (``SENTRY_DSN``), scrubbed before they leave the process.

A report may only say where the portal failed, never whom it concerned. So:
no request body, cookies, query string or headers beyond a short list; no
local variables; no exception or log message text (a database error quotes the
row it refused, a message may quote a name), only their types and templates;
no breadcrumb text or data (SQL parameters, log lines); the user as an id.
What is kept: the exception types, the stack, the route, the release and the
request id that finds the matching log lines.
"""

from __future__ import annotations

from typing import Any

REDACTED = "[scrubbed]"
KEPT_HEADERS = {"user-agent", "content-type", "content-length", "accept-language", "x-request-id"}
KEPT_CONTEXTS = {"runtime", "os", "trace", "celery", "browser", "device"}


def _scrub_request(request: dict[str, Any]) -> dict[str, Any]:
    headers = request.get("headers") or {}
    return {
        "method": request.get("method"),
        "url": (request.get("url") or "").split("?", 1)[0],
        "headers": {k: v for k, v in headers.items() if k.lower() in KEPT_HEADERS},
    }


def _scrub_exception(exception: dict[str, Any]) -> None:
    for value in exception.get("values") or []:
        if value.get("value"):
            value["value"] = REDACTED
        for frame in (value.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)


def _scrub_breadcrumbs(breadcrumbs: Any) -> Any:
    values = breadcrumbs.get("values") if isinstance(breadcrumbs, dict) else breadcrumbs
    kept = [
        {k: crumb[k] for k in ("type", "category", "level", "timestamp") if k in crumb}
        for crumb in values or []
    ]
    return {"values": kept} if isinstance(breadcrumbs, dict) else kept


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's ``before_send``: the event with nothing that could identify a person."""
    if "request" in event:
        event["request"] = _scrub_request(event["request"])
    if "exception" in event:
        _scrub_exception(event["exception"])
    for thread in (event.get("threads") or {}).get("values") or []:
        for frame in (thread.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    logentry = event.get("logentry")
    if logentry:
        # The template was written in the code; the values and the text made from them may not be.
        event["logentry"] = {"message": logentry.get("message", "")}
    if "message" in event and not logentry:
        event["message"] = REDACTED
    if "breadcrumbs" in event:
        event["breadcrumbs"] = _scrub_breadcrumbs(event["breadcrumbs"])
    user = event.get("user") or {}
    event["user"] = {"id": user["id"]} if user.get("id") is not None else {}
    event.pop("extra", None)
    event["contexts"] = {
        k: v for k, v in (event.get("contexts") or {}).items() if k in KEPT_CONTEXTS
    }
    for span in event.get("spans") or []:
        span.pop("data", None)
    return event


def init_sentry(
    dsn: str,
    *,
    environment: str = "production",
    release: str | None = None,
    traces_sample_rate: float = 0.0,
    transport: Any = None,
) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    options: dict[str, Any] = {
        "dsn": dsn,
        "environment": environment,
        "release": release,
        "traces_sample_rate": traces_sample_rate,
        "send_default_pii": False,
        "include_local_variables": False,
        "max_request_body_size": "never",
        "before_send": scrub_event,
        "before_send_transaction": scrub_event,
        "integrations": [DjangoIntegration(), CeleryIntegration()],
    }
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(**options)
