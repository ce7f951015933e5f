"""Demo dashboards: the whole portfolio, and what the European Union reads as a donor.

Safe to load again: dashboards are matched on their address and widgets on
their position, and saved only when they differ. Widgets of metrics that are
not registered are left out.
"""

from __future__ import annotations

from django.db import models, transaction

from projects import demo as project_demo
from projects.models import Organisation

from .models import Audience, Dashboard, Widget
from .registry import METRICS

PORTFOLIO = {
    "slug": "portfolio",
    "title_en": "Counter-trafficking portfolio at a glance",
    "title_ar": "حافظة مشاريع مكافحة الاتجار بالبشر في لمحة",
    "title_fr": "Le portefeuille de lutte contre la traite en un coup d’œil",
    "description_en": "Projects, money, training and research across the region.",
    "description_ar": "المشاريع والتمويل والتدريب والبحوث في المنطقة.",
    "description_fr": "Projets, financements, formations et recherche dans la région.",
    "audience": Audience.PORTFOLIO,
    "order": 1,
}
PORTFOLIO_WIDGETS = [
    {"kind": "kpi", "metric": "projects", "width": "third"},
    {"kind": "kpi", "metric": "budget", "width": "third"},
    {"kind": "kpi", "metric": "people_trained", "width": "third"},
    {
        "kind": "map",
        "metric": "projects",
        "dimension": "country",
        "width": "half",
        "title_en": "Projects by recipient country",
        "title_ar": "المشاريع حسب البلد المستفيد",
        "title_fr": "Projets par pays bénéficiaire",
    },
    {
        "kind": "bar",
        "metric": "funding",
        "dimension": "donor",
        "width": "half",
        "max_rows": 8,
        "title_en": "Funding by donor",
        "title_ar": "التمويل حسب الجهة المانحة",
        "title_fr": "Financement par bailleur",
    },
    {
        "kind": "line",
        "metric": "spend",
        "dimension": "year",
        "width": "half",
        "title_en": "Spend by year",
        "title_ar": "الإنفاق حسب السنة",
        "title_fr": "Dépenses par année",
    },
    {
        "kind": "donut",
        "metric": "projects",
        "dimension": "status",
        "width": "half",
        "title_en": "Projects by status",
        "title_ar": "المشاريع حسب الحالة",
        "title_fr": "Projets par statut",
    },
    {
        "kind": "stacked_bar",
        "metric": "people_trained",
        "dimension": "country",
        "series_dimension": "sex",
        "width": "half",
        "title_en": "People trained by country and sex",
        "title_ar": "المتدربون حسب البلد والجنس",
        "title_fr": "Personnes formées par pays et par sexe",
    },
    {
        "kind": "bar",
        "metric": "outputs_published",
        "dimension": "output_kind",
        "width": "half",
        "title_en": "Research outputs by kind",
        "title_ar": "المخرجات البحثية حسب النوع",
        "title_fr": "Publications par type",
    },
    {
        "kind": "table",
        "metric": "sessions_held",
        "dimension": "year",
        "series_dimension": "session_kind",
        "width": "full",
        "title_en": "Sessions held by year and kind",
        "title_ar": "الدورات المنعقدة حسب السنة والنوع",
        "title_fr": "Sessions tenues par année et par type",
    },
    {
        "kind": "bar",
        "metric": "cases_identified",
        "dimension": "exploitation_type",
        "width": "half",
        "title_en": "Victims identified by type of exploitation",
        "title_ar": "الضحايا المحدَّدون حسب نوع الاستغلال",
        "title_fr": "Victimes identifiées par type d’exploitation",
    },
    {
        "kind": "table",
        "metric": "indicator_progress",
        "dimension": "indicator",
        "series_dimension": "measure",
        "width": "half",
        "max_rows": 10,
        "title_en": "Indicators: target against actual",
        "title_ar": "المؤشرات: المستهدف مقابل المُحقَّق",
        "title_fr": "Indicateurs : cible et réalisé",
    },
]
DONOR = {
    "slug": "european-union",
    "title_en": "European Union: projects funded",
    "title_ar": "الاتحاد الأوروبي: المشاريع الممولة",
    "title_fr": "Union européenne : projets financés",
    "description_en": "The projects the European Union funds, as its officers read them.",
    "description_ar": "المشاريع التي يمولها الاتحاد الأوروبي.",
    "description_fr": "Les projets financés par l’Union européenne.",
    "audience": Audience.DONOR,
    "order": 2,
}
DONOR_WIDGETS = [
    {"kind": "kpi", "metric": "projects", "width": "third"},
    {"kind": "kpi", "metric": "people_trained", "width": "third"},
    {"kind": "kpi", "metric": "sessions_held", "width": "third"},
    {
        "kind": "bar",
        "metric": "people_trained",
        "dimension": "sex",
        "width": "half",
        "title_en": "People trained by sex",
        "title_ar": "المتدربون حسب الجنس",
        "title_fr": "Personnes formées par sexe",
    },
    {
        "kind": "map",
        "metric": "people_trained",
        "dimension": "country",
        "width": "half",
        "title_en": "People trained by country",
        "title_ar": "المتدربون حسب البلد",
        "title_fr": "Personnes formées par pays",
    },
    {
        "kind": "line",
        "metric": "spend",
        "dimension": "year",
        "width": "half",
        "title_en": "Spend by year",
        "title_ar": "الإنفاق حسب السنة",
        "title_fr": "Dépenses par année",
    },
    {
        "kind": "bar",
        "metric": "funding",
        "dimension": "project",
        "width": "half",
        "title_en": "Funding by project",
        "title_ar": "التمويل حسب المشروع",
        "title_fr": "Financement par projet",
    },
]


def _save(record: models.Model, values: dict, user) -> bool:
    """Set and save ``values`` when any differs; True when something was written."""
    if record.pk and all(getattr(record, key) == value for key, value in values.items()):
        return False
    for key, value in values.items():
        setattr(record, key, value)
    record.full_clean()
    record._history_user = user
    record.save()
    return True


def _dashboard(user, spec: dict, widgets: list[dict], **narrowing) -> int:
    dashboard = Dashboard.objects.filter(slug=spec["slug"]).first() or Dashboard()
    written = _save(dashboard, {**spec, "is_published": True, **narrowing}, user)
    position = 0
    for widget_spec in widgets:
        if widget_spec["metric"] not in METRICS:
            continue
        position += 1
        widget = Widget.objects.filter(dashboard=dashboard, position=position).first()
        values = {
            "dashboard": dashboard,
            "position": position,
            "dimension": "",
            "series_dimension": "",
            "max_rows": 12,
            **widget_spec,
        }
        written += _save(widget or Widget(), values, user)
    return written


@transaction.atomic
def load_dashboards(user) -> int:
    """The portfolio and the European Union dashboards; returns how many records were written."""
    written = _dashboard(user, PORTFOLIO, PORTFOLIO_WIDGETS)
    donor = Organisation.objects.filter(name=project_demo.EU).first()
    if donor is not None:
        written += _dashboard(user, DONOR, DONOR_WIDGETS, donor=donor)
    return written
