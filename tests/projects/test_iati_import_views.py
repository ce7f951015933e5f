import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ctportal.access import Role
from projects import models as pm
from tests import factories as f
from tests.projects.iati_files import activities_file, activity

pytestmark = pytest.mark.django_db
URL = reverse("projects:import_iati")


@pytest.fixture
def countries(db):
    return [f.CountryFactory(code="EG", name_en="Egypt"), f.CountryFactory(code="LB")]


@pytest.fixture
def officer(countries):
    return f.UserFactory(role=Role.PROGRAMME_OFFICER, countries=countries)


def upload(client, content: bytes, name: str = "activities.xml"):
    return client.post(URL, {"file": SimpleUploadedFile(name, content, "application/xml")})


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.PROGRAMME_OFFICER, 200),
        (Role.ADMINISTRATOR, 200),
        (Role.DONOR, 403),
        (Role.ANALYST, 403),
        (Role.CASE_WORKER, 404),  # case workers use no project page
        (Role.ME_OFFICER, 403),
    ],
)
def test_page_per_role(client, countries, role, status):
    client.force_login(f.UserFactory(role=role, countries=countries))
    assert client.get(URL).status_code == status
    assert upload(client, activities_file(activity())).status_code == status
    assert not pm.Project.objects.exists()


def test_user_without_role_cannot_use_the_page(client):
    client.force_login(f.UserFactory(role=""))
    assert client.get(URL).status_code in (302, 403)
    assert upload(client, activities_file(activity())).status_code in (302, 403)
    assert not pm.Project.objects.exists()


def test_anonymous_goes_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_preview_then_confirm(client, officer):
    client.force_login(officer)
    response = upload(client, activities_file(activity(), activity("XM-DAC-47066-CT.IMP2")))
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 projects to create" in page
    assert "3 new organisations" in page
    assert "4 transactions, 4 budgets, 2 results with 2 indicators" in page
    assert not pm.Project.objects.exists()
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1)

    response = client.post(URL, {"token": token})
    assert response.status_code == 302
    assert pm.Project.objects.count() == 2
    # The kept file is gone: the same confirmation cannot run twice.
    response = client.post(URL, {"token": token}, follow=True)
    assert "no longer available" in response.content.decode()
    assert pm.Project.objects.count() == 2


def test_another_users_preview_cannot_be_confirmed(client, officer, countries):
    client.force_login(officer)
    page = upload(client, activities_file(activity())).content.decode()
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1)
    client.force_login(f.UserFactory(role=Role.PROGRAMME_OFFICER, countries=countries))
    response = client.post(URL, {"token": token}, follow=True)
    assert "no longer available" in response.content.decode()
    assert not pm.Project.objects.exists()


def test_problems_are_listed_with_a_count_and_nothing_is_written(client, officer):
    client.force_login(officer)
    bad = activity("XM-DAC-47066-CT.BAD", currency="XXY")
    response = upload(client, activities_file(activity(), bad))
    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(r"\d+ problems?: nothing was imported", page)
    assert "XXY" in page
    assert 'name="token"' not in page
    assert not pm.Project.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"not xml at all", "a.xml", "not well-formed"),
        (activities_file(activity()), "a.csv", "XML file"),
        (b"", "a.xml", "empty"),
    ],
)
def test_bad_uploads_are_form_errors(client, officer, content, name, expected):
    client.force_login(officer)
    response = upload(client, content, name)
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not pm.Project.objects.exists()


def test_oversized_file_is_refused(client, officer, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    client.force_login(officer)
    response = upload(client, activities_file(activity()))
    assert response.status_code == 400
    assert "largest file accepted" in response.content.decode()


def test_project_outside_scope_is_a_listed_problem(client, officer):
    other = f.CountryFactory(code="JO")
    f.ProjectFactory(iati_identifier="XM-DAC-47066-CT.IMP1", code="X1")
    f.RecipientCountryFactory(project=pm.Project.objects.get(), country=other)
    client.force_login(officer)
    response = upload(client, activities_file(activity()))
    assert response.status_code == 400
    assert "outside your projects and countries" in response.content.decode()
