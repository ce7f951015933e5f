"""Dashboards composed in the admin: an audience and ordered widgets over registry metrics.

A widget names a metric, how to break it down and how to narrow it; the
figures themselves always come from ``dashboards.figures`` for the viewer,
so scope and small-cell suppression apply whoever composed the dashboard.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .querysets import DashboardQuerySet, WidgetQuerySet
from .registry import DIMENSIONS, METRICS, Filters, metric_choices

# The materialised figures' tables live with their code; imported here to be registered.
from .summaries.models import FigureSummary, SummaryState  # noqa: F401


class Audience(models.TextChoices):
    PORTFOLIO = "portfolio", _("Whole portfolio")
    COUNTRY = "country", _("One country")
    DONOR = "donor", _("One donor")
    PROJECT = "project", _("One project")


# The field each audience narrows on; the other two stay empty.
AUDIENCE_FIELDS = {
    Audience.COUNTRY: "country",
    Audience.DONOR: "donor",
    Audience.PROJECT: "project",
}


def _in_language(record, field: str) -> str:
    lang = (get_language() or "en")[:2]
    return getattr(record, f"{field}_{lang}", "") or getattr(record, f"{field}_en")


class Dashboard(models.Model):
    slug = models.SlugField(
        _("address"),
        max_length=80,
        unique=True,
        help_text=_(
            "The last part of the page address, e.g. “portfolio” for /dashboards/portfolio/."
        ),
    )
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_ar = models.CharField(_("title (Arabic)"), max_length=200, blank=True)
    title_fr = models.CharField(_("title (French)"), max_length=200, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_ar = models.TextField(_("description (Arabic)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    audience = models.CharField(
        _("audience"),
        max_length=16,
        choices=Audience.choices,
        default=Audience.PORTFOLIO,
        help_text=_(
            "A country, donor or project dashboard narrows every widget to its country, "
            "donor or project. Donor dashboards are seen by that donor's users and by staff."
        ),
    )
    country = models.ForeignKey(
        "projects.Country",
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dashboards",
    )
    donor = models.ForeignKey(
        "projects.Organisation",
        verbose_name=_("donor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dashboards",
        limit_choices_to={"fundings__isnull": False},
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dashboards",
    )
    is_published = models.BooleanField(
        _("published"),
        default=False,
        help_text=_("Until published, only administrators see the dashboard (as a preview)."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = DashboardQuerySet.as_manager()

    class Meta:
        ordering = ["order", "title_en"]
        verbose_name = _("dashboard")
        verbose_name_plural = _("dashboards")

    def __str__(self) -> str:
        return self.title_en

    @property
    def title(self) -> str:
        """The title in the viewer's language, English when it has none."""
        return _in_language(self, "title")

    @property
    def description(self) -> str:
        return _in_language(self, "description")

    def clean(self) -> None:
        needed = AUDIENCE_FIELDS.get(self.audience)
        missing = {
            "country": _("A country dashboard needs its country."),
            "donor": _("A donor dashboard needs its donor."),
            "project": _("A project dashboard needs its project."),
        }
        extra = {
            "country": _("Only a country dashboard has a country: leave it empty."),
            "donor": _("Only a donor dashboard has a donor: leave it empty."),
            "project": _("Only a project dashboard has a project: leave it empty."),
        }
        errors = {}
        for field in ("country", "donor", "project"):
            filled = getattr(self, f"{field}_id") is not None
            if field == needed and not filled:
                errors[field] = missing[field]
            elif field != needed and filled:
                errors[field] = extra[field]
        if errors:
            raise ValidationError(errors)

    def audience_filters(self) -> dict:
        """What the audience narrows every widget to: ``{"country": "EG"}`` and the like."""
        if self.audience == Audience.COUNTRY and self.country_id:
            return {"country": str(self.country.code)}
        if self.audience == Audience.DONOR and self.donor_id:
            return {"donor": self.donor_id}
        if self.audience == Audience.PROJECT and self.project_id:
            return {"project": self.project_id}
        return {}


class Kind(models.TextChoices):
    KPI = "kpi", _("Key figure")
    BAR = "bar", _("Bar chart")
    STACKED_BAR = "stacked_bar", _("Stacked bar chart")
    LINE = "line", _("Line chart")
    DONUT = "donut", _("Donut chart")
    TABLE = "table", _("Table")
    MAP = "map", _("Map of countries")


class Width(models.TextChoices):
    THIRD = "third", _("A third of the row")
    HALF = "half", _("Half the row")
    FULL = "full", _("The whole row")


def dimension_choices() -> list[tuple[str, str]]:
    """Dimensions a widget may pick; money is split by currency on its own."""
    return sorted(
        ((d.code, capfirst(str(d.label))) for d in DIMENSIONS.values() if d.code != "currency"),
        key=lambda choice: choice[1],
    )


TIME_DIMENSIONS = ("year", "quarter")


