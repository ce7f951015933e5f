"""The admin preview "as a donor" must not widen the scope of the staff member who uses it."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from ctportal.access import Role
from tests import factories as f


@pytest.fixture
def funding_dashboard(portfolio):
    """A published portfolio dashboard: funding by project."""
    for project, amount in (("p_eg", "70000"), ("p_lb", "50000"), ("p_both", "90000")):
        portfolio[project].fundings.update(amount=Decimal(amount))
    dashboard = f.DashboardFactory(slug="funding", audience="portfolio")
    f.WidgetFactory(dashboard=dashboard, kind="bar", metric="funding", dimension="project")
    return dashboard


def staff(portfolio, *codenames, **fields):
    user = f.UserFactory(is_staff=True, **fields)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def test_staff_scoped_to_a_project_cannot_preview_as_another_donor(
    client, portfolio, funding_dashboard
):
    officer = staff(
        portfolio, "view_dashboard", role=Role.PROGRAMME_OFFICER, projects=[portfolio["p_lb"]]
    )
    client.force_login(officer)
    url = f"/admin/dashboards/dashboard/{funding_dashboard.pk}/preview/"
    own = client.get(url)
    assert own.status_code == 200
    assert "Lebanon project" in own.content.decode()
    assert "Egypt project" not in own.content.decode()

    # donor_a funds the Egypt and the regional projects, neither of them the officer's.
    response = client.get(url, {"donor": portfolio["donor_a"].pk})
    assert response.status_code == 403
    assert "Egypt project" not in response.content.decode()


def test_staff_who_see_every_project_may_preview_as_a_donor(client, portfolio, funding_dashboard):
    officer = staff(portfolio, "view_dashboard", role=Role.ME_OFFICER)
    client.force_login(officer)
    url = f"/admin/dashboards/dashboard/{funding_dashboard.pk}/preview/"
    page = client.get(url, {"donor": portfolio["donor_a"].pk}).content.decode()
    assert "Egypt project" in page and "Lebanon project" not in page
