"""The token endpoint: a personal API token for a username and password (and a code)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ctportal import access
from ctportal.api import TokenRateThrottle

from . import services
from .lockout import account_locked
from .second_factor import confirmed_device

WRONG_CREDENTIALS = _("Unable to log in with provided credentials.")


class AccountLocked(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = _("Too many failed sign-in attempts: this account is locked for now.")
    default_code = "locked"


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    otp = serializers.RegexField(
        r"^\s*\d{6,8}\s*$",
        required=False,
        allow_blank=True,
        help_text=_("Code from the authenticator app; needed by roles with a second factor."),
        error_messages={"invalid": _("The code is made of 6 to 8 digits.")},
    )
    name = serializers.CharField(max_length=100, required=False, default="API token")
    days = serializers.IntegerField(
        min_value=1,
        max_value=services.TOKEN_MAX_DAYS,
        required=False,
        default=services.TOKEN_DEFAULT_DAYS,
        help_text=_("Days until the token expires (at most a year)."),
    )


@method_decorator(sensitive_post_parameters("password", "otp"), name="dispatch")
class ObtainTokenView(APIView):
    """Exchange a username and password for a new personal token; throttled per address.

    Roles with a second factor (case workers, administrators, admin staff) add
    ``otp``, a current code of the authenticator app they enrolled in the
    browser; each code works once. The secret is in this answer only.
    """

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [TokenRateThrottle]

    @extend_schema(
        summary="Create a personal API token with a username and password (and a code)",
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer(
                "TokenCreated",
                {
                    "token": serializers.CharField(),
                    "name": serializers.CharField(),
                    "prefix": serializers.CharField(),
                    "expires_at": serializers.DateTimeField(),
                },
            ),
            400: OpenApiResponse(description="Wrong credentials or code"),
            429: OpenApiResponse(description="Too many attempts; account locked"),
        },
    )
    @sensitive_variables("data", "secret")
    def post(self, request, *args, **kwargs):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        http_request = request._request
        # The lock time of this account, for django-axes (the body is JSON, not a form).
        http_request.login_username = data["username"]
        if account_locked(data["username"]):
            raise AccountLocked()
        user = authenticate(http_request, username=data["username"], password=data["password"])
        if getattr(http_request, "axes_locked_out", False):
            # This attempt locked the account: answer in the API's format, not axes' page.
            http_request.axes_locked_out = False
            raise AccountLocked()
        if user is None or not access.has_role(user):
            # The same answer for a wrong password and an account without a role.
            raise exceptions.ValidationError(
                {"non_field_errors": [WRONG_CREDENTIALS]}, code="authorization"
            )
        second_factor = False
        if access.requires_second_factor(user):
            second_factor = self._check_code(user, "".join((data.get("otp") or "").split()))
        try:
            token, secret = services.api_token_create(
                user=user, name=data["name"], days=data["days"], second_factor=second_factor
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict) from exc
        return Response(
            {
                "token": secret,
                "name": token.name,
                "prefix": token.prefix,
                "expires_at": serializers.DateTimeField().to_representation(token.expires_at),
            }
        )

    @staticmethod
    def _check_code(user, code: str) -> bool:
        device = confirmed_device(user)
        if device is None:
            raise exceptions.ValidationError(
                {
                    "otp": [
                        _(
                            "This account needs a second factor: sign in to the portal in a "
                            "browser once to enrol an authenticator app."
                        )
                    ]
                }
            )
        if not code:
            raise exceptions.ValidationError(
                {"otp": [_("Give the code from your authenticator app.")]}
            )
        allowed, _details = device.verify_is_allowed()
        if not allowed:
            raise exceptions.ValidationError(
                {"otp": [_("Too many wrong codes. Wait a moment before trying again.")]}
            )
        if not device.verify_token(code):
            raise exceptions.ValidationError(
                {"otp": [_("This code is not valid or was already used.")]}
            )
        return True
