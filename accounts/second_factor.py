"""The second factor: a time-based one-time password (TOTP) for the roles that need one.

After the password, the session of a case worker, an administrator or any
account that reaches the Django admin reaches nothing but the pages
here (and sign-out) until it has given a code from their authenticator app:
the enrolment page the first time (a QR code drawn here as inline SVG, no
outside service), the verification page on every later sign-in. The access
policy checks the same thing (``access.second_factor_verified``), so a
session or token that skipped these pages still sees no case.
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from ctportal import access

from .models import AuthenticatorDevice

# Reachable before the second factor: these pages, signing in and out, static files.
OPEN_NAMES = ("second_factor_enrol", "second_factor_verify", "login", "logout")
OPEN_PREFIXES = ("/static/", "/i18n/", "/healthz")
DEVICE_NAME = "Authenticator app"


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token = "".join(self.cleaned_data["token"].split())
        if not token.isdigit():
            raise forms.ValidationError(_("The code is made of digits only."))
        return token


def confirmed_device(user) -> AuthenticatorDevice | None:
    return AuthenticatorDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


class SecondFactorMiddleware:
    """Send a signed-in user who still owes a second factor to the page that asks for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if access.needs_second_factor(request.user) and not self._open(request.path):
            if request.path.startswith("/api/"):
                message = _("Confirm your sign-in with your authenticator app first.")
                return JsonResponse({"detail": message}, status=403)
            name = (
                "second_factor_verify" if confirmed_device(request.user) else "second_factor_enrol"
            )
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse(name)}?{query}")
        return self.get_response(request)

    @staticmethod
    def _open(path: str) -> bool:
        return path.startswith(OPEN_PREFIXES) or path in {reverse(name) for name in OPEN_NAMES}


def _verified(request: HttpRequest, device: AuthenticatorDevice) -> HttpResponse:
    # A new session key once the second factor is given, as Django does after the password.
    request.session.cycle_key()
    otp_login(request, device)
    return redirect(_next_url(request))


def grouped_key(device: AuthenticatorDevice) -> str:
    """The key to type by hand, in groups of four as authenticator apps show and accept it."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _qr_svg(device: AuthenticatorDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2, light="#fff")


@never_cache
@sensitive_post_parameters("token")
@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in: scan the QR code, then type a code to confirm the app works."""
    if not access.requires_second_factor(request.user):
        return redirect("home")
    if confirmed_device(request.user):
        # Adding an app needs the one already confirmed; an administrator resets a lost one.
        return redirect(
            f"{reverse('second_factor_verify')}?{urlencode({'next': _next_url(request)})}"
        )
    device = (
        AuthenticatorDevice.objects.filter(user=request.user, confirmed=False)
        .order_by("pk")
        .first()
    )
    if device is None:
        device = AuthenticatorDevice.objects.create(
            user=request.user, name=DEVICE_NAME, confirmed=False
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            return _verified(request, device)
        form.add_error(
            "token", _("This code is not valid. Check the time on your phone and try again.")
        )
    return render(
        request,
        "registration/second_factor_enrol.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device),
            "secret": grouped_key(device),
            "next": _next_url(request),
        },
    )


@never_cache
@sensitive_post_parameters("token")
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Every sign-in: a code from the confirmed authenticator app."""
    if not access.needs_second_factor(request.user):
        return redirect(_next_url(request))
    device = confirmed_device(request.user)
    if device is None:
        return redirect(
            f"{reverse('second_factor_enrol')}?{urlencode({'next': _next_url(request)})}"
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["token"]
        allowed, _details = device.verify_is_allowed()
        if allowed and device.verify_token(code):
            return _verified(request, device)
        if not allowed:
            message = _("Too many wrong codes. Wait a moment before trying again.")
        elif device.was_just_used(code):
            message = _(
                "This code has already been used. Wait for the next code to appear in "
                "your app (a new one every 30 seconds) and type that one."
            )
        else:
            message = _("This code is not valid. Check the time on your phone and try again.")
        form.add_error("token", message)
    return render(
        request,
        "registration/second_factor_verify.html",
        {"form": form, "next": _next_url(request)},
    )
