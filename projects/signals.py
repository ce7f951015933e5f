"""Keep a project's change time moving when anything published with it changes.

The IATI ``last-updated-datetime`` of an activity is the project's
``updated_at``; its rows (transactions, documents, results, indicators,
periods, disaggregations, fundings, participants, countries, sectors,
budgets) are written by services and by the admin alike, so the touch lives
here, once.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from .models import (
    Budget,
    Disaggregation,
    Document,
    Funding,
    Indicator,
    IndicatorPeriod,
    ParticipatingOrganisation,
    Project,
    ProjectSector,
    RecipientCountry,
    Result,
    Transaction,
)

# How each kind of row reaches its project, as a lookup from Project.
PROJECT_LOOKUP = {
    Funding: "fundings",
    ParticipatingOrganisation: "participating_organisations",
    RecipientCountry: "recipient_countries",
    ProjectSector: "sectors",
    Transaction: "transactions",
    Budget: "budgets",
    Document: "documents",
    Result: "results",
}
# Rows below a result: the lookup from the row to its project id.
PROJECT_ID_PATH = {
    Indicator: ("result",),
    IndicatorPeriod: ("indicator", "result"),
    Disaggregation: ("period", "indicator", "result"),
}


def _project_ids(instance) -> list[int]:
    model = type(instance)
    if model in PROJECT_LOOKUP:
        return [instance.project_id]
    parent, *rest = PROJECT_ID_PATH[model]
    parent_model = model._meta.get_field(parent).related_model
    lookup = "__".join([*rest, "project_id"])
    return list(
        parent_model.objects.filter(pk=getattr(instance, f"{parent}_id")).values_list(
            lookup, flat=True
        )
    )


def touch_project(sender, instance, **kwargs) -> None:
    """Move the project's ``updated_at`` without a new version or history row."""
    if kwargs.get("raw"):
        return
    ids = _project_ids(instance)
    if ids:
        Project.objects.filter(pk__in=ids).update(updated_at=timezone.now())


def connect() -> None:
    for model in (*PROJECT_LOOKUP, *PROJECT_ID_PATH):
        post_save.connect(touch_project, sender=model, dispatch_uid=f"touch-{model.__name__}")
        post_delete.connect(touch_project, sender=model, dispatch_uid=f"untouch-{model.__name__}")
