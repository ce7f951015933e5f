"""QuerySets of research records; each starts from the access policy.

A record linked to several projects is visible when any of them is; one
with no project at all belongs to no one's assigned scope, so only
portfolio-wide roles see it.
"""

from django.db import models
from django.db.models import OuterRef, Subquery

from ctportal import access


def _project_links(model: type[models.Model], ids) -> models.QuerySet:
    """The ids of ``model`` records linked to any of the project ``ids``."""
    through = model.projects.through
    source = model.projects.field.m2m_field_name()
    return through.objects.filter(project_id__in=ids).values(f"{source}_id")


class LinkedToProjectsQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not access.has_role(user):
            return self.none()
        ids = access.visible_project_ids(user)
        if ids is None:
            return self
        return self.filter(pk__in=_project_links(self.model, ids))

    def with_stage(self):
        """Annotate ``current_stage`` and ``stage_date``: the latest dated stage, if any."""
        from .models import LegislativeStage

        latest = LegislativeStage.objects.filter(support=OuterRef("pk")).order_by("-date", "-pk")
        return self.annotate(
            current_stage=Subquery(latest.values("stage")[:1]),
            stage_date=Subquery(latest.values("date")[:1]),
        )


class AttachmentQuerySet(models.QuerySet):
    """Files and links: visible with the record they are attached to."""

    parent_field = ""

    def visible_to(self, user):
        parent = self.model._meta.get_field(self.parent_field).related_model
        return self.filter(**{f"{self.parent_field}__in": parent.objects.visible_to(user)})


class OutputFileQuerySet(AttachmentQuerySet):
    parent_field = "output"


class ActivityMaterialQuerySet(AttachmentQuerySet):
    parent_field = "activity"


class StageQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .models import LegislativeSupport

        return self.filter(support__in=LegislativeSupport.objects.visible_to(user))
