"""Append-only records of reads of case data through the API.

Each row says who asked, when, for which endpoint, with which query, which
records came back and from where. Nothing of the records themselves is kept:
no identity, no note text, only primary keys.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..querysets import AppendOnlyQuerySet


class CaseDataRead(models.Model):
    """One API answer carrying case data (rows or figures). Append-only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accessed_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    endpoint = models.CharField(_("endpoint"), max_length=100, db_index=True)
    path = models.CharField(_("path"), max_length=255)
    query = models.JSONField(_("query"), default=dict, blank=True)
    status_code = models.PositiveSmallIntegerField(_("answer"))
    object_ids = models.JSONField(_("records returned"), default=list, blank=True)
    case_ids = models.JSONField(_("cases concerned"), default=list, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        app_label = "assistance"
        ordering = ["-accessed_at", "-pk"]
        verbose_name = _("API read of case data")
        verbose_name_plural = _("API reads of case data")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.user_id} {self.endpoint} {self.accessed_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied("An access log cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("An access log cannot be changed.")


class ErasureKind(models.TextChoices):
    REQUEST = "request", _("On request")
    RETENTION = "retention", _("Retention period over")


class IdentityErasure(models.Model):
    """One erasure of a victim's identifying data: who, when, which case, why. Append-only.

    The case stays, with its non-identifying fields, for figures; what was
    erased is counted here, never copied.
    """

    case = models.ForeignKey("assistance.Case", on_delete=models.PROTECT, related_name="erasures")
    kind = models.CharField(_("kind"), max_length=10, choices=ErasureKind.choices)
    erased_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    # Empty for the scheduled retention task.
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("by"),
    )
    reason = models.CharField(_("why"), max_length=500)
    identity_erased = models.BooleanField(_("identity erased"), default=False)
    notes_erased = models.PositiveIntegerField(_("notes erased"), default=0)
    attachments_erased = models.PositiveIntegerField(_("attachments erased"), default=0)
    referral_reasons_erased = models.PositiveIntegerField(_("referral reasons erased"), default=0)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        app_label = "assistance"
        ordering = ["-erased_at", "-pk"]
        verbose_name = _("identity erasure")
        verbose_name_plural = _("identity erasures")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.erased_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied("An access log cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("An access log cannot be changed.")
