"""QuerySets of donor reports; each starts from the access policy."""

from django.db import models

from ctportal import access


class DonorReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Reports of the projects the user may see; donors only get finished ones."""
        if not access.has_role(user):
            return self.none()
        reports = access.scope_by_project(self, user)
        if access.role_of(user) == access.Role.DONOR:
            reports = reports.filter(status="done")
        return reports

    def for_list(self):
        return self.select_related("project", "requested_by")
