"""Case pages per role: who reaches the list, a case, its identity and its forms.

The identity strings are distinctive so that a leak anywhere shows up as a
plain substring of a response.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from assistance import care_services as care
from assistance import services
from assistance.models import Case, IdentityAccess
from tests import factories as f

D = datetime.date
LB_NAME, LB_FAMILY, LB_PHONE = "Zahra-Unique-Name", "Haddad-Unique-Family", "+961-555-0199"
EG_NAME = "Omar-Unique-Name"
NOTE_TEXT = "Note-Unique-Text about the family"
SECRETS = (LB_NAME, LB_FAMILY, LB_PHONE, EG_NAME)
ROLES = (
    "administrator",
    "programme_officer",
    "me_officer",
    "donor",
    "analyst",
    "case_worker_lb",
    "case_worker_eg",
    "unverified",
)


def role_users(users, case_workers) -> dict:
    """One user per role of the matrix."""
    return {
        "administrator": users["admin"],
        "programme_officer": users["officer_lb_project"],
        "me_officer": users["me"],
        "donor": users["donor_b"],
        "analyst": users["analyst"],
        "case_worker_lb": case_workers["lb"],
        "case_worker_eg": case_workers["eg"],
        "unverified": case_workers["lb_unverified"],
    }


def role_clients(users, case_workers) -> dict:
    """A signed-in client per role; the unverified case worker has not given the second factor."""
    return {
        role: client_for(user, verified=role != "unverified")
        for role, user in role_users(users, case_workers).items()
    }


@pytest.fixture
def people(users, case_workers):
    return role_users(users, case_workers)


@pytest.fixture
def world(cases, case_workers, orgs, shelter):
    """The two offices' cases with identities; the Lebanese one with a full timeline."""
    lb, eg = cases["lb"], cases["eg"]
    lb_worker = case_workers["lb"]
    services.identity_save(
        user=lb_worker,
        case=lb,
        data={"given_name": LB_NAME, "family_name": LB_FAMILY, "phone": LB_PHONE},
    )
    services.identity_save(user=case_workers["eg"], case=eg, data={"given_name": EG_NAME})
    f.ServiceFactory(case=lb, kind="medical", start_date=D(2021, 6, 1), provider=orgs["ngo"])
    Case.objects.filter(pk=lb.pk).update(consent_referral=True, consent_date=D(2021, 5, 10))
    lb.refresh_from_db()
    referral = care.referral_send(
        user=lb_worker,
        case=lb,
        data={
            "from_organisation": orgs["ngo"],
            "to_organisation": orgs["un"],
            "sent_on": D(2021, 6, 2),
        },
    )
    stay = care.stay_admit(user=lb_worker, case=lb, shelter=shelter, admitted_on=D(2021, 6, 3))
    care.note_add(user=lb_worker, case=lb, text=NOTE_TEXT)
    return {"lb": lb, "eg": eg, "referral": referral, "stay": stay}


def client_for(user, *, verified: bool = True) -> Client:
    client = Client()
    client.force_login(user)
    if not verified:
        # Signed in with the password only: the second factor is still owed.
        session = client.session
        session.pop(DEVICE_ID_SESSION_KEY, None)
        session.save()
    return client


@pytest.fixture
def clients(users, case_workers):
    return role_clients(users, case_workers)


def no_secret(response) -> None:
    content = response.content.decode()
    for secret in SECRETS + (NOTE_TEXT,):
        assert secret not in content


LIST = {
    "administrator": 200,
    "programme_officer": 404,
    "me_officer": 404,
    "donor": 404,
    "analyst": 404,
    "case_worker_lb": 200,
    "case_worker_eg": 200,
    "unverified": 302,
}
LB_CASE_PAGE = {**LIST, "case_worker_eg": 404}
IDENTITY = {**LB_CASE_PAGE, "administrator": 404}
REGISTER = {**LIST, "administrator": 404}


