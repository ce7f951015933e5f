"""Knowledge and policy: research outputs, legislative support and awareness raising.

Each record links to the projects it came out of (several at times) and is
visible when any of them is; a record without a project is seen by
portfolio-wide roles only (see ``querysets``).
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .querysets import (
    ActivityMaterialQuerySet,
    LinkedToProjectsQuerySet,
    OutputFileQuerySet,
    StageQuerySet,
)

LANGUAGES = settings.LANGUAGES


class OutputKind(models.TextChoices):
    ASSESSMENT = "assessment", _("Assessment")
    STUDY = "study", _("Study")
    HANDBOOK = "handbook", _("Handbook or manual")
    CURRICULUM = "curriculum", _("Training curriculum")
    POLICY_BRIEF = "policy_brief", _("Policy brief")
    DATA_REPORT = "data_report", _("Data report")
    GUIDELINES = "guidelines", _("Guidelines or tools")


class OutputStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    PUBLISHED = "published", _("Published")


class LinkedRecord(models.Model):
    """What every research record shares: projects, indicators fed, version, timestamps."""

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LinkedToProjectsQuerySet.as_manager()

    class Meta:
        abstract = True


class ResearchOutput(LinkedRecord):
    """An assessment, study, handbook, curriculum, brief, data report or guidelines."""

    projects = models.ManyToManyField(
        "projects.Project", verbose_name=_("projects"), blank=True, related_name="research_outputs"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OutputKind.choices)
    title = models.CharField(_("title"), max_length=500)
    authors = models.TextField(_("authors"), blank=True, help_text=_("One per line."))
    partners = models.ManyToManyField(
        "projects.Organisation",
        verbose_name=_("partner organisations"),
        blank=True,
        related_name="research_outputs",
    )
    countries = models.ManyToManyField(
        "projects.Country",
        verbose_name=_("countries covered"),
        blank=True,
        related_name="research_outputs",
    )
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGES, default="en")
    translation_of = models.ForeignKey(
        "self",
        verbose_name=_("translation of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="translations",
        help_text=_("For a translation: the original it was translated from."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=OutputStatus.choices, default=OutputStatus.PLANNED
    )
    publication_date = models.DateField(_("publication date"), null=True, blank=True)
    abstract = models.TextField(_("abstract"), blank=True)
    indicators = models.ManyToManyField(
        "projects.Indicator",
        verbose_name=_("indicators fed"),
        blank=True,
        related_name="research_outputs",
    )
    history = HistoricalRecords()

    class Meta:
        # Undated outputs last on every database (PostgreSQL sorts NULL first when descending).
        ordering = [models.F("publication_date").desc(nulls_last=True), "title", "pk"]
        verbose_name = _("research output")
        verbose_name_plural = _("research outputs")
        indexes = [models.Index(fields=["status", "kind", "language"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(translation_of=models.F("pk")),
                name="research_output_not_own_translation",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Attachment(models.Model):
    """A file or a link attached to a research record."""

    title = models.CharField(_("title"), max_length=255)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGES, blank=True)
    file = models.FileField(_("file"), upload_to="research/%Y/", blank=True)
    url = models.URLField(_("link"), blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class OutputFile(Attachment):
    output = models.ForeignKey(ResearchOutput, on_delete=models.CASCADE, related_name="files")
    history = HistoricalRecords()

    objects = OutputFileQuerySet.as_manager()

    class Meta(Attachment.Meta):
        verbose_name = _("file or link")
        verbose_name_plural = _("files and links")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(file="") | ~models.Q(url=""), name="output_file_or_link"
            )
        ]


class Instrument(models.TextChoices):
    LAW = "law", _("Law")
    BYLAW = "bylaw", _("Bylaw or regulation")
    NATIONAL_ACTION_PLAN = "action_plan", _("National action plan")
    REGIONAL_FRAMEWORK = "regional", _("Regional action plan or framework")
    SOP = "sop", _("Standard operating procedures")
    NRM = "nrm", _("National referral mechanism")


class Stage(models.TextChoices):
    ASSESSMENT = "assessment", _("Assessment")
    DRAFTING = "drafting", _("Drafting")
    SUBMITTED = "submitted", _("Submitted")
    ADOPTED = "adopted", _("Adopted")
    IN_FORCE = "in_force", _("In force")


class SupportType(models.Model):
    """Kinds of support given to law-making (drafting, review, consultation, training)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("kind of support")
        verbose_name_plural = _("kinds of support")

    def __str__(self) -> str:
        return str(_(self.name))


