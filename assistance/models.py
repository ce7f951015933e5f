"""Victim assistance: cases, identities, services, referrals, shelters and notes.

A case carries no identity: its reference is random and its fields are the
non-identifying CTDC variables, so its history may be kept. What names or
locates a person lives in ``Identity`` (and in case notes), encrypted at rest
and kept without history, since a history table would hold every old value.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from .crypto import EncryptedDateField, EncryptedTextField
from .querysets import (
    AppendOnlyQuerySet,
    CaseQuerySet,
    CaseWorkerOnlyQuerySet,
)
from .vocabulary import (
    FLAG_GROUPS,
    CaseStatus,
    ClosureReason,
    ExploitationType,
    IdentifiedBy,
    IdentityAction,
    LabourSector,
    MeansOfControl,
    RecruiterRelation,
    Sex,
    Vulnerability,
    age_band,
    flag_field,
)

# Crockford's base32 without look-alikes: easy to read out on the phone.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """A random case reference, e.g. ``CT-7KQ2M9XD4R``: nothing in it comes from the person."""
    return "CT-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(10))


def flag(code: models.TextChoices) -> models.BooleanField:
    return models.BooleanField(code.label, default=False)


class Case(models.Model):
    reference = models.CharField(
        _("reference"), max_length=16, unique=True, default=new_reference, editable=False
    )
    country_office = models.ForeignKey(
        "projects.Country",
        verbose_name=_("country office"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    identification_date = models.DateField(_("date of identification"))
    identified_by = models.CharField(
        _("identified by"), max_length=32, choices=IdentifiedBy.choices
    )
    referring_organisation = models.ForeignKey(
        "projects.Organisation",
        verbose_name=_("referring organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sex = models.CharField(_("sex"), max_length=32, choices=Sex.choices, blank=True)
    age_at_identification = models.PositiveSmallIntegerField(
        _("age at identification"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(120)],
    )
    citizenship = CountryField(_("citizenship"), blank=True)
    country_of_origin = CountryField(_("country of origin"), blank=True)
    transit_countries = CountryField(
        _("countries of transit"),
        multiple=True,
        multiple_sort=False,
        blank=True,
        help_text=_("In the order of the route."),
    )
    country_of_exploitation = CountryField(_("country of exploitation"), blank=True)

    is_sexual_exploit = flag(ExploitationType.SEXUAL)
    is_forced_labour = flag(ExploitationType.FORCED_LABOUR)
    is_forced_marriage = flag(ExploitationType.FORCED_MARRIAGE)
    is_forced_military = flag(ExploitationType.FORCED_MILITARY)
    is_organ_removal = flag(ExploitationType.ORGAN_REMOVAL)
    is_slavery_and_practices = flag(ExploitationType.SLAVERY)
    is_other_exploit = flag(ExploitationType.OTHER)
    labour_sector = models.CharField(
        _("labour sector"), max_length=40, choices=LabourSector.choices, blank=True
    )

    means_of_control_debt_bondage = flag(MeansOfControl.DEBT_BONDAGE)
    means_of_control_takes_earnings = flag(MeansOfControl.TAKES_EARNINGS)
    means_of_control_restricts_financial_access = flag(MeansOfControl.RESTRICTS_FINANCIAL_ACCESS)
    means_of_control_threats = flag(MeansOfControl.THREATS)
    means_of_control_psychological_abuse = flag(MeansOfControl.PSYCHOLOGICAL_ABUSE)
    means_of_control_physical_abuse = flag(MeansOfControl.PHYSICAL_ABUSE)
    means_of_control_sexual_abuse = flag(MeansOfControl.SEXUAL_ABUSE)
    means_of_control_false_promises = flag(MeansOfControl.FALSE_PROMISES)
    means_of_control_psychoactive_substances = flag(MeansOfControl.PSYCHOACTIVE_SUBSTANCES)
    means_of_control_restricts_movement = flag(MeansOfControl.RESTRICTS_MOVEMENT)
    means_of_control_restricts_medical_care = flag(MeansOfControl.RESTRICTS_MEDICAL_CARE)
    means_of_control_excessive_working_hours = flag(MeansOfControl.EXCESSIVE_WORKING_HOURS)
    means_of_control_uses_children = flag(MeansOfControl.USES_CHILDREN)
    means_of_control_threat_of_law_enforcement = flag(MeansOfControl.THREAT_OF_LAW_ENFORCEMENT)
    means_of_control_withholds_necessities = flag(MeansOfControl.WITHHOLDS_NECESSITIES)
    means_of_control_withholds_documents = flag(MeansOfControl.WITHHOLDS_DOCUMENTS)
    means_of_control_other = flag(MeansOfControl.OTHER)
    recruiter_relation = models.CharField(
        _("recruiter relation"), max_length=40, choices=RecruiterRelation.choices, blank=True
    )

    vulnerable_unaccompanied_child = flag(Vulnerability.UNACCOMPANIED_CHILD)
    vulnerable_disability = flag(Vulnerability.DISABILITY)
    vulnerable_irregular_status = flag(Vulnerability.IRREGULAR_STATUS)
    vulnerable_displaced = flag(Vulnerability.DISPLACED)
    vulnerable_health_condition = flag(Vulnerability.HEALTH_CONDITION)
    vulnerable_pregnancy = flag(Vulnerability.PREGNANCY)

    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    closure_reason = models.CharField(
        _("closure reason"), max_length=16, choices=ClosureReason.choices, blank=True
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    consent_assistance = models.BooleanField(_("consents to assistance"), default=False)
    consent_referral = models.BooleanField(_("consents to referral"), default=False)
    consent_share_data = models.BooleanField(
        _("consents to sharing anonymised data"), default=False
    )
    consent_date = models.DateField(_("date of consent"), null=True, blank=True)

    version = models.PositiveIntegerField(default=1, editable=False)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-identification_date", "reference"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["country_office", "status", "identification_date"]),
            models.Index(fields=["project", "identification_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(status=CaseStatus.CLOSED) & ~models.Q(closure_reason=""))
                & models.Q(closed_on__isnull=False)
                | (~models.Q(status=CaseStatus.CLOSED) & models.Q(closure_reason=""))
                & models.Q(closed_on__isnull=True),
                name="case_closed_with_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(labour_sector="") | models.Q(is_forced_labour=True),
                name="case_labour_sector_only_for_forced_labour",
            ),
            models.CheckConstraint(
                condition=models.Q(consent_date__isnull=False)
                | models.Q(
                    consent_assistance=False, consent_referral=False, consent_share_data=False
                ),
                name="case_consent_dated",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def age_band(self) -> str:
        return age_band(self.age_at_identification)

    def codes(self, group: str) -> list[str]:
        """The codes of a multi-valued vocabulary (see ``FLAG_GROUPS``) set on this case."""
        return [code for code in FLAG_GROUPS[group].values if getattr(self, flag_field(code))]

    @property
    def exploitation_types(self) -> list[str]:
        return self.codes("exploitation_types")

    @property
    def means_of_control(self) -> list[str]:
        return self.codes("means_of_control")

    @property
    def vulnerabilities(self) -> list[str]:
        return self.codes("vulnerabilities")


class Identity(models.Model):
    """Who the victim is. Encrypted at rest; read only through ``identity_read``, which logs."""

    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, primary_key=True, related_name="identity"
    )
    given_name = EncryptedTextField(_("given name"), max_length=200, blank=True)
    family_name = EncryptedTextField(_("family name"), max_length=200, blank=True)
    other_names = EncryptedTextField(
        _("other names"), max_length=500, blank=True, help_text=_("Aliases, other spellings.")
    )
    date_of_birth = EncryptedDateField(_("date of birth"), null=True, blank=True)
    phone = EncryptedTextField(_("phone"), max_length=100, blank=True)
    email = EncryptedTextField(_("email"), max_length=254, blank=True)
    address = EncryptedTextField(_("address"), max_length=1000, blank=True)
    documents = EncryptedTextField(
        _("identity and travel documents"),
        max_length=1000,
        blank=True,
        help_text=_("Kind, number and issuing country of each document."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseWorkerOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")

    def __str__(self) -> str:
        # Never the name: this string ends up in logs and error reports.
        return f"Identity of {self.case_id}"

    def __repr__(self) -> str:
        return f"<Identity of case {self.case_id}>"


class IdentityAccess(models.Model):
    """One read or write of an identity: who, when, which case, from where. Append-only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="identity_accesses")
    action = models.CharField(_("action"), max_length=8, choices=IdentityAction.choices)
    accessed_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-accessed_at", "-pk"]
        verbose_name = _("identity access")
        verbose_name_plural = _("identity access log")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.case_id} {self.accessed_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied("The identity access log cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The identity access log cannot be changed.")


class CaseNote(models.Model):
    """A case worker's note: it may name people, so it is encrypted and kept without history."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    written_at = models.DateTimeField(_("written at"), auto_now_add=True)
    text = EncryptedTextField(_("note"), max_length=20000, blank=True)
    attachment = models.FileField(_("attachment"), upload_to="case-notes/%Y/", blank=True)
    attachment_title = models.CharField(_("attachment title"), max_length=200, blank=True)

    objects = CaseWorkerOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-written_at", "-pk"]
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")

    def __str__(self) -> str:
        return f"Note {self.pk} on {self.case_id}"


# Services, referrals and shelters live in their own module; Django finds them here.
from .audit.models import CaseDataRead, ErasureKind, IdentityErasure  # noqa: E402, F401
from .care_models import Referral, Service, Shelter, ShelterStay  # noqa: E402, F401
from .export_models import CTDCExport, CTDCRecord, CTDCRelease  # noqa: E402, F401
from .providers.models import ProviderKind, ServiceProvider  # noqa: E402, F401
