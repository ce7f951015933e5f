"""Tables of the materialised figures (see ``dashboards.summaries``)."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class SummaryState(models.Model):
    """The version of the source data: moved on by every committed change to it."""

    version = models.BigIntegerField(_("version"), default=1)
    built_version = models.BigIntegerField(_("version built"), null=True, blank=True)
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)
    build_seconds = models.FloatField(_("build time (s)"), null=True, blank=True)

    class Meta:
        verbose_name = _("figure summary state")
        verbose_name_plural = _("figure summary states")

    def __str__(self) -> str:
        return f"v{self.version} (built v{self.built_version})"


class FigureSummary(models.Model):
    """One figure's rows for one scope, before suppression, as of a version of the data."""

    kind = models.CharField(_("metric or page"), max_length=80)
    shape = models.CharField(_("breakdown and filters"), max_length=200)
    scope = models.CharField(_("scope"), max_length=64)
    version = models.BigIntegerField(_("version"))
    data = models.JSONField(_("data"), encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("figure summary")
        verbose_name_plural = _("figure summaries")
        constraints = [
            models.UniqueConstraint(fields=("kind", "shape", "scope"), name="figure_summary_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.shape} v{self.version}"
