"""Care given to a victim: services delivered, referrals, shelters and stays."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.models import MONEY, currency_field

from .querysets import CaseChildQuerySet, ShelterQuerySet
from .vocabulary import ReferralStatus, ServiceKind


class Service(models.Model):
    """A service delivered to a victim."""

    case = models.ForeignKey("Case", on_delete=models.CASCADE, related_name="services")
    kind = models.CharField(_("service"), max_length=20, choices=ServiceKind.choices)
    provider = models.ForeignKey(
        "projects.Organisation",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    cost = models.DecimalField(
        _("cost"), **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = currency_field()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = _("service delivered")
        verbose_name_plural = _("services delivered")
        indexes = [models.Index(fields=["case", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="service_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(cost__isnull=True) | models.Q(cost__gte=0),
                name="service_cost_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date}"


class Referral(models.Model):
    """A referral of a victim from one organisation to another."""

    case = models.ForeignKey("Case", on_delete=models.CASCADE, related_name="referrals")
    from_organisation = models.ForeignKey(
        "projects.Organisation",
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_organisation = models.ForeignKey(
        "projects.Organisation", verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    service_kind = models.CharField(
        _("for"), max_length=20, choices=ServiceKind.choices, blank=True
    )
    sent_on = models.DateField(_("sent on"))
    status = models.CharField(
        _("status"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    responded_on = models.DateField(_("answered on"), null=True, blank=True)
    consent_override = models.BooleanField(_("sent without consent"), default=False)
    override_reason = models.TextField(_("reason for referring without consent"), blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    history = HistoricalRecords()

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_on", "-pk"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_organisation=models.F("to_organisation")),
                name="referral_between_two_organisations",
            ),
            models.CheckConstraint(
                condition=models.Q(consent_override=False) | ~models.Q(override_reason=""),
                name="referral_override_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(responded_on__isnull=True)
                | models.Q(responded_on__gte=models.F("sent_on")),
                name="referral_answer_after_sending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_organisation_id} → {self.to_organisation_id}"


class Shelter(models.Model):
    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        "projects.Organisation",
        verbose_name=_("run by"),
        on_delete=models.PROTECT,
        related_name="shelters",
    )
    country = models.ForeignKey(
        "projects.Country", verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    capacity = models.PositiveIntegerField(_("places"), validators=[MinValueValidator(1)])
    history = HistoricalRecords()

    objects = ShelterQuerySet.as_manager()

    class Meta:
        ordering = ["country__name_en", "name"]
        verbose_name = _("shelter")
        verbose_name_plural = _("shelters")
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="shelter_has_places"),
            models.UniqueConstraint(fields=["organisation", "name"], name="shelter_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ShelterStay(models.Model):
    case = models.ForeignKey("Case", on_delete=models.CASCADE, related_name="stays")
    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="stays")
    admitted_on = models.DateField(_("admitted on"))
    discharged_on = models.DateField(_("discharged on"), null=True, blank=True)
    history = HistoricalRecords()

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["-admitted_on", "-pk"]
        verbose_name = _("shelter stay")
        verbose_name_plural = _("shelter stays")
        indexes = [models.Index(fields=["shelter", "admitted_on", "discharged_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(discharged_on__isnull=True)
                | models.Q(discharged_on__gte=models.F("admitted_on")),
                name="stay_discharge_after_admission",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} @ {self.shelter_id} {self.admitted_on}"
