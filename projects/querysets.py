"""QuerySets of the projects domain; each starts from the access policy."""

from django.db import models
from django.db.models import BigIntegerField, Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from ctportal import access


class ReferenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return access.scope_reference(self, user)


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user):
        return access.scope_projects(self, user)

    def with_lead(self):
        """Annotate ``lead_id``: the lead country, else the recipient country with the
        largest share (ties: the first by English name)."""
        largest = (
            self.model.recipient_countries.rel.related_model.objects.filter(project=OuterRef("pk"))
            .order_by("-percentage", "country__name_en")
            .values("country_id")[:1]
        )
        return self.annotate(
            lead_id=Coalesce("lead_country_id", Subquery(largest), output_field=BigIntegerField())
        )

    def editable_by(self, user):
        """Projects the user may change, with their children (funding, transactions,
        documents, results, sessions): the one rule for pages, API and admin.

        Administrators: every project. Programme officers: the projects assigned to
        them and those whose lead country is one of theirs. A regional project is
        only read by officers of its other recipient countries. Other roles: none.
        """
        role = access.role_of(user)
        if role == access.Role.ADMINISTRATOR:
            return self
        if role != access.Role.PROGRAMME_OFFICER:
            return self.none()
        return self.with_lead().filter(
            Q(pk__in=user.projects.values("pk")) | Q(lead_id__in=user.countries.values("pk"))
        )

    def for_list(self):
        """What a list row shows, in a fixed number of queries."""
        return self.select_related("reporting_organisation").prefetch_related(
            "thematic_areas",
            models.Prefetch(
                "fundings",
                queryset=self.model.fundings.rel.related_model.objects.select_related("donor"),
            ),
            models.Prefetch(
                "recipient_countries",
                queryset=self.model.recipient_countries.rel.related_model.objects.select_related(
                    "country"
                ),
            ),
        )

    def with_spend(self):
        """Annotate disbursed and spent totals in the project's own currency."""
        same_currency = Q(transactions__currency=models.F("currency"))
        return self.annotate(
            spent=Sum(
                "transactions__value",
                filter=same_currency & Q(transactions__kind__in=[3, 4]),
            ),
            transaction_count=Count("transactions"),
        )


class ProjectChildQuerySet(models.QuerySet):
    """Records that hang off a project: visible when their project is."""

    project_path = "project"

    def visible_to(self, user):
        return access.scope_by_project(self, user, self.project_path)


class DocumentQuerySet(ProjectChildQuerySet):
    def public(self):
        """Documents their project publishes: open to anyone, listed in the IATI file."""
        return self.filter(is_public=True)


class IndicatorQuerySet(ProjectChildQuerySet):
    project_path = "result__project"


class PeriodQuerySet(ProjectChildQuerySet):
    project_path = "indicator__result__project"


class DisaggregationQuerySet(ProjectChildQuerySet):
    project_path = "period__indicator__result__project"


class PortfolioExportQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not access.has_role(user):
            return self.none()
        if access.role_of(user) == access.Role.ADMINISTRATOR:
            return self
        return self.filter(requested_by=user)
