"""A provider of the directory: an organisation of the register, in a country, with its services."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ctportal import access

from ..vocabulary import ServiceKind


class ProviderKind(models.TextChoices):
    NGO = "ngo", _("NGO")
    SHELTER = "shelter", _("Shelter")
    CLINIC = "clinic", _("Clinic or hospital")
    LAWYER = "lawyer", _("Lawyer or legal aid")
    GOVERNMENT = "government", _("Government service")
    UN_AGENCY = "un_agency", _("UN agency")


class ServiceProviderQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The directory serves the people who refer: case workers and administrators."""
        return self if access.can_use(user, "service_providers") else self.none()

    def active(self):
        return self.filter(is_active=True)


class ServiceProvider(models.Model):
    organisation = models.ForeignKey(
        "projects.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="provider_entries",
    )
    country = models.ForeignKey(
        "projects.Country", verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ProviderKind.choices)
    city = models.CharField(_("city"), max_length=100, blank=True)
    services = models.JSONField(
        _("services offered"),
        default=list,
        help_text=_("Codes of the services this provider offers."),
    )
    contact = models.CharField(
        _("how to refer"),
        max_length=300,
        blank=True,
        help_text=_("The desk, hotline or e-mail address that takes referrals."),
    )
    is_active = models.BooleanField(_("takes referrals"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    objects = ServiceProviderQuerySet.as_manager()

    class Meta:
        ordering = ["country__name_en", "organisation__name"]
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "country"], name="provider_once_per_country"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.country_id})"

    def service_labels(self) -> list[str]:
        labels = dict(ServiceKind.choices)
        return [str(labels[code]) for code in self.services if code in labels]
