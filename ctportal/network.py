"""Who is on the other end of a request, behind the reverse proxies the deployment trusts."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or with ``TRUSTED_PROXY_COUNT`` proxies in front,
    the address the outermost of them saw, read from the right of X-Forwarded-For.

    Entries further left came from the client and can be forged, so they are never used.
    """
    remote = _valid(request.META.get("REMOTE_ADDR") or "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [a for a in (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",") if a]
    if len(forwarded) < proxies:
        return remote
    return _valid(forwarded[-proxies]) or remote
