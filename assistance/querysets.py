"""QuerySets of victim assistance; each starts from the access policy (ctportal.access)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone

from ctportal import access

from .vocabulary import age_band_expression


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Case rows: case workers of the case's office and administrators; nobody else."""
        return access.scope_cases(self, user)

    def with_identity_access(self, user):
        """Cases whose identity the user may read: case workers of the office only."""
        return access.scope_case_workers(self, user)

    def counted_for(self, user):
        """Cases a user may count in aggregates (never to be listed as rows)."""
        return access.scope_case_aggregates(self, user)

    def with_age_band(self):
        return self.annotate(age_band=age_band_expression())

    def for_list(self):
        return self.select_related("country_office", "project")


class CaseChildQuerySet(models.QuerySet):
    """Services, referrals and stays: visible with their case."""

    def visible_to(self, user):
        return access.scope_cases(self, user, "case")


class CaseWorkerOnlyQuerySet(models.QuerySet):
    """Identities and notes: what may name a victim stays with the case workers of the office."""

    def visible_to(self, user):
        return access.scope_case_workers(self, user, "case")


class ShelterQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Shelter addresses protect the people in them: administrators and local case workers."""
        if access.role_of(user) == access.Role.ADMINISTRATOR:
            return self
        office = access.case_office_id(user)
        return self.filter(country_id=office) if office else self.none()

    def with_occupancy(self, on: datetime.date | None = None):
        """Annotate ``occupancy``: people staying on the given day (today by default)."""
        on = on or timezone.localdate()
        return self.annotate(
            occupancy=Count(
                "stays",
                filter=Q(stays__admitted_on__lte=on)
                & (Q(stays__discharged_on__isnull=True) | Q(stays__discharged_on__gt=on)),
            )
        )


class AppendOnlyQuerySet(models.QuerySet):
    """The identity access log: rows are added, never changed or removed."""

    def visible_to(self, user):
        if access.role_of(user) == access.Role.ADMINISTRATOR:
            return self
        return self.none()

    def update(self, **kwargs):
        raise PermissionDenied("The identity access log cannot be changed.")

    def delete(self):
        raise PermissionDenied("The identity access log cannot be changed.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise PermissionDenied("The identity access log cannot be changed.")
