"""The shelter occupancy page and the shelter form: administrators and local case workers."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assistance.models import Shelter
from tests import factories as f
from tests.assistance.test_views import ROLES, role_clients

LIST = reverse("assistance:shelters")
NEW = reverse("assistance:shelter_create")
SEEN = {
    "administrator": 200,
    "programme_officer": 404,
    "me_officer": 404,
    "donor": 404,
    "analyst": 404,
    "case_worker_lb": 200,
    "case_worker_eg": 200,
    "unverified": 302,
}


@pytest.fixture
def clients(users, case_workers):
    return role_clients(users, case_workers)


@pytest.fixture
def shelters(portfolio, orgs, shelter):
    """The Lebanese safe house (2 places, 1 taken today) and a Cairo shelter."""
    today = timezone.localdate()
    f.ShelterStayFactory(
        shelter=shelter,
        admitted_on=today - datetime.timedelta(days=5),
        case=f.CaseFactory(country_office=portfolio["lebanon"], project=portfolio["p_lb"]),
    )
    f.ShelterStayFactory(
        shelter=shelter,
        admitted_on=today - datetime.timedelta(days=40),
        discharged_on=today - datetime.timedelta(days=10),
        case=f.CaseFactory(country_office=portfolio["lebanon"], project=portfolio["p_lb"]),
    )
    cairo = f.ShelterFactory(
        name="Cairo house", organisation=orgs["un"], country=portfolio["egypt"], capacity=8
    )
    return {"lb": shelter, "eg": cairo}


@pytest.mark.parametrize("role", ROLES)
def test_shelter_pages_per_role(role, clients, shelters):
    client = clients[role]

    listed = client.get(LIST)
    form = client.get(NEW)

    assert listed.status_code == SEEN[role]
    assert form.status_code == SEEN[role]
    content = listed.content.decode()
    if role == "case_worker_lb":
        assert "Safe house" in content and "Cairo house" not in content
    if role == "administrator":
        assert "Safe house" in content and "Cairo house" in content
    if SEEN[role] == 404:
        assert "Safe house" not in content


def test_occupancy_capacity_and_free_places(clients, shelters):
    response = clients["case_worker_lb"].get(LIST)

    (row,) = response.context["shelters"]
    assert (row.capacity, row.occupancy, row.free) == (2, 1, 1)
    assert response.context["totals"] == {"capacity": 2, "occupancy": 1, "free": 1}
    assert 'class="progress' in response.content.decode()


def test_a_case_worker_adds_a_shelter_in_their_country(clients, shelters, portfolio, orgs):
    client = clients["case_worker_lb"]
    country = client.get(NEW).context["form"].fields["country"]
    assert list(country.queryset) == [portfolio["lebanon"]]

    created = client.post(
        NEW,
        {
            "name": "Tyre house",
            "organisation": orgs["ngo"].pk,
            "country": portfolio["lebanon"].pk,
            "capacity": 6,
        },
    )
    elsewhere = client.post(
        NEW,
        {
            "name": "Alex house",
            "organisation": orgs["ngo"].pk,
            "country": portfolio["egypt"].pk,
            "capacity": 6,
        },
    )

    assert created.status_code == 302
    assert Shelter.objects.get(name="Tyre house").country == portfolio["lebanon"]
    assert elsewhere.status_code == 400 and "country" in elsewhere.context["form"].errors
    assert not Shelter.objects.filter(name="Alex house").exists()


def test_capacity_cannot_fall_below_occupancy(clients, shelters, orgs, portfolio):
    client = clients["case_worker_lb"]
    edit = reverse("assistance:shelter_edit", args=[shelters["lb"].pk])
    assert client.get(edit).context["form"].initial["capacity"] == 2

    data = {
        "name": "Safe house",
        "organisation": orgs["ngo"].pk,
        "country": portfolio["lebanon"].pk,
    }
    too_small = client.post(edit, {**data, "capacity": 0})
    assert too_small.status_code == 400 and "capacity" in too_small.context["form"].errors
    renamed = client.post(edit, {**data, "name": "Beirut safe house", "capacity": 3})
    assert renamed.status_code == 302
    shelters["lb"].refresh_from_db()
    assert (shelters["lb"].name, shelters["lb"].capacity) == ("Beirut safe house", 3)


def test_another_countrys_shelter_is_404(clients, shelters):
    edit = reverse("assistance:shelter_edit", args=[shelters["eg"].pk])

    assert clients["case_worker_lb"].get(edit).status_code == 404
    assert clients["case_worker_lb"].post(edit, {"name": "Taken", "capacity": 1}).status_code == 404
    assert clients["administrator"].get(edit).status_code == 200
    shelters["eg"].refresh_from_db()
    assert shelters["eg"].name == "Cairo house"
