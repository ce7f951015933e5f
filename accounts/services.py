"""Every write of accounts: personal API tokens, authenticator secrets, sign-in locks."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.crypto import reencrypt
from ctportal import access

from .models import AccountLock, ApiToken, AuthenticatorDevice

TOKEN_PREFIX = "ctp_"  # noqa: S105 - a visible marker, not a secret
TOKEN_DEFAULT_DAYS = 90
TOKEN_MAX_DAYS = 365


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class RepeatedSubmission(Exception):
    """The form that asks for this token was already sent and created one."""


def api_token_create(
    *, user, name: str, days: int = TOKEN_DEFAULT_DAYS, second_factor: bool, submission: str = ""
) -> tuple[ApiToken, str]:
    """A new personal token and its secret, which is never stored and shown only now.

    A role that needs a second factor gets a token only once it was given
    (``second_factor``): in a verified session or with a code at the token endpoint.
    ``submission``, the key of the form that asks, makes a repeated form create nothing
    (``RepeatedSubmission``), even sent twice at once.
    """
    if not access.has_role(user):
        raise PermissionDenied
    if access.requires_second_factor(user) and not second_factor:
        raise ValidationError({"otp": _("Give the code from your authenticator app.")})
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Give the token a name, such as the script that will use it.")
    elif len(name) > ApiToken._meta.get_field("name").max_length:
        errors["name"] = _("At most 100 characters.")
    if not isinstance(days, int) or not 1 <= days <= TOKEN_MAX_DAYS:
        errors["days"] = _("A token lasts from 1 to %(max)s days.") % {"max": TOKEN_MAX_DAYS}
    if errors:
        raise ValidationError(errors)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    if submission and ApiToken.objects.filter(user=user, submission=submission).exists():
        raise RepeatedSubmission
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                user=user,
                name=name,
                prefix=secret[: len(TOKEN_PREFIX) + 8],
                digest=token_digest(secret),
                second_factor=second_factor,
                created_at=now,
                expires_at=now + datetime.timedelta(days=days),
                submission=submission,
            )
    except IntegrityError:
        if submission and ApiToken.objects.filter(user=user, submission=submission).exists():
            raise RepeatedSubmission from None
        raise
    return token, secret


def api_token_revoke(*, token: ApiToken, by) -> ApiToken:
    """Stop a token at once. Its owner or an administrator may; revoking twice changes nothing."""
    if by.pk != token.user_id and access.role_of(by) != access.Role.ADMINISTRATOR:
        raise PermissionDenied
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=by
        )
    if updated:
        token.refresh_from_db()
    return token


def authenticator_keys_reencrypt(*, batch_size: int = 500) -> int:
    """Re-encrypt every authenticator secret with the first of IDENTITY_ENCRYPTION_KEYS."""
    quote = connection.ops.quote_name
    meta = AuthenticatorDevice._meta
    table, pk, column = (
        quote(meta.db_table),
        quote(meta.pk.column),
        quote(meta.get_field("key").column),
    )
    select = f"SELECT {pk}, {column} FROM {table} WHERE {pk} > %s ORDER BY {pk} LIMIT %s"  # noqa: S608
    update = f"UPDATE {table} SET {column} = %s WHERE {pk} = %s"  # noqa: S608
    rewritten, last = 0, 0
    with transaction.atomic(), connection.cursor() as cursor:
        while True:
            cursor.execute(select, [last, batch_size])
            rows = cursor.fetchall()
            if not rows:
                break
            for pk_value, token in rows:
                cursor.execute(update, [reencrypt(token), pk_value])
            rewritten += len(rows)
            last = rows[-1][0]
    return rewritten


def account_unlock(*, lock: AccountLock, by) -> AccountLock:
    """Lift a lock: the account's recorded failures go, the lock is marked as lifted."""
    from axes.models import AccessAttempt

    with transaction.atomic():
        AccessAttempt.objects.filter(username=lock.username).delete()
        AccountLock.objects.filter(username=lock.username, unlocked_at__isnull=True).update(
            unlocked_at=timezone.now(), unlocked_by=by
        )
    lock.refresh_from_db()
    return lock


def account_lock_announce(*, lock_id: int) -> int:
    """Mail administrators that an account was locked; returns the number of messages recorded.

    Each administrator gets a message in their language, unless they turned these off.
    """
    from notifications.announcements import account_locked_announce

    lock = AccountLock.objects.filter(pk=lock_id).first()
    if lock is None:
        return 0
    return account_locked_announce(lock)
