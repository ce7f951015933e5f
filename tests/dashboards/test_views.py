import csv
import datetime
import io
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards.registry import METRICS
from tests import factories as f

KINDS = [
    {"kind": "kpi", "metric": "budget", "width": "third"},
    {"kind": "bar", "metric": "funding", "dimension": "donor"},
    {"kind": "stacked_bar", "metric": "people_trained", "dimension": "country"}
    | {"series_dimension": "sex"},
    {"kind": "line", "metric": "spend", "dimension": "year"},
    {"kind": "donut", "metric": "projects", "dimension": "status"},
    {"kind": "table", "metric": "people_trained", "dimension": "country"}
    | {"series_dimension": "sex", "width": "full"},
    {"kind": "map", "metric": "projects", "dimension": "country"},
]
# A page costs this many queries with every figure cached (session read, user,
# dashboard, widgets, the viewer's scope, and the session saved again inside a
# savepoint), and at most this many more per widget to compute.
WARM_QUERIES = 8
COLD_QUERIES_PER_WIDGET = 5


@pytest.fixture
def trainings(portfolio):
    """Held sessions: 3 women and 20 men trained in Egypt, 30 and 25 in Lebanon."""
    egypt = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    f.ParticipantCountFactory(session=egypt, sex="female", count=3)
    f.ParticipantCountFactory(session=egypt, sex="male", count=20)
    lebanon = f.TrainingSessionFactory(project=portfolio["p_lb"], host_country=portfolio["lebanon"])
    f.ParticipantCountFactory(session=lebanon, sex="female", count=30)
    f.ParticipantCountFactory(session=lebanon, sex="male", count=25)
    for year, value in ((2020, "1500.00"), (2022, "2500.00")):
        f.TransactionFactory(project=portfolio["p_eg"], date=datetime.date(year, 5, 1), value=value)
    return {"egypt": egypt, "lebanon": lebanon}


@pytest.fixture
def donor_dashboard(portfolio, trainings):
    dashboard = f.DashboardFactory(
        slug="donor-a", title_en="Donor A", audience="donor", donor=portfolio["donor_a"]
    )
    f.WidgetFactory(
        dashboard=dashboard, position=1, kind="bar", metric="people_trained", dimension="sex"
    )
    return dashboard


@pytest.fixture
def kinds_dashboard(portfolio, trainings):
    dashboard = f.DashboardFactory(slug="kinds", title_en="Every kind")
    for position, spec in enumerate(KINDS):
        f.WidgetFactory(dashboard=dashboard, position=position, **spec)
    return dashboard


def signed_in(client, user):
    client.force_login(user)
    return client


def widget_section(html: str, widget) -> str:
    start = html.index(f'id="widget-{widget.pk}"')
    return html[start : html.index("</section>", start)]


