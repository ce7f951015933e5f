"""A signed-in user without a role sees only the sign-in page."""

from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

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
