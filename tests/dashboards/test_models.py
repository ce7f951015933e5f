import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from dashboards.models import Dashboard, Widget
from dashboards.registry import Filters
from tests import factories as f


def errors_of(record) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        record.full_clean()
    return caught.value.message_dict


@pytest.fixture
def dashboards(portfolio):
    """One dashboard of each audience, and a draft."""
    return {
        "portfolio": f.DashboardFactory(slug="portfolio"),
        "country": f.DashboardFactory(slug="egypt", audience="country", country=portfolio["egypt"]),
        "donor_a": f.DashboardFactory(slug="donor-a", audience="donor", donor=portfolio["donor_a"]),
        "donor_b": f.DashboardFactory(slug="donor-b", audience="donor", donor=portfolio["donor_b"]),
        "project_lb": f.DashboardFactory(
            slug="lebanon", audience="project", project=portfolio["p_lb"]
        ),
        "draft": f.DashboardFactory(slug="draft", is_published=False),
    }


EVERYONE = {"portfolio", "country"}
EXPECTED_DASHBOARDS = {
    "officer_eg": EVERYONE | {"donor_a", "donor_b"},
    "officer_lb_project": EVERYONE | {"donor_a", "donor_b", "project_lb"},
    "case_worker_lb": EVERYONE | {"project_lb"},
    "me": EVERYONE | {"donor_a", "donor_b", "project_lb"},
    "donor_a": EVERYONE | {"donor_a"},
    "donor_b": EVERYONE | {"donor_b", "project_lb"},
    "analyst": EVERYONE | {"project_lb"},
    "admin": EVERYONE | {"donor_a", "donor_b", "project_lb", "draft"},
    "norole": set(),
}


@pytest.mark.parametrize("who", sorted(EXPECTED_DASHBOARDS))
def test_each_role_sees_its_dashboards(dashboards, users, who):
    names = {dashboard.pk: name for name, dashboard in dashboards.items()}
    visible = Dashboard.objects.visible_to(users[who]).values_list("pk", flat=True)
    assert {names[pk] for pk in visible} == EXPECTED_DASHBOARDS[who]


def test_a_donor_without_organisation_sees_no_donor_dashboard(dashboards):
    donor = f.UserFactory(role="donor")
    visible = set(Dashboard.objects.visible_to(donor).values_list("slug", flat=True))
    assert visible == {"portfolio", "egypt"}


def test_widgets_follow_their_dashboards(dashboards, users):
    shown = f.WidgetFactory(dashboard=dashboards["donor_b"])
    hidden = f.WidgetFactory(dashboard=dashboards["donor_a"])
    visible = set(Widget.objects.visible_to(users["donor_b"]))
    assert shown in visible and hidden not in visible


@pytest.mark.parametrize(
    ("audience", "field", "message"),
    [
        ("country", "country", "A country dashboard needs its country."),
        ("donor", "donor", "A donor dashboard needs its donor."),
        ("project", "project", "A project dashboard needs its project."),
    ],
)
def test_an_audience_needs_its_country_donor_or_project(db, audience, field, message):
    dashboard = Dashboard(slug="x", title_en="X", audience=audience)
    assert errors_of(dashboard)[field] == [message]


def test_only_the_audience_field_may_be_filled(portfolio):
    dashboard = Dashboard(
        slug="x",
        title_en="X",
        audience="donor",
        donor=portfolio["donor_a"],
        country=portfolio["egypt"],
    )
    errors = errors_of(dashboard)
    assert set(errors) == {"country"}
    assert "Only a country dashboard has a country" in errors["country"][0]
    dashboard.country = None
    dashboard.full_clean()


def test_titles_follow_the_viewers_language_with_english_as_fallback(db):
    dashboard = Dashboard(title_en="Overview", title_ar="لمحة عامة", title_fr="")
    widget = Widget(metric="budget", title_fr="Budget total")
    with translation.override("ar"):
        assert dashboard.title == "لمحة عامة"
    with translation.override("fr"):
        assert dashboard.title == "Overview"
        assert widget.title == "Budget total"
    with translation.override("en"):
        assert widget.title == "Budget"


def widget(**fields) -> Widget:
    dashboard = fields.pop("dashboard", None) or f.DashboardFactory()
    return Widget(dashboard=dashboard, **fields)


