import pytest

from dashboards.models import Dashboard, Widget
from tests import factories as f

ADD_URL = "/admin/dashboards/dashboard/add/"
WIDGET_FIELDS = [
    "position",
    "kind",
    "width",
    "metric",
    "dimension",
    "series_dimension",
    "filter_year",
    "filter_country",
    "filter_donor",
    "filter_project",
    "title_en",
    "title_ar",
    "title_fr",
    "max_rows",
]


def form_data(dashboard: dict, widgets: list[dict], initial: int = 0) -> dict:
    data = {
        "slug": "",
        "title_en": "",
        "title_ar": "",
        "title_fr": "",
        "description_en": "",
        "description_ar": "",
        "description_fr": "",
        "audience": "portfolio",
        "country": "",
        "donor": "",
        "project": "",
        "order": "0",
        "loaded_version": "",
        "widgets-TOTAL_FORMS": str(len(widgets)),
        "widgets-INITIAL_FORMS": str(initial),
        "widgets-MIN_NUM_FORMS": "0",
        "widgets-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    data.update({k: v for k, v in dashboard.items() if v is not None})
    for index, widget in enumerate(widgets):
        values = dict.fromkeys(WIDGET_FIELDS, "") | {"width": "half", "max_rows": "12"}
        values |= widget
        data.update({f"widgets-{index}-{name}": value for name, value in values.items()})
    return data


@pytest.fixture
def admin_client(client, users):
    client.force_login(users["admin"])
    return client


def test_an_administrator_composes_a_donor_dashboard(admin_client, users, portfolio):
    data = form_data(
        {
            "slug": "donor-a",
            "title_en": "Donor A",
            "audience": "donor",
            "donor": str(portfolio["donor_a"].pk),
            "is_published": "on",
        },
        [
            {"position": "1", "kind": "bar", "metric": "people_trained", "dimension": "sex"},
            {"position": "2", "kind": "kpi", "metric": "projects", "width": "third"},
        ],
    )
    response = admin_client.post(ADD_URL, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    dashboard = Dashboard.objects.get(slug="donor-a")
    assert dashboard.donor == portfolio["donor_a"] and dashboard.is_published
    assert list(dashboard.widgets.values_list("kind", "metric", "dimension")) == [
        ("bar", "people_trained", "sex"),
        ("kpi", "projects", ""),
    ]
    assert dashboard.history.get().history_user == users["admin"]


def test_a_badly_shaped_widget_is_refused_and_nothing_is_saved(admin_client, portfolio):
    data = form_data(
        {"slug": "bad", "title_en": "Bad"},
        [{"position": "1", "kind": "bar", "metric": "budget", "dimension": ""}],
    )
    response = admin_client.post(ADD_URL, data)
    assert response.status_code == 200
    assert "A bar chart needs a breakdown." in response.content.decode()
    assert not Dashboard.objects.filter(slug="bad").exists()
    assert not Widget.objects.exists()


def test_a_widget_cannot_leave_the_country_of_its_dashboard(admin_client, portfolio):
    data = form_data(
        {
            "slug": "egypt",
            "title_en": "Egypt",
            "audience": "country",
            "country": str(portfolio["egypt"].pk),
        },
        [
            {
                "position": "1",
                "kind": "kpi",
                "metric": "projects",
                "filter_country": str(portfolio["lebanon"].pk),
            }
        ],
    )
    response = admin_client.post(ADD_URL, data)
    assert response.status_code == 200
    assert "This dashboard is already narrowed to one country" in response.content.decode()
    assert not Dashboard.objects.exists()


def test_an_audience_without_its_donor_is_refused(admin_client):
    data = form_data({"slug": "d", "title_en": "D", "audience": "donor"}, [])
    response = admin_client.post(ADD_URL, data)
    assert "A donor dashboard needs its donor." in response.content.decode()
    assert not Dashboard.objects.exists()


def change_data(dashboard: Dashboard, **changes) -> dict:
    widgets = [
        {"id": str(w.pk), "dashboard": str(dashboard.pk)}
        | {
            name: "" if getattr(w, name) is None else str(getattr(w, name))
            for name in WIDGET_FIELDS
        }
        for w in dashboard.widgets.all()
    ]
    values = {
        "slug": dashboard.slug,
        "title_en": dashboard.title_en,
        "audience": dashboard.audience,
        "is_published": "on" if dashboard.is_published else None,
        "order": str(dashboard.order),
        "loaded_version": str(dashboard.version),
    }
    return form_data(values | changes, widgets, initial=len(widgets))


def test_saving_over_someone_elses_change_is_refused(admin_client):
    dashboard = f.DashboardFactory(slug="shared", title_en="Shared")
    f.WidgetFactory(dashboard=dashboard)
    url = f"/admin/dashboards/dashboard/{dashboard.pk}/change/"
    first = change_data(dashboard, title_en="First editor")
    second = change_data(dashboard, title_en="Second editor")
    assert admin_client.post(url, first).status_code == 302
    dashboard.refresh_from_db()
    assert (dashboard.title_en, dashboard.version) == ("First editor", 2)

    response = admin_client.post(url, second)
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    dashboard.refresh_from_db()
    assert dashboard.title_en == "First editor"


def test_the_change_page_offers_a_preview_and_the_metrics(admin_client):
    dashboard = f.DashboardFactory()
    page = admin_client.get(f"/admin/dashboards/dashboard/{dashboard.pk}/change/").content.decode()
    assert f'href="/admin/dashboards/dashboard/{dashboard.pk}/preview/"' in page
    assert "Metrics and the breakdowns each offers" in page
    assert "<code>people_trained</code>" in page
    assert 'name="title_ar"' in page and 'dir="rtl"' in page


@pytest.fixture
def training_dashboard(portfolio):
    """A draft for donor A: a bar of people trained by sex, 3 women and 20 men."""
    session = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    f.ParticipantCountFactory(session=session, sex="female", count=3)
    f.ParticipantCountFactory(session=session, sex="male", count=20)
    dashboard = f.DashboardFactory(
        slug="draft", audience="donor", donor=portfolio["donor_a"], is_published=False
    )
    f.WidgetFactory(dashboard=dashboard, kind="bar", metric="people_trained", dimension="sex")
    return dashboard


def test_the_preview_draws_a_draft_for_the_administrator(admin_client, training_dashboard):
    url = f"/admin/dashboards/dashboard/{training_dashboard.pk}/preview/"
    page = admin_client.get(url).content.decode()
    assert "Draft: not published yet." in page
    assert "<bdi>3</bdi>" in page and "dash-grid" in page
    assert "css/dashboards.css" in page


def test_the_preview_shows_what_a_donor_would_see(admin_client, training_dashboard, portfolio):
    url = f"/admin/dashboards/dashboard/{training_dashboard.pk}/preview/"
    page = admin_client.get(url, {"donor": portfolio["donor_a"].pk}).content.decode()
    assert '<bdi dir="ltr">&lt;5</bdi>' in page and "<bdi>3</bdi>" not in page
    # Not published yet: the donor could not open it.
    assert "cannot open this dashboard" in page
    assert "Download the figures" not in page

    training_dashboard.is_published = True
    training_dashboard.save()
    page = admin_client.get(url, {"donor": portfolio["donor_a"].pk}).content.decode()
    assert "only the projects it funds" in page
    page = admin_client.get(url, {"donor": portfolio["donor_b"].pk}).content.decode()
    assert "cannot open this dashboard" in page


def test_an_unknown_donor_in_the_preview_shows_the_administrators_view(
    admin_client, training_dashboard
):
    url = f"/admin/dashboards/dashboard/{training_dashboard.pk}/preview/"
    response = admin_client.get(url, {"donor": "999999"})
    assert response.status_code == 200 and "<bdi>3</bdi>" in response.content.decode()
    assert admin_client.get("/admin/dashboards/dashboard/999999/preview/").status_code == 404


@pytest.mark.parametrize("who", ["donor_a", "me", "analyst"])
def test_only_staff_reach_the_admin_and_its_preview(client, users, training_dashboard, who):
    client.force_login(users[who])
    response = client.get(f"/admin/dashboards/dashboard/{training_dashboard.pk}/preview/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
