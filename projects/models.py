import datetime
from decimal import Decimal

import pycountry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from ctportal.jobs import BackgroundJob

from .querysets import (
    DisaggregationQuerySet,
    DocumentQuerySet,
    IndicatorQuerySet,
    PeriodQuerySet,
    PortfolioExportQuerySet,
    ProjectChildQuerySet,
    ProjectQuerySet,
    ReferenceQuerySet,
)

MONEY = {"max_digits": 16, "decimal_places": 2}


def validate_currency(value: str) -> None:
    if not value or pycountry.currencies.get(alpha_3=value.upper()) is None:
        raise ValidationError(
            _("“%(code)s” is not an ISO 4217 currency code."), params={"code": value}
        )


def share_field() -> models.DecimalField:
    """A share of a whole in percent, above 0 and at most 100 (countries, sectors)."""
    return models.DecimalField(
        _("percentage"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )


def currency_field(**kwargs) -> models.CharField:
    return models.CharField(
        _("currency"), max_length=3, validators=[validate_currency], default="USD", **kwargs
    )


def in_reader_language(record: models.Model, field: str) -> str:
    """A text in the reader's language: its Arabic or French version, else the main one."""
    lang = (get_language() or settings.LANGUAGE_CODE)[:2]
    if lang != "en":
        version = getattr(record, f"{field}_{lang}", "")
        if version:
            return version
    return getattr(record, field)


class Region(models.TextChoices):
    MASHREQ = "mashreq", _("Mashreq")
    MAGHREB = "maghreb", _("Maghreb")
    NILE_VALLEY = "nile_valley", _("Nile Valley")
    GCC = "gcc", _("Gulf Cooperation Council")
    ARABIAN_PENINSULA = "arabian_peninsula", _("Arabian Peninsula")
    HORN_OF_AFRICA = "horn_of_africa", _("Horn of Africa")
    SAHEL = "sahel", _("Sahel")
    EUROPE = "europe", _("Europe")
    NORTH_AMERICA = "north_america", _("North America")
    OTHER = "other", _("Other")


class Country(models.Model):
    code = CountryField(_("ISO 3166-1 code"), unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_ar = models.CharField(_("name (Arabic)"), max_length=100)
    name_fr = models.CharField(_("name (French)"), max_length=100)
    region = models.CharField(_("region"), max_length=32, choices=Region.choices)
    history = HistoricalRecords()

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = (get_language() or "en")[:2]
        return getattr(self, f"name_{lang}", None) or self.name_en


class OrganisationKind(models.TextChoices):
    DONOR_GOVERNMENT = "donor_government", _("Donor government")
    UN_AGENCY = "un_agency", _("UN agency")
    IGO = "igo", _("Intergovernmental organisation")
    NGO = "ngo", _("Non-governmental organisation")
    MINISTRY = "ministry", _("Ministry or government body")
    ACADEMY = "academy", _("Police or judicial academy")
    RESEARCH_CENTRE = "research_centre", _("Research centre")
    REGIONAL_BODY = "regional_body", _("Regional body")
    FOUNDATION = "foundation", _("Foundation")


# IATI OrganisationType codes for each kind.
IATI_ORGANISATION_TYPE = {
    OrganisationKind.DONOR_GOVERNMENT: "10",
    OrganisationKind.UN_AGENCY: "40",
    OrganisationKind.IGO: "40",
    OrganisationKind.NGO: "22",
    OrganisationKind.MINISTRY: "10",
    OrganisationKind.ACADEMY: "80",
    OrganisationKind.RESEARCH_CENTRE: "80",
    OrganisationKind.REGIONAL_BODY: "40",
    OrganisationKind.FOUNDATION: "60",
}


def validate_organisation_identifier(value: str) -> None:
    """An IATI organisation identifier with a registered agency prefix (XM-DAC-47066)."""
    from .iati_rules import organisation_identifier_problem

    problem = organisation_identifier_problem(value)
    if problem:
        raise ValidationError(problem)


class Organisation(models.Model):
    name = models.CharField(
        _("name"), max_length=255, unique=True, help_text=_("In English, or as published.")
    )
    name_ar = models.CharField(_("name (Arabic)"), max_length=255, blank=True)
    name_fr = models.CharField(_("name (French)"), max_length=255, blank=True)
    acronym = models.CharField(_("acronym"), max_length=32, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    country = models.ForeignKey(
        Country,
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
    )
    iati_identifier = models.CharField(
        _("IATI organisation identifier"),
        max_length=64,
        blank=True,
        validators=[validate_organisation_identifier],
        help_text=_(
            "For example XM-DAC-47066 or GB-COH-123: a prefix of the IATI "
            "OrganisationRegistrationAgency codelist, then the organisation's number there."
        ),
    )
    history = HistoricalRecords()

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        name = self.local_name
        return f"{name} ({self.acronym})" if self.acronym else name

    @property
    def local_name(self) -> str:
        """The name in the reader's language, the main name when it has no such version."""
        return in_reader_language(self, "name")

    @property
    def iati_type(self) -> str:
        return IATI_ORGANISATION_TYPE[self.kind]


class ThematicArea(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("thematic area")
        verbose_name_plural = _("thematic areas")

    def __str__(self) -> str:
        return str(_(self.name))


class ProjectStatus(models.IntegerChoices):
    """IATI ActivityStatus codes."""

    PIPELINE = 1, _("Pipeline")
    IMPLEMENTATION = 2, _("Implementation")
    FINALISATION = 3, _("Finalisation")
    CLOSED = 4, _("Closed")
    CANCELLED = 5, _("Cancelled")
    SUSPENDED = 6, _("Suspended")


class FlowType(models.TextChoices):
    """IATI FlowType codes a counter-trafficking portfolio uses."""

    ODA = "10", _("ODA")
    OOF = "20", _("OOF")
    PRIVATE_GRANTS = "30", _("Private grants")


class FinanceType(models.TextChoices):
    """IATI FinanceType codes a counter-trafficking portfolio uses."""

    STANDARD_GRANT = "110", _("Standard grant")
    SUBSIDIES = "111", _("Subsidies to national private investors")
    STANDARD_LOAN = "410", _("Aid loan excluding debt reorganisation")


class AidType(models.TextChoices):
    """IATI AidType codes (OECD DAC vocabulary) a counter-trafficking portfolio uses."""

    PROJECT = "C01", _("Project-type interventions")
    EARMARKED = (
        "B03",
        _(
            "Contributions to specific-purpose programmes and funds managed by "
            "international organisations"
        ),
    )
    EXPERTS = "D01", _("Donor country personnel")
    TECHNICAL_ASSISTANCE = "D02", _("Other technical assistance")


class TiedStatus(models.TextChoices):
    """IATI TiedStatus codes."""

    PARTIALLY_TIED = "3", _("Partially tied")
    TIED = "4", _("Tied")
    UNTIED = "5", _("Untied")


class CollaborationType(models.TextChoices):
    """IATI CollaborationType codes an IGO's projects take."""

    BILATERAL = "1", _("Bilateral (earmarked funding from a donor)")
    MULTILATERAL = "2", _("Multilateral (core funding)")


class ActivityScope(models.TextChoices):
    """IATI ActivityScope codes; empty means worked out from the recipient countries."""

    GLOBAL = "1", _("Global")
    REGIONAL = "2", _("Regional")
    MULTI_NATIONAL = "3", _("Multi-national")
    NATIONAL = "4", _("National")


class BudgetNotProvided(models.TextChoices):
    """IATI BudgetNotProvided codes: why a project publishes no budget."""

    COMMERCIAL = "1", _("Commercial restrictions")
    LEGAL = "2", _("Legal restrictions")
    EMERGENCY = "3", _("Rapid onset emergency")


def default_text_language() -> str:
    """The site language in use when a project is created."""
    lang = (get_language() or settings.LANGUAGE_CODE)[:2]
    return lang if lang in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class Project(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    iati_identifier = models.CharField(_("IATI identifier"), max_length=128, unique=True)
    title = models.CharField(_("title"), max_length=255)
    title_ar = models.CharField(_("title (Arabic)"), max_length=255, blank=True)
    title_fr = models.CharField(_("title (French)"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    thematic_areas = models.ManyToManyField(
        ThematicArea, verbose_name=_("thematic areas"), blank=True, related_name="projects"
    )
    status = models.PositiveSmallIntegerField(
        _("status"), choices=ProjectStatus.choices, default=ProjectStatus.IMPLEMENTATION
    )
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    budget = models.DecimalField(
        _("total budget"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Leave empty when the budget is not disclosed."),
    )
    currency = currency_field()
    reporting_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("reporting organisation"),
        on_delete=models.PROTECT,
        related_name="reported_projects",
    )
    target_groups = models.TextField(_("target groups"), blank=True, help_text=_("One per line."))
    objectives = models.TextField(_("objectives"), blank=True, help_text=_("One per line."))
    key_achievements = models.TextField(
        _("key achievements"), blank=True, help_text=_("One per line.")
    )
    text_language = models.CharField(
        _("language of its texts"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=default_text_language,
        help_text=_("The language the title, description and results are written in."),
    )
    budget_not_provided = models.CharField(
        _("why no budget is published"),
        max_length=1,
        choices=BudgetNotProvided.choices,
        blank=True,
        help_text=_(
            "When the total budget is left empty and the reason is one of these, "
            "the IATI file says so."
        ),
    )
    default_flow_type = models.CharField(
        _("flow type"), max_length=3, choices=FlowType.choices, default=FlowType.ODA
    )
    default_finance_type = models.CharField(
        _("finance type"),
        max_length=4,
        choices=FinanceType.choices,
        default=FinanceType.STANDARD_GRANT,
    )
    default_aid_type = models.CharField(
        _("aid type"), max_length=4, choices=AidType.choices, default=AidType.PROJECT
    )
    default_tied_status = models.CharField(
        _("tied status"), max_length=1, choices=TiedStatus.choices, default=TiedStatus.UNTIED
    )
    collaboration_type = models.CharField(
        _("collaboration type"),
        max_length=1,
        choices=CollaborationType.choices,
        default=CollaborationType.BILATERAL,
    )
    activity_scope = models.CharField(
        _("geographic scope"),
        max_length=1,
        choices=ActivityScope.choices,
        blank=True,
        help_text=_("Leave empty to derive it from the recipient countries."),
    )
    contact_email = models.EmailField(
        _("contact e-mail"), blank=True, help_text=_("Published in the IATI file.")
    )
    # A regional project is shared by several country offices; the lead country's
    # officers run it (with the officers assigned to it), the others only read it.
    lead_country = models.ForeignKey(
        Country,
        verbose_name=_("lead country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_projects",
        help_text=_(
            "Its programme officers may edit the project, with the officers assigned to it. "
            "Empty: the recipient country with the largest share leads."
        ),
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[thematic_areas])

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-planned_start", "code"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        # The API and the list page read a page in this order straight from an index.
        indexes = [models.Index(fields=["-planned_start", "code"], name="project_list_order")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_end__gte=models.F("planned_start")),
                name="project_planned_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(budget__gte=0) | models.Q(budget__isnull=True),
                name="project_budget_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.local_title}"

    @property
    def local_title(self) -> str:
        """The title in the reader's language, the main title when it has no such version."""
        return in_reader_language(self, "title")

    @property
    def start(self):
        return self.actual_start or self.planned_start

    @property
    def end(self):
        return self.actual_end or self.planned_end

    @staticmethod
    def lines(text: str) -> list[str]:
        return [line.strip(" •-\t") for line in text.splitlines() if line.strip(" •-\t")]

    @property
    def target_group_list(self) -> list[str]:
        return self.lines(self.target_groups)

    @property
    def objective_list(self) -> list[str]:
        return self.lines(self.objectives)

    @property
    def achievement_list(self) -> list[str]:
        return self.lines(self.key_achievements)


class Funding(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="fundings")
    donor = models.ForeignKey(
        Organisation, verbose_name=_("donor"), on_delete=models.PROTECT, related_name="fundings"
    )
    amount = models.DecimalField(
        _("amount"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Leave empty when the donor's contribution is not known."),
    )
    currency = currency_field()
    history = HistoricalRecords()

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        ordering = ["-amount", "donor__name"]
        verbose_name = _("funding")
        verbose_name_plural = _("funding")
        constraints = [
            models.UniqueConstraint(fields=["project", "donor"], name="funding_one_per_donor"),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0) | models.Q(amount__isnull=True),
                name="funding_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.donor} → {self.project.code}"

    @property
    def share(self) -> Decimal | None:
        """Percent of the project budget; only when both are in one currency."""
        project = self.project
        if self.amount is None or self.currency != project.currency or not project.budget:
            return None
        return (self.amount * 100 / project.budget).quantize(Decimal("0.1"))


class OrganisationRole(models.IntegerChoices):
    """IATI OrganisationRole codes."""

    FUNDING = 1, _("Funding")
    ACCOUNTABLE = 2, _("Accountable")
    EXTENDING = 3, _("Extending")
    IMPLEMENTING = 4, _("Implementing")


class ParticipatingOrganisation(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="participating_organisations"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="participations",
    )
    role = models.PositiveSmallIntegerField(_("IATI role"), choices=OrganisationRole.choices)
    history = HistoricalRecords()

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        ordering = ["role", "organisation__name"]
        verbose_name = _("participating organisation")
        verbose_name_plural = _("participating organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organisation", "role"], name="participation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"


class RecipientCountry(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="recipient_countries"
    )
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="recipients"
    )
    percentage = share_field()
    history = HistoricalRecords()

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        ordering = ["-percentage", "country__name_en"]
        verbose_name = _("recipient country")
        verbose_name_plural = _("recipient countries")
        constraints = [
            models.UniqueConstraint(fields=["project", "country"], name="recipient_country_unique"),
            models.CheckConstraint(
                condition=models.Q(percentage__gt=0) & models.Q(percentage__lte=100),
                name="recipient_percentage_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.percentage}%"


class SectorCode(models.TextChoices):
    """DAC 5-digit purpose codes (IATI Sector vocabulary 1) for counter-trafficking work."""

    MIGRATION = (
        "15190",
        _("Facilitation of orderly, safe, regular and responsible migration and mobility"),
    )
    VIOLENCE_AGAINST_WOMEN = "15180", _("Ending violence against women and girls")
    LEGAL_JUDICIAL = "15130", _("Legal and judicial development")
    HUMAN_RIGHTS = "15160", _("Human rights")
    WOMENS_ORGANISATIONS = "15170", _("Women's rights organisations and movements")
    SOCIAL_PROTECTION = "16010", _("Social protection")
    EMPLOYMENT_POLICY = "16020", _("Employment creation")
    MULTISECTOR = "43010", _("Multisector aid")


DEFAULT_SECTOR = SectorCode.MIGRATION


class ProjectSector(models.Model):
    """A DAC sector of a project and its share; a project without rows is all 15190."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="sectors")
    code = models.CharField(_("sector"), max_length=5, choices=SectorCode.choices)
    percentage = share_field()
    history = HistoricalRecords()

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        ordering = ["-percentage", "code"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="project_sector_unique"),
            models.CheckConstraint(
                condition=models.Q(percentage__gt=0) & models.Q(percentage__lte=100),
                name="project_sector_percentage_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.percentage}%"


class TransactionKind(models.IntegerChoices):
    """IATI TransactionType codes."""

    INCOMING_FUNDS = 1, _("Incoming funds")
    COMMITMENT = 2, _("Commitment")
    DISBURSEMENT = 3, _("Disbursement")
    EXPENDITURE = 4, _("Expenditure")
    INCOMING_COMMITMENT = 11, _("Incoming commitment")


SPEND_KINDS = (TransactionKind.DISBURSEMENT, TransactionKind.EXPENDITURE)


class Transaction(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="transactions")
    kind = models.PositiveSmallIntegerField(_("type"), choices=TransactionKind.choices)
    date = models.DateField(_("date"))
    value = models.DecimalField(_("value"), **MONEY, validators=[MinValueValidator(Decimal("0"))])
    currency = currency_field()
    provider = models.ForeignKey(
        Organisation,
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provided_transactions",
    )
    receiver = models.ForeignKey(
        Organisation,
        verbose_name=_("receiver"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="received_transactions",
    )
    description = models.CharField(_("description"), max_length=255, blank=True)
    history = HistoricalRecords()

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        indexes = [
            models.Index(fields=["project", "kind", "date"]),
            # The default order: the API's pages come straight from this index.
            models.Index(fields=["-date", "-id"], name="transaction_list_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name="transaction_value_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value} {self.currency} {self.date}"

    def clean(self) -> None:
        # IATI transactions are things that happened; plans go in budgets.
        if self.date and self.date > timezone.localdate():
            raise ValidationError(
                {
                    "date": _(
                        "A transaction records what happened: its date cannot be in the future."
                    )
                }
            )


class BudgetKind(models.IntegerChoices):
    """IATI BudgetType codes."""

    ORIGINAL = 1, _("Original")
    REVISED = 2, _("Revised")


class BudgetStatus(models.IntegerChoices):
    """IATI BudgetStatus codes."""

    INDICATIVE = 1, _("Indicative")
    COMMITTED = 2, _("Committed")


def one_year_after(day: datetime.date) -> datetime.date:
    """The same day a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


class Budget(models.Model):
    """A budget of one period (at most a year), as IATI publishes them.

    When a project has budget rows, its total budget is computed from them
    (``projects.services.budget_total``), never typed a second time.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budgets")
    kind = models.PositiveSmallIntegerField(
        _("type"), choices=BudgetKind.choices, default=BudgetKind.ORIGINAL
    )
    status = models.PositiveSmallIntegerField(
        _("status"), choices=BudgetStatus.choices, default=BudgetStatus.INDICATIVE
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    value = models.DecimalField(_("value"), **MONEY, validators=[MinValueValidator(Decimal("0"))])
    currency = currency_field()
    value_date = models.DateField(_("value date"))
    history = HistoricalRecords()

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        ordering = ["period_start", "kind", "pk"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="budget_period_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name="budget_value_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_start}–{self.period_end} {self.value}"

    def clean(self) -> None:
        start, end = self.period_start, self.period_end
        # IATI budget periods may not be longer than a year.
        if start and end and end >= one_year_after(start):
            raise ValidationError(
                {"period_end": _("A budget period may not be longer than one year.")}
            )


class ResultKind(models.IntegerChoices):
    """IATI ResultType codes."""

    OUTPUT = 1, _("Output")
    OUTCOME = 2, _("Outcome")
    IMPACT = 3, _("Impact")


class Result(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="results")
    kind = models.PositiveSmallIntegerField(
        _("type"), choices=ResultKind.choices, default=ResultKind.OUTPUT
    )
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("result")
        verbose_name_plural = _("results")

    def __str__(self) -> str:
        return self.title


class IndicatorMeasure(models.IntegerChoices):
    """IATI IndicatorMeasure codes."""

    UNIT = 1, _("Unit")
    PERCENTAGE = 2, _("Percentage")
    QUALITATIVE = 5, _("Qualitative")


class Indicator(models.Model):
    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="indicators")
    title = models.CharField(_("title"), max_length=255)
    title_ar = models.CharField(_("title (Arabic)"), max_length=255, blank=True)
    title_fr = models.CharField(_("title (French)"), max_length=255, blank=True)
    measure = models.PositiveSmallIntegerField(
        _("measure"), choices=IndicatorMeasure.choices, default=IndicatorMeasure.UNIT
    )
    unit = models.CharField(
        _("unit"), max_length=64, blank=True, help_text=_("e.g. officials trained")
    )
    unit_ar = models.CharField(_("unit (Arabic)"), max_length=64, blank=True)
    unit_fr = models.CharField(_("unit (French)"), max_length=64, blank=True)
    ascending = models.BooleanField(_("higher is better"), default=True)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    baseline_value = models.DecimalField(
        _("baseline value"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    baseline_comment = models.TextField(
        _("baseline comment"),
        blank=True,
        help_text=_("For a qualitative indicator, the baseline in words."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.local_title

    @property
    def local_title(self) -> str:
        return in_reader_language(self, "title")

    @property
    def local_unit(self) -> str:
        return in_reader_language(self, "unit")

    @property
    def is_qualitative(self) -> bool:
        return self.measure == IndicatorMeasure.QUALITATIVE

    def clean(self) -> None:
        errors = {}
        has_value = (
            bool(self.baseline_comment.strip())
            if self.is_qualitative
            else self.baseline_value is not None
        )
        if self.baseline_year and not has_value:
            field = "baseline_comment" if self.is_qualitative else "baseline_value"
            errors[field] = _("A baseline with a year needs its value.")
        if not self.baseline_year and (self.baseline_value is not None or self.baseline_comment):
            errors["baseline_year"] = _("Give the year the baseline was measured.")
        if errors:
            raise ValidationError(errors)


class IndicatorPeriod(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="periods")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    target = models.DecimalField(
        _("target"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    actual = models.DecimalField(
        _("actual"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    target_comment = models.TextField(
        _("target comment"), blank=True, help_text=_("A qualitative target in words.")
    )
    actual_comment = models.TextField(
        _("actual comment"), blank=True, help_text=_("A qualitative result in words.")
    )
    history = HistoricalRecords()

    objects = PeriodQuerySet.as_manager()

    class Meta:
        ordering = ["period_start", "pk"]
        verbose_name = _("indicator period")
        verbose_name_plural = _("indicator periods")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="period_end_after_start",
            ),
            models.UniqueConstraint(
                fields=["indicator", "period_start", "period_end"], name="period_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.period_start}–{self.period_end}"


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other or not stated")


class Disaggregation(models.Model):
    """Target and actual of one period for one sex or one country."""

    period = models.ForeignKey(
        IndicatorPeriod, on_delete=models.CASCADE, related_name="disaggregations"
    )
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, blank=True)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, null=True, blank=True
    )
    target = models.DecimalField(
        _("target"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    actual = models.DecimalField(
        _("actual"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    history = HistoricalRecords()

    objects = DisaggregationQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("disaggregation")
        verbose_name_plural = _("disaggregations")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(sex="") & models.Q(country__isnull=False))
                | (~models.Q(sex="") & models.Q(country__isnull=True)),
                name="disaggregation_by_sex_or_country",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period}: {self.sex or self.country}"


class DocumentCategory(models.TextChoices):
    """IATI DocumentCategory codes of activity documents, with the standard's meaning."""

    IMPACT_APPRAISAL = "A01", _("Pre- and post-project impact appraisal")
    OBJECTIVES = "A02", _("Objectives / purpose of activity")
    BENEFICIARIES = "A03", _("Intended ultimate beneficiaries")
    CONDITIONS = "A04", _("Conditions")
    BUDGET = "A05", _("Budget")
    CONTRACT_SUMMARY = "A06", _("Summary information about contract")
    REVIEW = "A07", _("Review of project performance and evaluation")
    RESULTS = "A08", _("Results, outcomes and outputs")
    MEMORANDUM = "A09", _("Memorandum of understanding")
    TENDER = "A10", _("Tender")
    CONTRACT = "A11", _("Contract")
    WEB_PAGE = "A12", _("Activity web page")
    ANNUAL_REPORT = "B01", _("Annual report")


class Document(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=255)
    category = models.CharField(_("category"), max_length=3, choices=DocumentCategory.choices)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    file = models.FileField(_("file"), upload_to="documents/%Y/", blank=True)
    url = models.URLField(_("link"), blank=True)
    document_date = models.DateField(_("date"), null=True, blank=True)
    is_public = models.BooleanField(
        _("public"),
        default=False,
        help_text=_(
            "Public documents are listed in the IATI file and can be opened without signing in."
        ),
    )
    history = HistoricalRecords()

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-document_date", "title"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(file="") | ~models.Q(url=""), name="document_file_or_link"
            )
        ]

    def __str__(self) -> str:
        return self.title


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class PortfolioExport(BackgroundJob):
    """A file of the portfolio built in the background (``ctportal.jobs``) for one user's scope."""

    job_task = "projects.tasks.build_portfolio_export"

    class Format(models.TextChoices):
        IATI = "iati", _("IATI 2.03 XML")
        CSV = "csv", _("CSV")
        XLSX = "xlsx", _("Excel (XLSX)")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portfolio_exports"
    )
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    file = models.FileField(_("file"), upload_to="exports/", blank=True)
    project_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PortfolioExportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("portfolio export")
        verbose_name_plural = _("portfolio exports")

    def __str__(self) -> str:
        return f"{self.get_format_display()} {self.created_at:%Y-%m-%d %H:%M}"
