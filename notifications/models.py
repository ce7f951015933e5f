from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .kinds import NotificationKind


class MailPreferences(models.Model):
    """What a person wants by email: the language of their mail, and the kinds turned off.

    Without a row, every kind their role may receive is on, in the language of
    their last sign-in.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="mail_preferences",
    )
    language = models.CharField(
        _("language of emails"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Empty: the language you last signed in with."),
    )
    signin_language = models.CharField(max_length=8, blank=True, editable=False)
    muted = models.JSONField(_("kinds turned off"), default=list, blank=True)

    class Meta:
        verbose_name = _("mail preferences")
        verbose_name_plural = _("mail preferences")

    def __str__(self) -> str:
        return str(self.user)


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        from ctportal import access

        if access.role_of(user) == access.Role.ADMINISTRATOR:
            return self
        return self.filter(user=user)


class Notification(models.Model):
    """One email to one person. ``key`` names the event, so an event is mailed once per person
    however many times it is announced (retries, a job re-run, beat running twice)."""

    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    key = models.CharField(_("event"), max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    context = models.JSONField(_("content"), default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("last error"), max_length=300, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("email notification")
        verbose_name_plural = _("email notifications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "user"], name="notification_once")
        ]
        indexes = [models.Index(fields=["sent_at", "created_at"], name="notification_unsent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.user}"
