from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ctportal.jobs import BackgroundJob

from .periods import PeriodKind, period_label
from .querysets import DonorReportQuerySet


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    QUEUED = "queued", _("Waiting to be generated")
    RUNNING = "running", _("Being generated")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ReportStep(models.TextChoices):
    FIGURES = "figures", _("Collecting the figures")
    SPREADSHEET = "spreadsheet", _("Writing the spreadsheet")
    PDF = "pdf", _("Writing the PDF")
    SAVING = "saving", _("Saving the files")


class DonorReport(BackgroundJob):
    """A project's report to its donors for one period, in one language, as XLSX and PDF.

    Officers write the narrative, then have the files generated in the
    background (a job of ``ctportal.jobs``); donors download the finished ones.
    """

    job_task = "reports.tasks.build_donor_report"
    job_waiting = (ReportStatus.QUEUED,)
    job_running = (ReportStatus.RUNNING,)
    job_started = ReportStatus.RUNNING
    job_failed = ReportStatus.FAILED
    job_finished = (ReportStatus.DONE,)

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="donor_reports",
    )
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    summary = models.TextField(_("summary of progress"), blank=True)
    challenges = models.TextField(_("challenges and how they were addressed"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    step = models.CharField(_("step"), max_length=16, choices=ReportStep.choices, blank=True)
    progress = models.PositiveSmallIntegerField(
        _("progress"), default=0, validators=[MaxValueValidator(100)]
    )
    xlsx_file = models.FileField(_("spreadsheet"), upload_to="reports/", blank=True)
    pdf_file = models.FileField(_("PDF"), upload_to="reports/", blank=True)
    error = models.TextField(_("error"), blank=True)
    scheduled = models.BooleanField(
        _("scheduled"), default=False, help_text=_("Created by the quarterly schedule.")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="donor_reports",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    # The narrative version the files were generated from.
    generated_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(
        excluded_fields=["progress", "step", "updated_at", "sent_at", "heartbeat_at"]
    )

    objects = DonorReportQuerySet.as_manager()

    class Meta:
        ordering = ["-period_end", "-created_at"]
        verbose_name = _("donor report")
        verbose_name_plural = _("donor reports")
        indexes = [models.Index(fields=["project", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="donor_report_period_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="donor_report_progress_percent"
            ),
            # One report of a period in a language, and one more from the schedule.
            models.UniqueConstraint(
                fields=[
                    "project",
                    "period_kind",
                    "period_start",
                    "period_end",
                    "language",
                    "scheduled",
                ],
                name="donor_report_one_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} · {self.period_label} · {self.language}"

    @property
    def period_label(self) -> str:
        return period_label(self.period_kind, self.period_start, self.period_end)

    @staticmethod
    def job_failure_reason(exc: BaseException) -> str:
        # Report builds read aggregated figures only; the message helps the officer.
        return f"{exc.__class__.__name__}: {exc}".strip().rstrip(":")

    @property
    def job_progress(self) -> int | None:
        return self.progress

    @property
    def files_outdated(self) -> bool:
        """The narrative changed after the files were generated."""
        return self.status == ReportStatus.DONE and self.generated_version != self.version
