"""API authentication with personal tokens (``Authorization: Token <secret>``)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from ctportal import access

from .lockout import account_locked
from .models import ApiToken
from .services import token_digest

# last_used_at is written at most this often, not on every request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class PersonalTokenAuthentication(authentication.TokenAuthentication):
    """A token works while it is neither revoked nor expired, and its account is active,
    not locked after failed sign-ins, and (for roles with a second factor) it was issued
    with one. Anything else answers 401, checked on every request.
    """

    keyword = "Token"
    model = ApiToken

    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related("user").filter(digest=token_digest(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token was revoked."))
        now = timezone.now()
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This token has expired."))
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if access.requires_second_factor(user) and not token.second_factor:
            raise exceptions.AuthenticationFailed(
                _("This token was issued without a second factor; create a new one.")
            )
        if account_locked(user.get_username()):
            raise exceptions.AuthenticationFailed(
                _("This account is locked after failed sign-ins.")
            )
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return user, token
