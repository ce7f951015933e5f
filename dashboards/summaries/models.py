"""Tables of the materialised figures (see ``dashboards.summaries``).

Internal tables, shown nowhere: their names are not translated."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class SummaryState(models.Model):
    """The version of the source data: moved on by every committed change to it."""

    version = models.BigIntegerField("version", default=1)
    built_version = models.BigIntegerField("version built", null=True, blank=True)
    built_at = models.DateTimeField("built at", null=True, blank=True)
    build_seconds = models.FloatField("build time (s)", null=True, blank=True)

    class Meta:
        verbose_name = "figure summary state"
        verbose_name_plural = "figure summary states"

    def __str__(self) -> str:
        return f"v{self.version} (built v{self.built_version})"


class FigureSummary(models.Model):
    """One figure's rows for one scope, before suppression, as of a version of the data."""

    kind = models.CharField("metric or page", max_length=80)
    shape = models.CharField("breakdown and filters", max_length=200)
    scope = models.CharField("scope", max_length=64)
    version = models.BigIntegerField("version")
    data = models.JSONField("data", encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = "figure summary"
        verbose_name_plural = "figure summaries"
        constraints = [
            models.UniqueConstraint(fields=("kind", "shape", "scope"), name="figure_summary_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.shape} v{self.version}"
