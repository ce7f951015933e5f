"""Who may change a regional project: the lead country's officers and the officers
assigned to it. Officers of its other recipient countries read it, and are told why
they cannot change it, on pages, in the API and in the admin alike."""

import pytest
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from ctportal.access import Role, can_edit_project, can_edit_results
from projects.admin import ProjectAdmin, TransactionAdmin
from projects.models import Project, Transaction
from tests import factories as f
from tests.projects.test_views import results_post_data
from trainings.models import TrainingSession


@pytest.fixture
def region(portfolio):
    """Five recipient countries; Lebanon leads although Egypt has the largest share."""
    jordan = f.CountryFactory(code="JO", name_en="Jordan", name_ar="الأردن", name_fr="Jordanie")
    iraq = f.CountryFactory(code="IQ", name_en="Iraq", name_ar="العراق", name_fr="Irak")
    yemen = f.CountryFactory(code="YE", name_en="Yemen", name_ar="اليمن", name_fr="Yémen")
    project = f.ProjectFactory(title="Regional response", lead_country=portfolio["lebanon"])
    shares = [(portfolio["egypt"], 40), (portfolio["lebanon"], 15), (jordan, 15)]
    shares += [(iraq, 15), (yemen, 15)]
    for country, share in shares:
        f.RecipientCountryFactory(project=project, country=country, percentage=share)
    officer = {"countries": [portfolio["egypt"]], "role": Role.PROGRAMME_OFFICER}
    return {
        "project": project,
        "reader": f.UserFactory(first_name="Rana", last_name="Reader", **officer),
        "lead": f.UserFactory(role=Role.PROGRAMME_OFFICER, countries=[portfolio["lebanon"]]),
        "assigned": f.UserFactory(
            role=Role.PROGRAMME_OFFICER,
            first_name="Sami",
            last_name="Assigned",
            projects=[project],
        ),
        "me": f.UserFactory(role=Role.ME_OFFICER),
        "admin": f.UserFactory(role=Role.ADMINISTRATOR, is_staff=True),
        "donor": f.UserFactory(role=Role.DONOR, organisation=portfolio["donor_a"]),
    }


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


EDITS = {"reader": False, "lead": True, "assigned": True, "me": False, "admin": True}


@pytest.mark.parametrize(("who", "allowed"), EDITS.items())
def test_one_rule_decides_who_edits_a_shared_project(region, who, allowed):
    project = region["project"]
    user = region[who]
    assert Project.objects.visible_to(user).filter(pk=project.pk).exists()  # reading unchanged
    assert Project.objects.editable_by(user).filter(pk=project.pk).exists() is allowed
    assert can_edit_project(user, project) is allowed


def test_results_follow_the_rule_and_m_and_e_keep_theirs(region):
    project = region["project"]
    assert not can_edit_results(region["reader"], project)
    assert can_edit_results(region["lead"], project)
    assert can_edit_results(region["me"], project)


def test_without_a_lead_country_the_largest_share_leads(portfolio, users):
    # p_both: Egypt 60 %, Lebanon 40 %.
    project = portfolio["p_both"]
    lebanon_officer = f.UserFactory(role=Role.PROGRAMME_OFFICER, countries=[portfolio["lebanon"]])
    assert can_edit_project(users["officer_eg"], project)
    assert not can_edit_project(lebanon_officer, project)
    assert Project.objects.visible_to(lebanon_officer).filter(pk=project.pk).exists()


def test_donors_and_other_roles_edit_nothing(region):
    assert not Project.objects.editable_by(region["donor"]).exists()


def test_reader_gets_403_on_the_edit_page_and_sees_why_on_the_overview(client, region):
    project = region["project"]
    client.force_login(region["reader"])
    assert client.get(reverse("projects:edit", args=[project.pk])).status_code == 403
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert reverse("projects:edit", args=[project.pk]) not in page
    assert "Who may edit" in page
    assert "<strong>Lebanon</strong>, the lead country" in page
    assert "Sami Assigned" in page
    assert "another country leads it" in page


