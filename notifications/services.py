"""Email notifications: announce an event to people, send each message once, keep preferences.

``notify`` records one ``Notification`` per recipient (unique per kind, event
key and person) and sends each through Celery after the transaction commits.
``notification_send`` locks the row and sends only if it was never sent, so a
retried task, a re-run job or a second beat does not mail anyone twice. The
message is written when it is sent, in the recipient's language.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ctportal.access import Role, role_of

from .kinds import ROLES, NotificationKind, kinds_for
from .models import MailPreferences, Notification

logger = logging.getLogger(__name__)
ERROR_LENGTH = 300


def language_of(user) -> str:
    preferences = MailPreferences.objects.filter(user=user).first()
    if preferences:
        return preferences.language or preferences.signin_language or settings.LANGUAGE_CODE
    return settings.LANGUAGE_CODE


def wants(user, kind: str) -> bool:
    """Whether the person may and wants to receive this kind, and has an address to receive it."""
    if not user.is_active or not user.email or role_of(user) not in ROLES[kind]:
        return False
    preferences = MailPreferences.objects.filter(user=user).first()
    return not (preferences and kind in preferences.muted)


def notify(*, kind: str, key: str, users: Iterable, context: dict[str, Any]) -> list[Notification]:
    """Announce an event to these people; returns the notifications newly recorded.

    ``context`` holds what the message may say: references, titles, links,
    never victim data. Announcing the same event again records nothing new.
    """
    created = []
    for user in {u.pk: u for u in users if u is not None}.values():
        if not wants(user, kind):
            continue
        try:
            with transaction.atomic():
                notification, new = Notification.objects.get_or_create(
                    kind=kind, key=key[:200], user=user, defaults={"context": context}
                )
        except IntegrityError:  # announced at the same moment elsewhere
            continue
        if new:
            created.append(notification)
            transaction.on_commit(lambda pk=notification.pk: _send_later(pk))
    return created


def _send_later(notification_id: int) -> None:
    from .tasks import send_notification

    try:
        send_notification.delay(notification_id)
    except Exception:  # noqa: BLE001 - the sweeper sends it once the broker is back
        logger.warning(
            "notification %s could not be queued; it waits for the sweeper", notification_id
        )


def render(notification: Notification) -> tuple[str, str, str]:
    """Subject, body and language of the message, written in the recipient's language."""
    language = language_of(notification.user)
    context = {
        **notification.context,
        "user": notification.user,
        "portal_url": settings.PORTAL_URL.rstrip("/"),
        "preferences_url": settings.PORTAL_URL.rstrip("/") + "/notifications/",
    }
    with translation.override(language):
        subject = render_to_string(f"notifications/mail/{notification.kind}_subject.txt", context)
        body = render_to_string(f"notifications/mail/{notification.kind}.txt", context)
    return " ".join(subject.split()), body.strip() + "\n", language


def notification_send(*, notification_id: int) -> bool:
    """Send the message if it was never sent; True when this call sent it.

    A failure is recorded (attempts, error) and raised again, for the task to retry.
    """
    try:
        return _send_once(notification_id)
    except Exception as exc:
        Notification.objects.filter(pk=notification_id).update(
            attempts=F("attempts") + 1, error=f"{exc.__class__.__name__}: {exc}"[:ERROR_LENGTH]
        )
        raise


def _send_once(notification_id: int) -> bool:
    # The row stays locked while the message goes out: a second delivery of the task waits,
    # then finds it sent.
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("user")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.sent_at is not None:
            return False
        if not wants(notification.user, notification.kind):
            # Turned off, deactivated or changed role since: nothing goes out.
            notification.error = "not wanted any more"
            notification.sent_at = timezone.now()
            notification.save(update_fields=["error", "sent_at"])
            return False
        notification.attempts += 1
        subject, body, language = render(notification)
        message = EmailMessage(
            subject,
            body,
            to=[notification.user.email],
            headers={
                # The same event to the same person keeps one Message-ID, so a mail system
                # that sees it twice (a crash between sending and recording) can drop one.
                "Message-ID": f"<notification-{notification.pk}@ctportal>",
                "Content-Language": language,
                "Auto-Submitted": "auto-generated",
            },
        )
        message.send()
        notification.sent_at = timezone.now()
        notification.error = ""
        notification.save(update_fields=["attempts", "error", "sent_at"])
    return True


def notifications_send_waiting(*, older_than_seconds: int = 300, limit: int = 500) -> int:
    """Queue messages recorded but never sent (the broker was down); returns how many."""
    since = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    waiting = list(
        Notification.objects.filter(sent_at__isnull=True, created_at__lte=since, attempts__lt=10)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in waiting:
        _send_later(pk)
    return len(waiting)


def preferences_save(*, user, language: str, muted: Iterable[str]) -> MailPreferences:
    """Save what the person wants; kinds their role cannot receive are ignored."""
    allowed = {kind.value for kind in kinds_for(user)}
    preferences, _ = MailPreferences.objects.update_or_create(
        user=user,
        defaults={"language": language, "muted": sorted(set(muted) & allowed)},
    )
    return preferences


def language_remember(*, user, language: str) -> None:
    """Remember the language of this sign-in: mail follows it unless a language was chosen."""
    if language not in dict(settings.LANGUAGES):
        return
    MailPreferences.objects.update_or_create(user=user, defaults={"signin_language": language})


def administrators():
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(role=Role.ADMINISTRATOR) | Q(is_superuser=True))
    )


__all__ = ["NotificationKind", "notify", "notification_send", "preferences_save"]