def test_a_well_formed_widget_is_accepted(db):
    widget(kind="bar", metric="funding", dimension="donor").full_clean()
    widget(kind="map", metric="projects", dimension="country").full_clean()
    widget(kind="line", metric="spend", dimension="year", series_dimension="project").full_clean()
    widget(kind="table", metric="budget").full_clean()


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"kind": "bar", "metric": "nope", "dimension": ""}, "metric", "Choose a metric"),
        ({"kind": "bar", "metric": "budget", "dimension": "donor"}, "dimension", "it offers"),
        ({"kind": "kpi", "metric": "budget", "dimension": "country"}, "dimension", "a total"),
        ({"kind": "bar", "metric": "budget", "dimension": ""}, "dimension", "needs a breakdown"),
        ({"kind": "map", "metric": "projects", "dimension": ""}, "dimension", "needs a breakdown"),
        ({"kind": "map", "metric": "projects", "dimension": "status"}, "dimension", "by country"),
        ({"kind": "line", "metric": "spend", "dimension": "project"}, "dimension", "years"),
        (
            {"kind": "stacked_bar", "metric": "budget", "dimension": "country"},
            "series_dimension",
            "second breakdown",
        ),
        (
            {"kind": "stacked_bar", "metric": "projects", "dimension": "status"}
            | {"series_dimension": "donor"},
            "series_dimension",
            "overlap",
        ),
        ({"kind": "donut", "metric": "projects", "dimension": "country"}, "dimension", "overlap"),
        (
            {"kind": "bar", "metric": "budget", "dimension": "country"}
            | {"series_dimension": "status"},
            "series_dimension",
            "one breakdown",
        ),
        (
            {"kind": "table", "metric": "budget", "dimension": "year"}
            | {"series_dimension": "year"},
            "series_dimension",
            "different",
        ),
        (
            {"kind": "table", "metric": "budget", "dimension": "", "series_dimension": "year"},
            "series_dimension",
            "first breakdown",
        ),
    ],
)
def test_a_widget_says_what_is_wrong_with_its_shape(db, fields, field, says):
    errors = errors_of(widget(**fields))
    assert field in errors
    assert any(says in message for message in errors[field]), errors[field]


def test_a_widget_cannot_narrow_to_another_country_than_its_dashboard(portfolio):
    egypt = f.DashboardFactory(audience="country", country=portfolio["egypt"])
    other = widget(
        dashboard=egypt, kind="kpi", metric="projects", filter_country=portfolio["lebanon"]
    )
    assert "already narrowed" in errors_of(other)["filter_country"][0]
    same = widget(dashboard=egypt, kind="kpi", metric="projects", filter_country=portfolio["egypt"])
    same.full_clean()


def test_a_widget_cannot_narrow_to_another_donor_or_project(portfolio):
    donor = f.DashboardFactory(audience="donor", donor=portfolio["donor_a"])
    record = widget(
        dashboard=donor, kind="kpi", metric="projects", filter_donor=portfolio["donor_b"]
    )
    assert set(errors_of(record)) == {"filter_donor"}
    project = f.DashboardFactory(audience="project", project=portfolio["p_eg"])
    record = widget(
        dashboard=project, kind="kpi", metric="projects", filter_project=portfolio["p_lb"]
    )
    assert set(errors_of(record)) == {"filter_project"}


def test_audience_filters_combine_with_the_widgets_own(portfolio):
    country = f.DashboardFactory(audience="country", country=portfolio["egypt"])
    record = f.WidgetFactory(dashboard=country, filter_year=2021, filter_donor=portfolio["donor_a"])
    assert record.filters() == Filters(country="EG", year=2021, donor=portfolio["donor_a"].pk)

    donor = f.DashboardFactory(audience="donor", donor=portfolio["donor_b"])
    record = f.WidgetFactory(dashboard=donor, filter_country=portfolio["lebanon"])
    assert record.filters() == Filters(country="LB", donor=portfolio["donor_b"].pk)

    project = f.DashboardFactory(audience="project", project=portfolio["p_lb"])
    record = f.WidgetFactory(dashboard=project)
    assert record.filters() == Filters(project=portfolio["p_lb"].pk)

    assert f.WidgetFactory().filters() == Filters()


def test_widget_dimensions_and_default_title(db):
    record = Widget(kind="stacked_bar", metric="projects", dimension="country")
    record.series_dimension = "status"
    assert record.dimensions == ("country", "status")
    assert record.title == "Projects"
    assert str(record) == "Projects (Stacked bar chart)"
    record.title_en = "Projects by country"
    assert str(record) == "Projects by country (Stacked bar chart)"
    assert Widget(metric="gone").title == "gone"


@pytest.mark.parametrize("kind", ["kpi", "donut", "stacked_bar"])
def test_a_metric_without_a_total_is_not_a_key_figure_nor_parts(kind):
    widget = Widget(
        kind=kind,
        metric="indicator_progress",
        dimension="" if kind == "kpi" else "indicator",
        series_dimension="measure" if kind == "stacked_bar" else "",
    )
    assert "kind" in widget.shape_errors()
    table = Widget(
        kind="table", metric="indicator_progress", dimension="indicator", series_dimension="measure"
    )
    assert table.shape_errors() == {}