def test_the_list_shows_what_the_user_may_open(client, users, donor_dashboard):
    f.DashboardFactory(slug="draft", title_en="Draft board", is_published=False)
    f.DashboardFactory(
        slug="for-b", title_en="For donor B", audience="donor", donor=users["donor_b"].organisation
    )
    page = signed_in(client, users["donor_a"]).get("/dashboards/").content.decode()
    assert "Donor A" in page
    assert "Draft board" not in page and "For donor B" not in page
    page = signed_in(client, users["admin"]).get("/dashboards/").content.decode()
    assert "Draft board" in page and "For donor B" in page and "Draft</span>" in page


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("donor_a", 200),
        ("donor_b", 404),
        ("analyst", 404),
        ("case_worker_lb", 404),
        ("me", 200),
        ("officer_eg", 200),
        ("admin", 200),
    ],
)
def test_a_donor_dashboard_is_for_its_donor_and_staff(client, users, donor_dashboard, who, status):
    assert signed_in(client, users[who]).get("/dashboards/donor-a/").status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client, donor_dashboard):
    response = client.get("/dashboards/donor-a/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_draft_is_a_preview_for_administrators_only(client, users):
    f.DashboardFactory(slug="draft", is_published=False)
    assert signed_in(client, users["me"]).get("/dashboards/draft/").status_code == 404
    page = signed_in(client, users["admin"]).get("/dashboards/draft/").content.decode()
    assert "Draft: only administrators see this dashboard" in page


def test_a_donor_sees_small_counts_hidden_and_only_its_projects(client, users, donor_dashboard):
    widget = donor_dashboard.widgets.get()
    html = signed_in(client, users["donor_a"]).get("/dashboards/donor-a/").content.decode()
    section = widget_section(html, widget)
    assert '<bdi dir="ltr">&lt;5</bdi>' in section
    assert "Female" in section and ">*<" in section
    # Lebanon's 30 women and 25 men belong to donor B's project.
    assert not re.search(r">\s*(30|25|55)\s*<", section)
    assert "a count this small is not shown" in section


def test_staff_see_the_same_dashboard_unsuppressed(client, users, donor_dashboard):
    widget = donor_dashboard.widgets.get()
    section = widget_section(
        signed_in(client, users["me"]).get("/dashboards/donor-a/").content.decode(), widget
    )
    assert "&lt;5" not in section
    assert "<bdi>3</bdi>" in section and "<bdi>20</bdi>" in section


def test_every_kind_of_widget_is_drawn_with_its_table(client, users, kinds_dashboard):
    assert {"budget", "funding", "people_trained", "spend", "projects"} <= set(METRICS)
    html = signed_in(client, users["admin"]).get("/dashboards/kinds/").content.decode()
    widgets = {w.kind: w for w in kinds_dashboard.widgets.all()}
    sections = {kind: widget_section(html, widget) for kind, widget in widgets.items()}

    assert "dash-kpi" in sections["kpi"] and "USD" in sections["kpi"]
    assert '<rect class="mark s0"' in sections["bar"] and "<title>" in sections["bar"]
    assert 'class="mark s1"' in sections["stacked_bar"] and "dash-legend" in sections["stacked_bar"]
    assert '<polyline class="line s0"' in sections["line"]
    assert "2021" in sections["line"]  # a year with no spend still has its place
    assert '<path class="mark s0"' in sections["donut"]
    assert '<table class="dash-table">' in sections["table"] and "<svg" not in sections["table"]
    assert re.search(r'<rect class="tile q5"[^>]*>\s*<title>Egypt: 2</title>', sections["map"])
    for kind in ("bar", "stacked_bar", "line", "donut", "map"):
        assert '<details class="data">' in sections[kind], kind
        assert '<th scope="row">' in sections[kind], kind
    for kind, section in sections.items():
        widget = widgets[kind]
        assert f'href="/dashboards/kinds/widgets/{widget.pk}.csv"' in section, kind


def test_the_page_reads_right_to_left_in_arabic(client, users, kinds_dashboard):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    html = signed_in(client, users["admin"]).get("/dashboards/kinds/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    bar = widget_section(html, kinds_dashboard.widgets.get(kind="bar"))
    # Bars end at the axis on the right, where their labels start.
    match = re.search(r'<rect class="mark s0" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', bar)
    assert float(match[1]) + float(match[2]) == pytest.approx(410.0)
    assert 'text-anchor="start"' in bar


def test_a_widget_whose_metric_is_gone_says_so(client, users):
    dashboard = f.DashboardFactory(slug="old")
    f.WidgetFactory(dashboard=dashboard, metric="retired_metric")
    f.WidgetFactory(dashboard=dashboard, metric="projects")
    response = signed_in(client, users["admin"]).get("/dashboards/old/")
    assert response.status_code == 200
    assert "This figure is not available." in response.content.decode()
    widget = dashboard.widgets.get(metric="retired_metric")
    assert client.get(f"/dashboards/old/widgets/{widget.pk}.csv").status_code == 404


def read_csv(response) -> list[dict]:
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_the_figures_in_long_format_as_the_viewer_sees_them(client, users, donor_dashboard):
    widget = donor_dashboard.widgets.get()
    url = f"/dashboards/donor-a/widgets/{widget.pk}.csv"
    response = signed_in(client, users["donor_a"]).get(url)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert list(rows[0]) == ["metric", "sex", "sex_label", "value", "suppressed", "display"]
    by_sex = {row["sex"]: row for row in rows}
    assert by_sex["female"] == {
        "metric": "people_trained",
        "sex": "female",
        "sex_label": "Female",
        "value": "",
        "suppressed": "True",
        "display": "<5",
    }
    assert by_sex["male"]["display"] == "*" and by_sex["male"]["value"] == ""

    staff = {row["sex"]: row["value"] for row in read_csv(signed_in(client, users["me"]).get(url))}
    assert staff == {"female": "3", "male": "20"}


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_csv_headers_and_codes_do_not_follow_the_language(client, users, donor_dashboard, language):
    widget = donor_dashboard.widgets.get()
    url = f"/dashboards/donor-a/widgets/{widget.pk}.csv"
    signed_in(client, users["me"])
    english = read_csv(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    other = read_csv(client.get(url, HTTP_ACCEPT_LANGUAGE=language))
    assert [list(row) for row in other] == [list(row) for row in english]
    keep = ("metric", "sex", "value", "suppressed", "display")
    assert [[row[k] for k in keep] for row in other] == [[row[k] for k in keep] for row in english]
    assert {row["sex_label"] for row in other} != {row["sex_label"] for row in english}


def test_csv_of_a_dashboard_out_of_reach_is_not_found(client, users, donor_dashboard):
    widget = donor_dashboard.widgets.get()
    assert (
        signed_in(client, users["donor_b"])
        .get(f"/dashboards/donor-a/widgets/{widget.pk}.csv")
        .status_code
        == 404
    )
    other = f.DashboardFactory(slug="other")
    # A widget reached through another dashboard's address is not found either.
    assert (
        signed_in(client, users["admin"])
        .get(f"/dashboards/other/widgets/{widget.pk}.csv")
        .status_code
        == 404
    )
    assert other.widgets.count() == 0


def test_csv_cells_cannot_run_as_formulas(client, users, portfolio):
    portfolio["p_eg"].title = "=HYPERLINK(1)"
    portfolio["p_eg"].save()
    dashboard = f.DashboardFactory(slug="money")
    widget = f.WidgetFactory(dashboard=dashboard, kind="bar", metric="funding", dimension="project")
    rows = read_csv(
        signed_in(client, users["admin"]).get(f"/dashboards/money/widgets/{widget.pk}.csv")
    )
    assert "'=HYPERLINK(1)" in {row["project_label"] for row in rows}


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["admin", "donor_a"])
def test_a_dashboard_costs_a_bounded_number_of_queries(client, users, kinds_dashboard, who):
    signed_in(client, users[who])
    widgets = kinds_dashboard.widgets.count()
    cache.clear()
    cold = count_queries(client, "/dashboards/kinds/")
    warm = count_queries(client, "/dashboards/kinds/")
    assert warm <= WARM_QUERIES
    assert warm < cold <= WARM_QUERIES + COLD_QUERIES_PER_WIDGET * widgets

    # More widgets cost nothing more once their figures are cached.
    for position in range(10, 16):
        f.WidgetFactory(dashboard=kinds_dashboard, position=position, kind="kpi", metric="projects")
    count_queries(client, "/dashboards/kinds/")
    assert count_queries(client, "/dashboards/kinds/") == warm


def test_a_warm_dashboard_draws_its_charts_once_until_the_records_change(
    client, users, kinds_dashboard, monkeypatch, django_capture_on_commit_callbacks
):
    from dashboards import charts

    signed_in(client, users["admin"])
    cache.clear()

    def grid() -> str:
        html = client.get("/dashboards/kinds/").content.decode()
        return html[html.index("dash-grid") : html.index("</main>")]

    first = grid()
    drawn = []
    real = charts.build
    monkeypatch.setattr(charts, "build", lambda *args: drawn.append(args) or real(*args))

    assert grid() == first
    assert drawn == []

    # A new project moves every figure on: the charts are drawn again, with it counted.
    with django_capture_on_commit_callbacks(execute=True):
        f.ProjectFactory()
    assert grid() != first
    assert len(drawn) == kinds_dashboard.widgets.count()
    # In another direction of writing, the charts are drawn for it.
    drawn.clear()
    client.get("/dashboards/kinds/", HTTP_ACCEPT_LANGUAGE="ar")
    assert len(drawn) == kinds_dashboard.widgets.count()
