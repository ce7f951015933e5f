from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ctportal.access import Role


class User(AbstractUser):
    """A person who signs in. Their role and scope decide what they see."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    organisation = models.ForeignKey(
        "projects.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("For donor users: the organisation whose funded projects they see."),
    )
    countries = models.ManyToManyField(
        "projects.Country",
        verbose_name=_("countries"),
        blank=True,
        related_name="assigned_users",
        help_text=_("Programme officers and case workers see projects in these countries."),
    )
    projects = models.ManyToManyField(
        "projects.Project",
        verbose_name=_("projects"),
        blank=True,
        related_name="assigned_users",
    )
    country_office = models.ForeignKey(
        "projects.Country",
        verbose_name=_("country office"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_workers",
        help_text=_("For case workers: the office whose victim-assistance cases they work on."),
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username
