"""QuerySets of victim assistance; each starts from the access policy (ctportal.access)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from ctportal import access

from .vocabulary import CaseStatus, ReferralStatus, age_band_expression

# A case is followed when something happened on it in this many days...
FOLLOW_UP_QUIET_DAYS = 30
# ...and no referral has waited longer than this for an answer.
FOLLOW_UP_REFERRAL_DAYS = 14


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

    def with_follow_up(self, today: datetime.date):
        """Annotate ``quiet`` (nothing dated in the last 30 days, identification included),
        ``referral_waiting`` (a referral still "sent" after 14 days) and ``follow_up`` (open
        case with either)."""
        from .models import CaseNote, Referral, Service, ShelterStay

        since = today - datetime.timedelta(days=FOLLOW_UP_QUIET_DAYS)
        # Notes are timestamped: the window starts at midnight, local time, of its first day.
        since_moment = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
        waited = today - datetime.timedelta(days=FOLLOW_UP_REFERRAL_DAYS)
        case = OuterRef("pk")
        recent = (
            # A victim identified within the window is not yet a quiet case.
            Q(identification_date__gte=since)
            | Exists(
                Service.objects.filter(case=case).filter(
                    Q(start_date__gte=since) | Q(end_date__gte=since)
                )
            )
            | Exists(
                Referral.objects.filter(case=case).filter(
                    Q(sent_on__gte=since) | Q(responded_on__gte=since)
                )
            )
            | Exists(
                ShelterStay.objects.filter(case=case).filter(
                    Q(admitted_on__gte=since) | Q(discharged_on__gte=since)
                )
            )
            | Exists(CaseNote.objects.filter(case=case, written_at__gte=since_moment))
        )
        waiting = Exists(
            Referral.objects.filter(case=case, status=ReferralStatus.SENT, sent_on__lt=waited)
        )
        is_open = ~Q(status=CaseStatus.CLOSED)

        def flag(condition):
            return models.ExpressionWrapper(condition, output_field=models.BooleanField())

        return self.annotate(
            quiet=flag(is_open & ~recent),
            referral_waiting=flag(is_open & waiting),
            follow_up=flag(is_open & (~recent | waiting)),
        )

    def needs_follow_up(self, today: datetime.date):
        """Open cases with nothing (service, referral, stay, note) dated in the last 30 days,
        or with a referral still "sent" after more than 14 days."""
        return self.with_follow_up(today).filter(follow_up=True)


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
    """Access logs (identity reads, API reads of case data): rows are added, never changed."""

    def visible_to(self, user):
        if access.role_of(user) == access.Role.ADMINISTRATOR:
            return self
        return self.none()

    def update(self, **kwargs):
        raise PermissionDenied("An access log cannot be changed.")

    def delete(self):
        raise PermissionDenied("An access log cannot be changed.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise PermissionDenied("An access log cannot be changed.")