class LegislativeSupport(LinkedRecord):
    """Support to a country's (or a region's) instrument; its stage comes from its history."""

    country = models.ForeignKey(
        "projects.Country",
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="legislative_support",
        help_text=_("Leave empty for a regional instrument."),
    )
    instrument = models.CharField(_("instrument"), max_length=16, choices=Instrument.choices)
    title = models.CharField(_("title"), max_length=500)
    reference = models.CharField(
        _("official reference"),
        max_length=255,
        blank=True,
        help_text=_("Number and year once adopted, e.g. Legislative Decree No. 3 of 2010."),
    )
    description = models.TextField(_("description"), blank=True)
    support = models.ManyToManyField(
        SupportType, verbose_name=_("support given"), blank=True, related_name="+"
    )
    projects = models.ManyToManyField(
        "projects.Project",
        verbose_name=_("projects"),
        blank=True,
        related_name="legislative_support",
    )
    outputs = models.ManyToManyField(
        ResearchOutput,
        verbose_name=_("research outputs"),
        blank=True,
        related_name="legislative_support",
    )
    indicators = models.ManyToManyField(
        "projects.Indicator",
        verbose_name=_("indicators fed"),
        blank=True,
        related_name="legislative_support",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["country__name_en", "title", "pk"]
        verbose_name = _("legislative support")
        verbose_name_plural = _("legislative support")

    def __str__(self) -> str:
        return self.title


class LegislativeStage(models.Model):
    """One dated step of an instrument; a step never goes back before the one before it."""

    support = models.ForeignKey(LegislativeSupport, on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    date = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    objects = StageQuerySet.as_manager()

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("legislative stage")
        verbose_name_plural = _("legislative stages")
        indexes = [models.Index(fields=["support", "date"])]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} ({self.date:%Y-%m-%d})"


class ActivityKind(models.TextChoices):
    CAMPAIGN = "campaign", _("Campaign")
    EVENT = "event", _("Event")


class AwarenessAudience(models.TextChoices):
    PUBLIC = "public", _("General public")
    MIGRANTS = "migrants", _("Migrants and migrant workers")
    YOUTH = "youth", _("Students and young people")
    EMPLOYERS = "employers", _("Employers and recruiters")
    COMMUNITIES = "communities", _("Communities at risk")
    MEDIA = "media", _("Media")
    OFFICIALS = "officials", _("Officials and decision makers")


class Channel(models.TextChoices):
    MEDIA = "media", _("Media")
    SCHOOL = "school", _("School")
    COMMUNITY = "community", _("Community")
    ONLINE = "online", _("Online")
    SEVERAL = "several", _("Several channels")


class AwarenessActivity(LinkedRecord):
    """A campaign or an event raising awareness of trafficking, with its reach."""

    projects = models.ManyToManyField(
        "projects.Project",
        verbose_name=_("projects"),
        blank=True,
        related_name="awareness_activities",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(_("audience"), max_length=16, choices=AwarenessAudience.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    countries = models.ManyToManyField(
        "projects.Country",
        verbose_name=_("countries"),
        blank=True,
        related_name="awareness_activities",
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    people_reached = models.PositiveIntegerField(
        _("people reached directly"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    audience_estimate = models.PositiveIntegerField(
        _("estimated media or online audience"), null=True, blank=True
    )
    materials_distributed = models.PositiveIntegerField(
        _("materials distributed"), null=True, blank=True
    )
    reach_note = models.CharField(_("how reach was counted"), max_length=500, blank=True)
    materials = models.TextField(
        _("materials"), blank=True, help_text=_("Leaflets, spots, posters… one per line.")
    )
    indicators = models.ManyToManyField(
        "projects.Indicator",
        verbose_name=_("indicators fed"),
        blank=True,
        related_name="awareness_activities",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "title", "pk"]
        verbose_name = _("awareness activity")
        verbose_name_plural = _("awareness activities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="awareness_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ActivityMaterial(Attachment):
    activity = models.ForeignKey(AwarenessActivity, on_delete=models.CASCADE, related_name="files")
    history = HistoricalRecords()

    objects = ActivityMaterialQuerySet.as_manager()

    class Meta(Attachment.Meta):
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(file="") | ~models.Q(url=""),
                name="activity_material_file_or_link",
            )
        ]
