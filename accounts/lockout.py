"""Locking accounts after failed sign-ins (django-axes), with a growing lock time.

Failures count per account and address, and per account alone, so guesses
spread over many addresses still lock the account. A stranger can then lock
someone out, so a lock starts short and only grows when the account is locked
again and again: ``LOCK_BASE`` for the first lock of a day, twice as long for
each further one, never longer than ``LOCK_MAX``. Each lock is recorded
(``AccountLock``, in Django admin, where an administrator can also lift it),
logged, and mailed to administrators.
"""

from __future__ import annotations

import datetime
import logging

from axes.models import AccessAttempt, AccessAttemptExpiration
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Sum
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from .models import AccountLock

log = logging.getLogger("ctportal.accounts")

LOCK_BASE = datetime.timedelta(minutes=15)
LOCK_MAX = datetime.timedelta(hours=4)
LOCK_MEMORY = datetime.timedelta(hours=24)


def lock_duration(username: str | None, *, locks: int | None = None) -> datetime.timedelta:
    """How long a lock of this account lasts, from its locks of the last day."""
    if locks is None:
        if not username:
            return LOCK_BASE
        since = timezone.now() - LOCK_MEMORY
        locks = AccountLock.objects.filter(
            username=username, locked_at__gte=since, unlocked_by__isnull=True
        ).count()
    return min(LOCK_BASE * 2 ** max(locks - 1, 0), LOCK_MAX)


def login_username(request: HttpRequest | None) -> str | None:
    """The account a sign-in request is about: axes' credentials, the token endpoint, the form."""
    if request is None:
        return None
    credentials = getattr(request, "axes_credentials", None)
    if credentials and credentials.get(settings.AXES_USERNAME_FORM_FIELD):
        return credentials[settings.AXES_USERNAME_FORM_FIELD]
    named = getattr(request, "login_username", None)
    if named:
        return named
    try:
        return request.POST.get(settings.AXES_USERNAME_FORM_FIELD) or None
    except Exception:  # noqa: BLE001 - a body that is not a form names no account
        return None


def cool_off(request: HttpRequest | None) -> datetime.timedelta:
    """``AXES_COOLOFF_TIME``: the lock time of the account being signed in to."""
    return lock_duration(login_username(request))


def account_locked(username: str) -> bool:
    """Whether failures of this account (any address) lock it now; for API tokens."""
    limit = settings.AXES_FAILURE_LIMIT
    recent = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=timezone.now() - LOCK_MAX
    )
    if (recent.aggregate(n=Sum("failures_since_start"))["n"] or 0) < limit:
        return False
    window = timezone.now() - lock_duration(username)
    counted = recent.filter(attempt_time__gte=window).exclude(
        expiration__expires_at__lte=timezone.now()
    )
    return (counted.aggregate(n=Sum("failures_since_start"))["n"] or 0) >= limit


@receiver(user_locked_out)
def record_lock(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """Record, log and announce a new lock; a failure during a lock adds nothing."""
    if not username:
        return
    now = timezone.now()
    with transaction.atomic():
        # Two failures at once must not record two locks: they queue on the account's row.
        user = get_user_model().objects.select_for_update().filter(username=username).first()
        if AccountLock.objects.filter(
            username=username, locked_until__gt=now, unlocked_at__isnull=True
        ).exists():
            return
        since = now - LOCK_MEMORY
        earlier = AccountLock.objects.filter(
            username=username, locked_at__gte=since, unlocked_by__isnull=True
        ).count()
        until = now + lock_duration(username, locks=earlier + 1)
        attempts = AccessAttempt.objects.filter(username=username)
        figures = attempts.aggregate(
            failures=Sum("failures_since_start"), addresses=Count("ip_address", distinct=True)
        )
        # Failures expire with the lock, not with the shorter time they were recorded under.
        AccessAttemptExpiration.objects.filter(access_attempt__in=attempts).update(expires_at=until)
        lock = AccountLock.objects.create(
            username=username,
            user=user,
            ip_address=ip_address,
            addresses=figures["addresses"] or 0,
            failures=figures["failures"] or 0,
            locked_at=now,
            locked_until=until,
        )
        log.warning(
            "Account locked after failed sign-ins: username=%s addresses=%s failures=%s until=%s",
            username,
            lock.addresses,
            lock.failures,
            until.isoformat(),
        )
        if user is not None:
            from .tasks import announce_account_lock

            transaction.on_commit(lambda: announce_account_lock.delay(lock.pk))