@pytest.mark.parametrize("who", ["lead", "assigned"])
def test_lead_and_assigned_officers_open_the_editor(client, region, who):
    project = region["project"]
    client.force_login(region[who])
    assert client.get(reverse("projects:edit", args=[project.pk])).status_code == 200
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "You may edit this project." in page
    assert "another country leads it" not in page


@pytest.mark.parametrize("method", ["patch", "put"])
def test_api_refuses_changes_by_a_reading_officer(region, method):
    project = region["project"]
    response = getattr(api(region["reader"]), method)(
        f"/api/v1/projects/{project.pk}/", {"title": "Changed", "version": 1}, format="json"
    )
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.title == "Regional response"


def test_api_delete_stays_refused_for_everyone(region):
    project = region["project"]
    for who in ("reader", "lead"):
        response = api(region[who]).delete(f"/api/v1/projects/{project.pk}/")
        assert response.status_code in (403, 405)
    assert Project.objects.filter(pk=project.pk).exists()


def test_api_patch_by_the_lead_officer_saves(region):
    project = region["project"]
    response = api(region["lead"]).patch(
        f"/api/v1/projects/{project.pk}/", {"title": "Changed", "version": 1}, format="json"
    )
    assert response.status_code == 200, response.json()
    project.refresh_from_db()
    assert project.title == "Changed"


def test_children_of_a_shared_project_follow_the_rule(client, region, portfolio):
    project = region["project"]
    body = {"project": project.code, "kind": 4, "date": "2024-03-31", "value": "10.00"}
    assert (
        api(region["reader"]).post("/api/v1/transactions/", body, format="json").status_code == 403
    )
    assert not Transaction.objects.filter(project=project).exists()
    assert api(region["lead"]).post("/api/v1/transactions/", body, format="json").status_code == 201

    session_body = {
        "project": project.code,
        "title": "Referral workshop",
        "kind": "workshop",
        "host_country": "EG",
        "language": "ar",
        "start_date": "2021-05-02",
        "end_date": "2021-05-02",
        "counts": [{"dimension": "sex", "sex": "female", "count": 9}],
    }
    reader = api(region["reader"])
    assert (
        reader.post("/api/v1/trainings/sessions/", session_body, format="json").status_code == 403
    )
    assert not TrainingSession.objects.filter(project=project).exists()

    session = f.TrainingSessionFactory(project=project, host_country=portfolio["egypt"])
    response = reader.patch(
        f"/api/v1/trainings/sessions/{session.pk}/", {"title": "Changed"}, format="json"
    )
    assert response.status_code == 403

    client.force_login(region["reader"])
    for name in ("trainings:edit", "trainings:import"):
        assert client.get(reverse(name, args=[session.pk])).status_code == 403
    upload = reverse("projects:document_upload", args=[project.pk])
    assert client.get(upload).status_code == 403
    results = reverse("projects:results", args=[project.pk])
    assert client.post(results, results_post_data()).status_code == 403
    assert not project.results.exists()


def test_admin_change_follows_the_rule_for_staff_officers(region, portfolio):
    reader, lead = region["reader"], region["lead"]
    for user in (reader, lead):
        user.is_staff = True
        user.save()
        for codename in (
            "view_project",
            "change_project",
            "view_transaction",
            "change_transaction",
        ):
            user.user_permissions.add(Permission.objects.get(codename=codename))
    project = region["project"]
    transaction = f.TransactionFactory(project=project)
    from django.contrib import admin

    request = RequestFactory().get("/")
    for user, allowed in ((reader, False), (lead, True)):
        request.user = type(user).objects.get(pk=user.pk)
        assert ProjectAdmin(Project, admin.site).has_change_permission(request, project) is allowed
        transaction_admin = TransactionAdmin(Transaction, admin.site)
        assert transaction_admin.has_change_permission(request, transaction) is allowed
    request.user = region["admin"]
    assert ProjectAdmin(Project, admin.site).has_change_permission(request, project)


@pytest.mark.parametrize("who", ["donor_a", "analyst"])
def test_donors_and_analysts_are_not_shown_who_runs_the_project(client, users, portfolio, who):
    client.force_login(users[who])
    page = client.get(reverse("projects:detail", args=[portfolio["p_both"].pk])).content.decode()
    assert "Regional project" in page
    assert "Who may edit" not in page
