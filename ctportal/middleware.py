"""A signed-in user without a role sees only the sign-in page; no cache keeps what they saw."""

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from ctportal.access import has_role

OPEN_PATHS = ("/accounts/", "/healthz", "/static/", "/i18n/", "/api/")


class RoleRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not has_role(user) and not request.path.startswith(OPEN_PATHS):
            logout(request)
            return redirect(f"{reverse('login')}?norole=1")
        return self.get_response(request)


class NoStoreMiddleware:
    """Answers for a signed-in person, and every API answer, are never kept by caches.

    Browsers, proxies and the back button must not keep or replay what one person saw
    (a shared computer, a proxy in front of an office). Static files keep their own
    long-lived caching (WhiteNoise answers them before this runs).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(settings.STATIC_URL):
            return response
        user = getattr(request, "user", None)
        personal = request.path.startswith("/api/") or (user is not None and user.is_authenticated)
        if personal and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response