class Widget(models.Model):
    dashboard = models.ForeignKey(
        Dashboard, verbose_name=_("dashboard"), on_delete=models.CASCADE, related_name="widgets"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.BAR)
    metric = models.CharField(_("metric"), max_length=64, choices=metric_choices)
    dimension = models.CharField(
        _("broken down by"), max_length=32, blank=True, choices=dimension_choices
    )
    series_dimension = models.CharField(
        _("and by"),
        max_length=32,
        blank=True,
        choices=dimension_choices,
        help_text=_("Stacked bars: the parts of each bar. Lines: one line each. Tables: columns."),
    )
    filter_year = models.PositiveSmallIntegerField(
        _("only the year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1990), MaxValueValidator(2100)],
    )
    filter_project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("only the project"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    filter_country = models.ForeignKey(
        "projects.Country",
        verbose_name=_("only the country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    filter_donor = models.ForeignKey(
        "projects.Organisation",
        verbose_name=_("only the donor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"fundings__isnull": False},
    )
    title_en = models.CharField(
        _("title (English)"),
        max_length=200,
        blank=True,
        help_text=_("Empty: the name of the metric."),
    )
    title_ar = models.CharField(_("title (Arabic)"), max_length=200, blank=True)
    title_fr = models.CharField(_("title (French)"), max_length=200, blank=True)
    width = models.CharField(_("width"), max_length=8, choices=Width.choices, default=Width.HALF)
    max_rows = models.PositiveSmallIntegerField(
        _("rows shown"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_(
            "The largest rows (the latest years or quarters) are drawn and listed; "
            "the CSV download has every row."
        ),
    )
    history = HistoricalRecords()

    objects = WidgetQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("widget")
        verbose_name_plural = _("widgets")

    def __str__(self) -> str:
        # The admin heads each widget with this: its title, as the page shows it.
        return f"{self.title} ({self.get_kind_display()})"

    @property
    def metric_entry(self):
        return METRICS.get(self.metric)

    @property
    def title(self) -> str:
        own = _in_language(self, "title")
        if own:
            return own
        metric = self.metric_entry
        return str(metric.label) if metric else self.metric

    @property
    def dimensions(self) -> tuple[str, ...]:
        return tuple(d for d in (self.dimension, self.series_dimension) if d)

    def filters(self) -> Filters:
        """The widget's own filters, narrowed further by its dashboard's audience."""
        values = {
            "project": self.filter_project_id,
            "country": str(self.filter_country.code) if self.filter_country_id else None,
            "donor": self.filter_donor_id,
            "year": self.filter_year,
        }
        values.update(self.dashboard.audience_filters())
        return Filters(**values)

    def clean(self) -> None:
        errors = self.shape_errors()
        if Widget.dashboard.is_cached(self):
            errors.update(self.audience_errors(self.dashboard))
        if errors:
            raise ValidationError(errors)

    def shape_errors(self) -> dict[str, str]:
        """What the kind, the metric and the dimensions say about each other."""
        metric = METRICS.get(self.metric)
        if metric is None:
            return {"metric": _("Choose a metric from the list.")} if self.metric else {}
        errors: dict[str, str] = {}
        for field in ("dimension", "series_dimension"):
            code = getattr(self, field)
            if code and not metric.allows(code):
                offered = ", ".join(str(DIMENSIONS[d].label) for d in metric.dimensions)
                errors[field] = _(
                    "%(metric)s cannot be broken down by %(dimension)s; it offers: %(offered)s."
                ) % {
                    "metric": metric.label,
                    "dimension": DIMENSIONS[code].label if code in DIMENSIONS else code,
                    "offered": offered or _("no breakdown"),
                }
        if errors:
            return errors
        if self.series_dimension and self.series_dimension == self.dimension:
            return {"series_dimension": _("Choose a second breakdown different from the first.")}
        return self._kind_errors(metric)

    def _kind_errors(self, metric) -> dict[str, str]:
        kind, dim, series = self.kind, self.dimension, self.series_dimension
        if kind == Kind.KPI and (dim or series):
            return {"dimension": _("A key figure shows a total: leave the breakdowns empty.")}
        if kind == Kind.KPI and not metric.has_total:
            return {"kind": _("This metric has no total to show as a key figure.")}
        if kind in (Kind.DONUT, Kind.STACKED_BAR) and not metric.has_total:
            return {"kind": _("This metric's parts do not add up: choose a table, bar or line.")}
        if kind in (Kind.BAR, Kind.DONUT, Kind.STACKED_BAR, Kind.LINE, Kind.MAP) and not dim:
            return {"dimension": _("A %(kind)s needs a breakdown.") % {"kind": self._kind_name()}}
        if kind in (Kind.BAR, Kind.DONUT, Kind.MAP) and series:
            return {
                "series_dimension": _("A %(kind)s has one breakdown: leave the second empty.")
                % {"kind": self._kind_name()}
            }
        if kind == Kind.STACKED_BAR and not series:
            return {
                "series_dimension": _("A stacked bar chart needs a second breakdown for its parts.")
            }
        if kind == Kind.STACKED_BAR and series in metric.overlapping:
            return {
                "series_dimension": _(
                    "The parts of a bar must add up, and by %(dimension)s they overlap "
                    "(a record can count for several)."
                )
                % {"dimension": DIMENSIONS[series].label}
            }
        if kind == Kind.DONUT and dim in metric.overlapping:
            return {
                "dimension": _(
                    "The slices of a donut must add up, and by %(dimension)s they overlap "
                    "(a record can count for several). Choose a bar chart."
                )
                % {"dimension": DIMENSIONS[dim].label}
            }
        if kind == Kind.LINE and dim not in TIME_DIMENSIONS:
            return {"dimension": _("A line chart runs over years or quarters.")}
        if kind == Kind.MAP and dim != "country":
            return {"dimension": _("A map is broken down by country.")}
        if series and not dim:
            return {"series_dimension": _("Fill in the first breakdown before the second.")}
        return {}

    def _kind_name(self) -> str:
        return str(self.get_kind_display()).lower()

    def audience_errors(self, dashboard: Dashboard) -> dict[str, str]:
        """A widget cannot narrow to another country, donor or project than its dashboard."""
        field = AUDIENCE_FIELDS.get(dashboard.audience)
        if field is None:
            return {}
        own = getattr(self, f"filter_{field}_id")
        if own is not None and own != getattr(dashboard, f"{field}_id"):
            return {
                f"filter_{field}": _(
                    "This dashboard is already narrowed to one %(field)s; "
                    "leave this empty or choose the same."
                )
                % {"field": dashboard._meta.get_field(field).verbose_name}
            }
        return {}
