"""The admin draws the settings of the add and change forms without saving them."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ctportal.access import Role
from dashboards.models import Dashboard, Widget
from tests import factories as f
from tests.dashboards.test_admin import change_data, form_data

ADD_URL = "/admin/dashboards/dashboard/add/"
ADD_PREVIEW = "/admin/dashboards/dashboard/add/preview/live/"
WRITES = ("INSERT", "UPDATE", "DELETE")


def live_url(dashboard: Dashboard) -> str:
    return f"/admin/dashboards/dashboard/{dashboard.pk}/preview/live/"


def stored() -> tuple[int, ...]:
    return (
        Dashboard.objects.count(),
        Widget.objects.count(),
        Dashboard.history.count(),
        Widget.history.count(),
    )


def written(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(WRITES) and "django_session" not in q["sql"]
    ]


@pytest.fixture
def admin_client(client, users):
    client.force_login(users["admin"])
    return client


@pytest.fixture
def trained(portfolio):
    """3 women and 20 men trained in Egypt, on a project of donor A."""
    session = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    f.ParticipantCountFactory(session=session, sex="female", count=3)
    f.ParticipantCountFactory(session=session, sex="male", count=20)


@pytest.fixture
def saved(portfolio, trained):
    """A published portfolio dashboard with a key figure and a bar of people trained by sex."""
    dashboard = f.DashboardFactory(slug="saved", title_en="Saved title")
    f.WidgetFactory(dashboard=dashboard, position=1, kind="kpi", metric="projects")
    f.WidgetFactory(
        dashboard=dashboard,
        position=2,
        kind="bar",
        metric="people_trained",
        dimension="sex",
        title_en="Saved bar",
    )
    return dashboard


NEW_WIDGET = {
    "position": "1",
    "kind": "bar",
    "metric": "people_trained",
    "dimension": "sex",
    "title_en": "Unsaved widget title",
}


def test_the_add_and_change_forms_offer_the_button(admin_client, saved):
    for url, action in [
        (ADD_URL, ADD_PREVIEW),
        (f"/admin/dashboards/dashboard/{saved.pk}/change/", live_url(saved)),
    ]:
        page = admin_client.get(url).content.decode()
        button = re.search(r'<input type="submit" value="Preview these settings"[^>]*>', page)
        assert button, url
        assert f'formaction="{action}"' in button.group(0)
        assert 'formtarget="_blank"' in button.group(0)


def test_a_view_only_change_form_has_no_button(client, portfolio, saved):
    viewer = f.UserFactory(is_staff=True, role=Role.ME_OFFICER)
    viewer.user_permissions.add(Permission.objects.get(codename="view_dashboard"))
    client.force_login(viewer)
    page = client.get(f"/admin/dashboards/dashboard/{saved.pk}/change/").content.decode()
    assert "Saved title" in page
    assert "Preview these settings" not in page


def test_unsaved_settings_of_a_new_dashboard_are_drawn_and_nothing_is_written(
    admin_client, trained
):
    data = form_data({"slug": "new", "title_en": "Unsaved dashboard"}, [NEW_WIDGET])
    before = stored()
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(ADD_PREVIEW, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Preview of unsaved settings for “Unsaved dashboard”" in page
    assert "Unsaved widget title" in page
    assert "<bdi>3</bdi>" in page and "<bdi>20</bdi>" in page
    assert "Draft: not published yet." in page
    assert stored() == before == (0, 0, 0, 0)
    assert written(queries) == []


def test_unsaved_changes_to_a_saved_dashboard_are_drawn_and_nothing_is_written(admin_client, saved):
    data = change_data(saved, title_en="Changed title")
    # Remove the key figure, change the bar's title, add a second bar.
    data["widgets-0-DELETE"] = "on"
    data["widgets-1-title_en"] = "Changed bar"
    data["widgets-TOTAL_FORMS"] = "3"
    data.update({f"widgets-2-{k}": v for k, v in (NEW_WIDGET | {"position": "5"}).items()})
    data.update({"widgets-2-width": "half", "widgets-2-max_rows": "12"})
    before = stored()
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(live_url(saved), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "“Changed title”" in page
    assert page.index("Changed bar") < page.index("Unsaved widget title")
    assert "Saved bar" not in page
    assert "dash-kind-kpi" not in page
    assert stored() == before
    assert written(queries) == []
    saved.refresh_from_db()
    assert (saved.title_en, saved.version) == ("Saved title", 1)
    assert set(saved.widgets.values_list("title_en", flat=True)) == {"", "Saved bar"}


def test_the_saved_preview_still_draws_the_saved_dashboard(admin_client, saved):
    page = admin_client.get(f"/admin/dashboards/dashboard/{saved.pk}/preview/").content.decode()
    assert "Preview of “Saved title”" in page and "Saved bar" in page
    assert "Not saved" not in page


def test_a_breakdown_the_metric_does_not_offer_is_listed_not_drawn(admin_client, trained):
    widget = NEW_WIDGET | {"metric": "budget", "dimension": "sex"}
    data = form_data({"slug": "bad", "title_en": "Bad"}, [widget])
    response = admin_client.post(ADD_PREVIEW, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "These settings cannot be previewed" in page
    assert "Widget 1" in page and "cannot be broken down by" in page
    assert "dash-grid" not in page
    assert not Dashboard.objects.exists() and not Widget.objects.exists()


def test_errors_of_the_dashboard_itself_are_listed(admin_client, portfolio):
    data = form_data({"slug": "", "title_en": "Donor", "audience": "donor"}, [])
    page = admin_client.post(ADD_PREVIEW, data).content.decode()
    assert "A donor dashboard needs its donor." in page
    assert "This field is required." in page


def test_a_tampered_formset_is_an_error_not_a_crash(admin_client):
    data = form_data({"slug": "x", "title_en": "X"}, [NEW_WIDGET])
    del data["widgets-TOTAL_FORMS"]
    response = admin_client.post(ADD_PREVIEW, data)
    assert response.status_code == 200
    assert "These settings cannot be previewed" in response.content.decode()


def test_the_preview_only_answers_posts(admin_client, saved):
    assert admin_client.get(live_url(saved)).status_code == 405
    assert admin_client.get(ADD_PREVIEW).status_code == 405


@pytest.mark.parametrize("who", ["donor_a", "me", "analyst"])
def test_only_staff_reach_the_live_preview(client, users, saved, who):
    client.force_login(users[who])
    for url in (ADD_PREVIEW, live_url(saved)):
        response = client.post(url, change_data(saved))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_who_may_only_view_dashboards_cannot_preview_changes(client, portfolio, saved):
    viewer = f.UserFactory(is_staff=True, role=Role.ME_OFFICER)
    viewer.user_permissions.add(Permission.objects.get(codename="view_dashboard"))
    client.force_login(viewer)
    assert client.post(live_url(saved), change_data(saved)).status_code == 403
    assert client.post(ADD_PREVIEW, form_data({"slug": "a"}, [])).status_code == 403


def test_a_dashboard_outside_the_staff_members_reach_is_not_found(client, portfolio, saved):
    editor = f.UserFactory(is_staff=True, role=Role.ME_OFFICER)
    editor.user_permissions.add(*Permission.objects.filter(codename__endswith="_dashboard"))
    client.force_login(editor)
    draft = f.DashboardFactory(slug="draft", is_published=False)
    assert client.post(live_url(draft), change_data(draft)).status_code == 404
    assert client.post(live_url(saved), change_data(saved)).status_code == 200


def test_the_csrf_token_is_required(users, saved):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["admin"])
    data = change_data(saved, title_en="Changed title")
    assert client.post(live_url(saved), data).status_code == 403
    client.get(f"/admin/dashboards/dashboard/{saved.pk}/change/")
    token = client.cookies["csrftoken"].value
    response = client.post(live_url(saved), data | {"csrfmiddlewaretoken": token})
    assert response.status_code == 200 and "“Changed title”" in response.content.decode()


def test_unsaved_settings_as_a_donor_sees_them(admin_client, portfolio, saved):
    data = change_data(saved, title_en="Changed title")
    page = admin_client.post(live_url(saved), data).content.decode()
    # The form to show it as a donor sends the same settings again.
    assert 'name="title_en" value="Changed title"' in page
    assert 'name="preview-donor"' in page

    data["preview-donor"] = str(portfolio["donor_a"].pk)
    page = admin_client.post(live_url(saved), data).content.decode()
    assert "Figures as a user of Donor A" in page and "would see them" in page
    assert '<bdi dir="ltr">&lt;5</bdi>' in page and "<bdi>3</bdi>" not in page


def test_staff_scoped_to_a_project_cannot_preview_as_a_donor(client, portfolio, saved):
    officer = f.UserFactory(
        is_staff=True, role=Role.PROGRAMME_OFFICER, projects=[portfolio["p_lb"]]
    )
    officer.user_permissions.add(*Permission.objects.filter(codename__endswith="_dashboard"))
    client.force_login(officer)
    data = change_data(saved)
    assert client.post(live_url(saved), data).status_code == 200
    data["preview-donor"] = str(portfolio["donor_a"].pk)
    assert client.post(live_url(saved), data).status_code == 403
