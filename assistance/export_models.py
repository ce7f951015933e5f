"""CTDC releases (one k-anonymisation of every consenting case) and the files cut from them."""

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


class CTDCRelease(models.Model):
    """One k-anonymisation of every case whose victim consented to sharing anonymised data.

    Every reader's records, files and API pages are cut from the latest release,
    never computed on their own (see ``assistance.ctdc``).
    """

    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    layout = models.CharField(_("layout"), max_length=100)
    k = models.PositiveSmallIntegerField("k")
    generalisation = models.JSONField(_("generalisation"), default=dict)
    total = models.PositiveIntegerField(_("consenting cases"), default=0)
    suppressed_count = models.PositiveIntegerField(_("records suppressed"), default=0)

    class Meta:
        ordering = ["-published_at", "-pk"]
        get_latest_by = ["published_at", "pk"]
        verbose_name = _("CTDC release")
        verbose_name_plural = _("CTDC releases")

    def __str__(self) -> str:
        return f"CTDC release {self.pk} {self.published_at:%Y-%m-%d %H:%M}"

    @property
    def published_count(self) -> int:
        return self.total - self.suppressed_count


class CTDCRecordQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Records of the cases the user may count (``Case.objects.counted_for``), by the
        project and country office the case had when the release was made."""
        return access.scope_case_aggregates(self, user)

    def published(self):
        return self.filter(values__isnull=False)

    def suppressed(self):
        return self.filter(values__isnull=True)


class CTDCRecord(models.Model):
    """One consenting case in a release: its published CTDC row, or none when suppressed.

    No link to the case: only the scope cell (project, country office) a reader's
    share is cut by. Inserted in the random order of the case references.
    """

    release = models.ForeignKey(CTDCRelease, on_delete=models.CASCADE, related_name="records")
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="+")
    country_office = models.ForeignKey(
        "projects.Country", on_delete=models.PROTECT, related_name="+"
    )
    # The row in ``assistance.ctdc.COLUMNS`` order; null: suppressed, counted only.
    values = models.JSONField(null=True, blank=True)

    objects = CTDCRecordQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("CTDC record")
        verbose_name_plural = _("CTDC records")
        indexes = [
            models.Index(fields=["release", "project"]),
            models.Index(fields=["release", "country_office"]),
        ]

    def __str__(self) -> str:
        return f"CTDC record {self.pk} of release {self.release_id}"


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
    release = models.ForeignKey(
        CTDCRelease,
        verbose_name=_("release"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exports",
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
