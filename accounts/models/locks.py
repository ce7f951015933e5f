"""A record of every account locked after failed sign-ins, for administrators."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccountLock(models.Model):
    """One lock: who, from where the last failure came, and until when."""

    username = models.CharField(_("username"), max_length=255, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="locks",
    )
    ip_address = models.GenericIPAddressField(_("last address"), null=True, blank=True)
    addresses = models.PositiveIntegerField(_("addresses that failed"), default=0)
    failures = models.PositiveIntegerField(_("failed attempts"), default=0)
    locked_at = models.DateTimeField(_("locked at"), default=timezone.now, db_index=True)
    locked_until = models.DateTimeField(_("locked until"))
    unlocked_at = models.DateTimeField(_("unlocked at"), null=True, blank=True)
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("unlocked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("account lock")
        verbose_name_plural = _("account locks")
        ordering = ["-locked_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.username} ({self.locked_at:%Y-%m-%d %H:%M})"

    @property
    def is_active(self) -> bool:
        return self.unlocked_at is None and self.locked_until > timezone.now()
