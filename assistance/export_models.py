"""Anonymised CTDC files of case data, built in the background for one user's scope."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ctportal import access
from ctportal.jobs import BackgroundJob
from projects.models import ExportStatus


class CTDCExportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Each user sees their own exports; administrators see all of them."""
        if not access.has_role(user):
            return self.none()
        if access.role_of(user) == access.Role.ADMINISTRATOR:
            return self
        return self.filter(requested_by=user)


class CTDCExport(BackgroundJob):
    """One request for the k-anonymised CTDC file of the cases a user may count.

    Built in the background as a job of ``ctportal.jobs``.
    """

    job_task = "assistance.tasks.build_ctdc_export"

    class Format(models.TextChoices):
        CSV = "csv", _("CSV")
        XLSX = "xlsx", _("Excel (XLSX)")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ctdc_exports"
    )
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    # Case workers count their office's cases only in a session confirmed with the
    # second factor; the file is built later, outside that session, for the same scope.
    second_factor = models.BooleanField(
        _("requested in a session confirmed with the second factor"), default=False
    )
    file = models.FileField(_("file"), upload_to="exports/ctdc/", blank=True)
    row_count = models.PositiveIntegerField(_("records"), default=0)
    suppressed_count = models.PositiveIntegerField(_("records suppressed"), default=0)
    generalisation = models.JSONField(_("generalisation"), default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CTDCExportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("CTDC export")
        verbose_name_plural = _("CTDC exports")

    def __str__(self) -> str:
        return f"CTDC {self.get_format_display()} {self.created_at:%Y-%m-%d %H:%M}"
