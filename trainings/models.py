import hashlib

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ctportal.jobs import BackgroundJob
from projects.models import Sex

from .querysets import (
    AttendanceQuerySet,
    ParticipantCountQuerySet,
    PersonQuerySet,
    SessionDocumentQuerySet,
    TrainingSessionQuerySet,
)


class SessionKind(models.TextChoices):
    TRAINING = "training", _("Training")
    WORKSHOP = "workshop", _("Workshop")
    STUDY_VISIT = "study_visit", _("Study visit")
    EXPERT_MEETING = "expert_meeting", _("Regional or expert meeting")
    TRAINING_OF_TRAINERS = "tot", _("Training of trainers")
    CONFERENCE = "conference", _("Conference")


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class InstitutionType(models.TextChoices):
    POLICE = "police", _("Police")
    PROSECUTION = "prosecution", _("Prosecution")
    JUDICIARY = "judiciary", _("Judiciary")
    IMMIGRATION = "immigration", _("Immigration and border")
    LABOUR = "labour", _("Labour inspection")
    HEALTH = "health", _("Health")
    SOCIAL = "social", _("Social services")
    MINISTRY = "ministry", _("Ministry or government")
    NGO = "ngo", _("NGO or civil society")
    INTERNATIONAL = "international", _("International organisation")
    ACADEMIA = "academia", _("Academia or research")
    MEDIA = "media", _("Media")
    OTHER = "other", _("Other")


class AgeBand(models.TextChoices):
    UNDER_25 = "18-24", _("18–24")
    FROM_25 = "25-34", _("25–34")
    FROM_35 = "35-44", _("35–44")
    FROM_45 = "45-54", _("45–54")
    FROM_55 = "55+", _("55 and over")