@pytest.mark.parametrize("role", ROLES)
def test_case_list_per_role(role, clients, world):
    response = clients[role].get(reverse("assistance:cases"))

    assert response.status_code == LIST[role]
    no_secret(response)
    content = response.content.decode()
    if role in ("administrator", "case_worker_lb"):
        assert world["lb"].reference in content
    if role == "case_worker_lb":
        assert world["eg"].reference not in content
    if role == "case_worker_eg":
        assert world["eg"].reference in content and world["lb"].reference not in content
    if role == "unverified":
        assert reverse("second_factor_verify") in response["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_case_page_per_role(role, clients, world):
    response = clients[role].get(reverse("assistance:case", args=[world["lb"].pk]))

    assert response.status_code == LB_CASE_PAGE[role]
    content = response.content.decode()
    for secret in SECRETS:
        assert secret not in content
    if role == "case_worker_lb":
        assert NOTE_TEXT in content
        assert reverse("assistance:identity", args=[world["lb"].pk]) in content
    else:
        assert NOTE_TEXT not in content
    if role == "administrator":
        assert world["lb"].reference in content
        assert reverse("assistance:identity", args=[world["lb"].pk]) not in content


@pytest.mark.parametrize("role", ROLES)
def test_identity_per_role(role, clients, world):
    before = IdentityAccess.objects.count()

    response = clients[role].post(reverse("assistance:identity", args=[world["lb"].pk]))

    assert response.status_code == IDENTITY[role]
    if role == "case_worker_lb":
        assert LB_NAME in response.content.decode()
        assert EG_NAME not in response.content.decode()
        assert IdentityAccess.objects.count() == before + 1
    else:
        no_secret(response)
        assert IdentityAccess.objects.count() == before


@pytest.mark.parametrize("role", ROLES)
def test_register_form_per_role(role, clients, world):
    response = clients[role].get(reverse("assistance:case_register"))

    assert response.status_code == REGISTER[role]
    no_secret(response)


@pytest.mark.parametrize(
    "name",
    [
        "case_edit",
        "case_close",
        "identity_edit",
        "service_add",
        "referral_send",
        "stay_admit",
        "note_add",
    ],
)
@pytest.mark.parametrize("role", ROLES)
def test_case_forms_per_role(name, role, clients, world):
    response = clients[role].get(reverse(f"assistance:{name}", args=[world["lb"].pk]))

    assert response.status_code == IDENTITY[role]
    content = response.content.decode()
    if name == "identity_edit" and role == "case_worker_lb":
        assert LB_NAME in content
    else:
        no_secret(response)


@pytest.mark.parametrize("role", ["administrator", "case_worker_eg", "donor"])
def test_posts_on_a_case_out_of_reach_are_404_and_write_nothing(role, clients, world):
    case = world["lb"]
    client = clients[role]

    responses = [
        client.post(reverse("assistance:case_edit", args=[case.pk]), {"version": case.version}),
        client.post(
            reverse("assistance:case_close", args=[case.pk]),
            {"version": case.version, "closure_reason": "completed", "closed_on": "2021-07-01"},
        ),
        client.post(reverse("assistance:identity_edit", args=[case.pk]), {"given_name": "X"}),
        client.post(reverse("assistance:note_add", args=[case.pk]), {"text": "hello"}),
    ]

    assert [r.status_code for r in responses] == [404] * 4
    case.refresh_from_db()
    assert case.status == "open" and case.notes.count() == 1


def test_out_of_scope_and_unknown_cases_look_the_same(clients, world):
    missing = Case.objects.order_by("-pk").first().pk + 100
    for pk in (world["eg"].pk, missing):
        response = clients["case_worker_lb"].get(reverse("assistance:case", args=[pk]))
        assert response.status_code == 404
        no_secret(response)


def test_identity_read_is_logged_with_who_and_where(clients, people, world):
    clients["case_worker_lb"].post(
        reverse("assistance:identity", args=[world["lb"].pk]),
        HTTP_USER_AGENT="Firefox test",
        REMOTE_ADDR="10.1.2.3",
    )

    entry = IdentityAccess.objects.filter(action="read").latest("pk")
    assert entry.user == people["case_worker_lb"]
    assert entry.case == world["lb"]
    assert entry.ip_address == "10.1.2.3"
    assert entry.user_agent == "Firefox test"


def test_identity_page_is_never_cached_and_needs_a_post(clients, world):
    url = reverse("assistance:identity", args=[world["lb"].pk])

    assert clients["case_worker_lb"].get(url).status_code == 405
    response = clients["case_worker_lb"].post(url)
    assert "no-store" in response["Cache-Control"]


def test_admin_sees_the_identity_access_log_without_any_identity(clients, people, world):
    clients["case_worker_lb"].post(reverse("assistance:identity", args=[world["lb"].pk]))

    response = clients["administrator"].get(reverse("assistance:case", args=[world["lb"].pk]))

    content = response.content.decode()
    assert "Identity access log" in content
    log = response.context["access_log"]
    assert [entry.action for entry in log][:1] == ["read"]
    assert log[0].user == people["case_worker_lb"]
    assert str(people["case_worker_lb"]) in content
    no_secret(response)


def test_case_page_shows_the_timeline_newest_first(clients, world):
    response = clients["case_worker_lb"].get(reverse("assistance:case", args=[world["lb"].pk]))

    kinds = [entry.kind for entry in response.context["timeline"]]
    days = [entry.day for entry in response.context["timeline"]]
    assert set(kinds) == {"service", "referral", "stay", "note"}
    assert days == sorted(days, reverse=True)
    content = response.content.decode()
    assert reverse("assistance:referral_status", args=[world["lb"].pk, world["referral"].pk]) in (
        content
    )
    assert reverse("assistance:stay_discharge", args=[world["lb"].pk, world["stay"].pk]) in content


def test_case_page_costs_the_same_whatever_the_timeline(
    clients, world, case_workers, django_assert_max_num_queries
):
    client = clients["case_worker_lb"]
    url = reverse("assistance:case", args=[world["lb"].pk])
    client.get(url)
    with django_assert_max_num_queries(16):
        client.get(url)
    for day in range(1, 20):
        f.ServiceFactory(case=world["lb"], start_date=D(2021, 7, day))
        care.note_add(user=case_workers["lb"], case=world["lb"], text=f"note {day}")
    with django_assert_max_num_queries(16):
        response = client.get(url)
    assert len(response.context["timeline"]) > 40


NAV_TARGET = {
    "administrator": "assistance:cases",
    "case_worker_lb": "assistance:cases",
    "programme_officer": "assistance:figures",
    "me_officer": "assistance:figures",
    "donor": "assistance:figures",
    "analyst": "assistance:figures",
}


@pytest.mark.parametrize("role", sorted(NAV_TARGET))
def test_the_main_navigation_leads_each_role_to_its_assistance_page(role, clients, world):
    content = clients[role].get(reverse("projects:list")).content.decode()

    assert f'href="{reverse(NAV_TARGET[role])}"' in content
    if NAV_TARGET[role] == "assistance:figures":
        assert f'href="{reverse("assistance:cases")}"' not in content
