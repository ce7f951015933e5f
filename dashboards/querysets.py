"""Which dashboards a user sees; each list and page starts here."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ctportal import access

# Besides the donor's own users, the staff who prepare and check what donors read.
DONOR_DASHBOARD_STAFF = {
    access.Role.ADMINISTRATOR,
    access.Role.ME_OFFICER,
    access.Role.PROGRAMME_OFFICER,
}


class DashboardQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Published dashboards the user's role and scope reach; administrators see drafts too.

        Portfolio and country dashboards: anyone with a role (the figures inside
        follow each viewer's own scope). Donor dashboards: that donor's users and
        staff. Project dashboards: whoever may see the project.
        """
        role = access.role_of(user)
        if role is None:
            return self.none()
        if role == access.Role.ADMINISTRATOR:
            return self
        reach = Q(audience__in=["portfolio", "country"])
        if role in DONOR_DASHBOARD_STAFF:
            reach |= Q(audience="donor")
        elif role == access.Role.DONOR and user.organisation_id:
            reach |= Q(audience="donor", donor_id=user.organisation_id)
        projects = access.visible_project_ids(user)
        if projects is None:
            reach |= Q(audience="project")
        else:
            reach |= Q(audience="project", project__in=projects)
        return self.filter(reach, is_published=True)


class WidgetQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .models import Dashboard

        return self.filter(dashboard__in=Dashboard.objects.visible_to(user).values("pk"))
