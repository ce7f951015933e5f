"""Filters narrow what a viewer may see; they never reach another donor's projects."""

from decimal import Decimal

import pytest

from tests import factories as f


@pytest.fixture
def fundings(portfolio):
    for project, amount in (("p_eg", "70000"), ("p_lb", "50000"), ("p_both", "90000")):
        portfolio[project].fundings.update(amount=Decimal(amount))


@pytest.mark.parametrize(
    "params",
    [
        {"project": "p_lb"},  # donor_b's own project
        {"donor": "donor_b"},
        {"country": "LB"},
    ],
)
def test_metric_filters_stay_within_the_donors_projects(client, portfolio, users, fundings, params):
    query = {
        key: (value if key == "country" else portfolio[value].pk) for key, value in params.items()
    }
    client.force_login(users["donor_a"])
    data = client.get("/api/v1/metrics/funding/data/", {"dimensions": "project", **query}).json()
    projects = {record["project"] for record in data["results"]}
    assert portfolio["p_lb"].pk not in projects
    assert projects <= {portfolio["p_eg"].pk, portfolio["p_both"].pk}


def test_a_widget_narrowed_to_another_donors_project_shows_nothing(
    client, portfolio, users, fundings
):
    dashboard = f.DashboardFactory(slug="everyone", audience="portfolio")
    widget = f.WidgetFactory(
        dashboard=dashboard,
        kind="bar",
        metric="funding",
        dimension="project",
        filter_project=portfolio["p_lb"],
    )
    client.force_login(users["donor_a"])
    page = client.get("/dashboards/everyone/").content.decode()
    assert "Lebanon project" not in page and "50,000" not in page
    csv_text = client.get(f"/dashboards/everyone/widgets/{widget.pk}.csv").content.decode()
    assert "Lebanon project" not in csv_text and "50000" not in csv_text


def test_the_same_widget_shows_the_project_to_whoever_may_see_it(
    client, portfolio, users, fundings
):
    dashboard = f.DashboardFactory(slug="everyone", audience="portfolio")
    f.WidgetFactory(
        dashboard=dashboard,
        kind="bar",
        metric="funding",
        dimension="project",
        filter_project=portfolio["p_lb"],
    )
    client.force_login(users["donor_b"])
    assert "Lebanon project" in client.get("/dashboards/everyone/").content.decode()
