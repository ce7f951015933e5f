"""QuerySets of donor reports; each starts from the access policy."""

from django.db import models
from django.db.models import Q

from ctportal import access


class DonorReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Reports of the projects the user may see; donors get finished ones, and
        those they asked for themselves while they are being built."""
        if not access.has_role(user):
            return self.none()
        reports = access.scope_by_project(self, user)
        if access.role_of(user) == access.Role.DONOR:
            reports = reports.filter(Q(status="done") | Q(requested_by=user))
        return reports

    def for_list(self):
        return self.select_related("project", "requested_by")