class Audience(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")

    def __str__(self) -> str:
        return str(_(self.name))


class TrainingSession(models.Model):
    """A training, workshop, study visit or meeting held under a project."""

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="training_sessions",
    )
    title = models.CharField(_("title"), max_length=255)
    kind = models.CharField(_("kind"), max_length=32, choices=SessionKind.choices)
    topics = models.TextField(_("topics or modules"), blank=True, help_text=_("One per line."))
    audiences = models.ManyToManyField(
        Audience, verbose_name=_("audiences"), blank=True, related_name="sessions"
    )
    host_country = models.ForeignKey(
        "projects.Country",
        verbose_name=_("host country"),
        on_delete=models.PROTECT,
        related_name="hosted_sessions",
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    venue = models.CharField(_("venue"), max_length=255, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    language = models.CharField(_("language"), max_length=8, default="ar")
    partners = models.ManyToManyField(
        "projects.Organisation",
        verbose_name=_("partner institutions"),
        blank=True,
        related_name="partnered_sessions",
    )
    facilitators = models.ManyToManyField(
        "projects.Organisation",
        verbose_name=_("facilitators"),
        blank=True,
        related_name="facilitated_sessions",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    notes = models.TextField(_("notes"), blank=True)
    indicators = models.ManyToManyField(
        "projects.Indicator",
        verbose_name=_("indicators fed"),
        blank=True,
        related_name="training_sessions",
        help_text=_("Indicators whose actuals count the people trained in this session."),
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[audiences])

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "title"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        indexes = [
            models.Index(fields=["project", "start_date"]),
            # The default order (the primary key breaks ties): pages straight from the index.
            models.Index(fields=["-start_date", "title", "id"], name="session_list_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="session_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.start_date:%Y-%m-%d})"


def person_match_key(full_name: str, sex: str, nationality_id, country_of_work_id) -> str | None:
    """The register's match of a named person: name in any case and spacing, sex,
    nationality and country of work. None for a person without a name (never matched)."""
    name = " ".join((full_name or "").split()).casefold()
    if not name:
        return None
    text = "\x1f".join([name, sex or "", str(nationality_id or ""), str(country_of_work_id or "")])
    return hashlib.sha256(text.encode()).hexdigest()


class Person(models.Model):
    """One trained person, whatever the number of sessions they attended."""

    full_name = models.CharField(_("name"), max_length=200, blank=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    age_band = models.CharField(_("age band"), max_length=8, choices=AgeBand.choices, blank=True)
    institution = models.CharField(_("institution"), max_length=255, blank=True)
    institution_type = models.CharField(
        _("institution type"), max_length=16, choices=InstitutionType.choices, blank=True
    )
    role = models.CharField(_("role or rank"), max_length=100, blank=True)
    nationality = models.ForeignKey(
        "projects.Country",
        verbose_name=_("nationality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    country_of_work = models.ForeignKey(
        "projects.Country",
        verbose_name=_("country of work"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    # person_match_key(): unique among people not merged, so two sheets naming the same
    # person at once cannot both create them. Empty for people without a name.
    match_key = models.CharField(max_length=64, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            models.Index(fields=["full_name", "country_of_work"]),
            # The register matches names case-insensitively.
            models.Index(Upper("full_name"), name="person_full_name_upper"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["match_key"],
                condition=models.Q(merged_into__isnull=True),
                name="person_match_key_once",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or _("Person #%(pk)s") % {"pk": self.pk}

    def save(self, *args, **kwargs) -> None:
        # People added outside the register's services (admin, demo data) get their match
        # key too, unless someone typed alike holds it already (they wait to be merged).
        if self._state.adding and self.match_key is None and self.merged_into_id is None:
            key = person_match_key(
                self.full_name, self.sex, self.nationality_id, self.country_of_work_id
            )
            taken = Person.objects.filter(match_key=key, merged_into__isnull=True).exists()
            if key is not None and not taken:
                self.match_key = key
        super().save(*args, **kwargs)


SCORE = [MinValueValidator(0), MaxValueValidator(100)]


class Attendance(models.Model):
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendances"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="attendances")
    attended = models.BooleanField(_("attended"), default=True)
    pre_score = models.DecimalField(
        _("pre-test score"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=SCORE,
    )
    post_score = models.DecimalField(
        _("post-test score"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=SCORE,
    )
    history = HistoricalRecords()

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="attendance_once"),
            models.CheckConstraint(
                condition=(models.Q(pre_score__gte=0) & models.Q(pre_score__lte=100))
                | models.Q(pre_score__isnull=True),
                name="attendance_pre_score_range",
            ),
            models.CheckConstraint(
                condition=(models.Q(post_score__gte=0) & models.Q(post_score__lte=100))
                | models.Q(post_score__isnull=True),
                name="attendance_post_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.session}"


class CountDimension(models.TextChoices):
    SEX = "sex", _("Sex")
    INSTITUTION_TYPE = "institution_type", _("Institution type")
    COUNTRY = "country", _("Country")


class ParticipantCount(models.Model):
    """Participants of a session known only as totals, broken down by one dimension.

    The session's total is the sum of its breakdown by sex; other breakdowns,
    when given, must add up to the same total.
    """

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="participant_counts"
    )
    dimension = models.CharField(_("dimension"), max_length=20, choices=CountDimension.choices)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, blank=True)
    institution_type = models.CharField(
        _("institution type"), max_length=16, choices=InstitutionType.choices, blank=True
    )
    country = models.ForeignKey(
        "projects.Country",
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    count = models.PositiveIntegerField(_("count"))
    history = HistoricalRecords()

    objects = ParticipantCountQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant count")
        verbose_name_plural = _("participant counts")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "dimension", "sex", "institution_type", "country"],
                name="participant_count_unique",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(dimension="sex", institution_type="", country__isnull=True)
                    & ~models.Q(sex="")
                )
                | (
                    models.Q(dimension="institution_type", sex="", country__isnull=True)
                    & ~models.Q(institution_type="")
                )
                | models.Q(dimension="country", sex="", institution_type="", country__isnull=False),
                name="participant_count_one_dimension",
            ),
        ]

    def __str__(self) -> str:
        key = self.sex or self.institution_type or self.country
        return f"{self.session}: {key} = {self.count}"


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    VALIDATING = "validating", _("Checking rows")
    WRITING = "writing", _("Saving")
    DONE = "done", _("Imported")
    REJECTED = "rejected", _("Rejected: nothing saved")
    FAILED = "failed", _("Failed")


class AttendanceImport(BackgroundJob):
    """An uploaded attendance sheet, checked whole and then written in one transaction.

    Large sheets are imported in the background as a job of ``ctportal.jobs``.
    """

    job_task = "trainings.tasks.run_attendance_import"
    job_waiting = (ImportStatus.PENDING,)
    job_running = (ImportStatus.VALIDATING, ImportStatus.WRITING)
    job_started = ImportStatus.VALIDATING
    job_failed = ImportStatus.FAILED
    job_finished = (ImportStatus.DONE, ImportStatus.REJECTED)

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="attendance_imports"
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("attendance import")
        verbose_name_plural = _("attendance imports")

    def __str__(self) -> str:
        return f"{self.original_name} → {self.session}"

    @property
    def progress(self) -> int:
        return int(self.processed_rows * 100 / self.total_rows) if self.total_rows else 0

    @property
    def job_progress(self) -> int | None:
        return self.progress


class SessionDocumentKind(models.TextChoices):
    AGENDA = "agenda", _("Agenda")
    REPORT = "report", _("Report")
    PHOTO = "photo", _("Photo")
    ATTENDANCE_SHEET = "attendance_sheet", _("Attendance sheet")
    MATERIAL = "material", _("Training material")
    OTHER = "other", _("Other")


class SessionDocument(models.Model):
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=SessionDocumentKind.choices)
    language = models.CharField(_("language"), max_length=8, blank=True)
    file = models.FileField(_("file"), upload_to="sessions/%Y/", blank=True)
    url = models.URLField(_("link"), blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = SessionDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "title"]
        verbose_name = _("session document")
        verbose_name_plural = _("session documents")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(file="") | ~models.Q(url=""),
                name="session_document_file_or_link",
            )
        ]

    def __str__(self) -> str:
        return self.title
