"""The second factor of case workers and administrators, through the real sign-in pages."""

from base64 import b32encode

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP

from accounts.models import AuthenticatorDevice
from assistance.models import Case
from ctportal import access
from ctportal.access import Role
from tests import factories as f

PASSWORD = "correct horse battery staple"
ENROL = reverse("second_factor_enrol")
VERIFY = reverse("second_factor_verify")
BLOCKED = ["/", "/projects/", "/trainings/", "/admin/", "/accounts/password/"]


def sign_in(user) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def token(device: AuthenticatorDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def worker(portfolio):
    """A Lebanon case worker with no authenticator yet."""
    lebanon = portfolio["lebanon"]
    return f.UserFactory(role=Role.CASE_WORKER, countries=[lebanon], country_office=lebanon)


def test_without_a_device_every_page_sends_to_enrolment(worker):
    client = sign_in(worker)

    for path in BLOCKED:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(f"{ENROL}?next="), path


def test_the_api_answers_403_to_an_unverified_session(worker):
    response = sign_in(worker).get("/api/v1/projects/")

    assert response.status_code == 403
    assert "authenticator" in response.json()["detail"]


def test_an_unverified_session_has_no_case_scope(worker, cases):
    response = sign_in(worker).get(ENROL)

    user = response.wsgi_request.user
    assert not user.is_verified()
    assert not Case.objects.visible_to(user).exists()


def test_enrolment_shows_an_inline_qr_code_and_confirms_with_a_code(worker, cases):
    client = sign_in(worker)
    page = client.get(f"{ENROL}?next=/projects/")
    content = page.content.decode()
    device = AuthenticatorDevice.objects.get(user=worker)

    assert page.status_code == 200
    assert '<svg width="' in content
    assert 'src="http' not in content and "chart.googleapis" not in content
    assert not device.confirmed

    wrong = client.post(ENROL, {"token": "000000", "next": "/projects/"})
    assert "not valid" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()
    assert not device.confirmed
    assert client.get("/projects/").status_code == 302

    done = client.post(ENROL, {"token": token(device), "next": "/projects/"})

    assert done.status_code == 302
    assert done["Location"] == "/projects/"
    device.refresh_from_db()
    assert device.confirmed
    # Case workers work on cases; project pages are not theirs (tests/ctportal/test_navigation.py).
    assert client.get("/projects/").status_code == 404
    through = client.get("/assistance/cases/")
    assert through.status_code == 200
    user = through.wsgi_request.user
    assert user.is_verified()
    assert set(Case.objects.visible_to(user)) == {cases["lb"]}


@pytest.fixture
def enrolled(worker):
    return f.confirmed_device(worker)


def test_with_a_device_every_page_sends_to_verification(worker, enrolled):
    client = sign_in(worker)

    for path in BLOCKED:
        assert client.get(path)["Location"].startswith(f"{VERIFY}?next="), path
    # A password alone cannot add another authenticator.
    assert client.get(ENROL)["Location"].startswith(VERIFY)
    assert AuthenticatorDevice.objects.filter(user=worker).count() == 1


def test_a_valid_code_lets_the_case_worker_through(worker, enrolled, cases):
    client = sign_in(worker)
    session_before = client.session.session_key

    response = client.post(VERIFY, {"token": token(enrolled), "next": "/trainings/"})

    assert response.status_code == 302
    assert response["Location"] == "/trainings/"
    assert client.session.session_key != session_before
    assert client.get("/assistance/cases/").status_code == 200
    assert client.get(VERIFY)["Location"] == reverse("home")


def test_a_wrong_code_keeps_the_door_shut_and_throttles(worker, enrolled):
    client = sign_in(worker)

    wrong = client.post(VERIFY, {"token": "123456"})
    assert wrong.status_code == 200
    assert "not valid" in wrong.content.decode()
    assert client.get("/projects/").status_code == 302

    # Straight after a wrong code even the right one waits.
    throttled = client.post(VERIFY, {"token": token(enrolled)})
    assert "Too many wrong codes" in throttled.content.decode()
    assert client.get("/projects/").status_code == 302


@pytest.mark.parametrize("value", ["12345", "abcdef", ""])
def test_malformed_codes_get_a_field_message(worker, enrolled, value):
    response = sign_in(worker).post(VERIFY, {"token": value})

    assert response.status_code == 200
    assert response.context["form"].errors["token"]


def test_next_never_leaves_the_portal(worker, enrolled):
    client = sign_in(worker)

    response = client.post(VERIFY, {"token": token(enrolled), "next": "https://evil.example.org/"})

    assert response["Location"] == reverse("home")


def test_signing_out_works_before_the_second_factor(worker):
    client = sign_in(worker)

    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("who", ["officer_eg", "me", "donor_a", "analyst"])
def test_other_roles_need_no_second_factor(users, who):
    client = sign_in(users[who])

    assert client.get("/projects/").status_code == 200
    assert client.get(ENROL)["Location"] == reverse("home")
    assert not access.needs_second_factor(users[who])


# Administrators ------------------------------------------------------------------


@pytest.fixture
def admin_user(db):
    return f.UserFactory(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)


def test_an_administrator_enrols_at_first_sign_in(admin_user, cases):
    client = sign_in(admin_user)

    for path in [*BLOCKED, "/admin/accounts/user/", "/assistance/cases/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(f"{ENROL}?next="), path
    assert client.get("/api/v1/projects/").status_code == 403

    client.get(ENROL)
    device = AuthenticatorDevice.objects.get(user=admin_user)
    done = client.post(ENROL, {"token": token(device), "next": "/admin/"})

    assert done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/api/v1/projects/").status_code == 200


def test_an_enrolled_administrator_verifies_before_the_admin(admin_user):
    device = f.confirmed_device(admin_user)
    client = sign_in(admin_user)

    assert client.get("/admin/")["Location"].startswith(f"{VERIFY}?next=")
    client.post(VERIFY, {"token": token(device)})

    assert client.get("/admin/").status_code == 200


def test_the_admin_sign_in_page_leads_to_the_second_factor(admin_user):
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": admin_user.username, "password": PASSWORD, "next": "/admin/"},
    )

    assert response.status_code == 302
    assert client.get("/admin/")["Location"].startswith(f"{ENROL}?next=")


def test_staff_of_any_role_give_a_second_factor(db):
    staff = f.UserFactory(role=Role.ME_OFFICER, is_staff=True)

    assert access.requires_second_factor(staff)
    assert sign_in(staff).get("/admin/")["Location"].startswith(f"{ENROL}?next=")


def test_a_reused_code_is_refused(worker, enrolled):
    code = token(enrolled)
    first = sign_in(worker)
    assert first.post(VERIFY, {"token": code})["Location"] == reverse("home")

    again = sign_in(worker).post(VERIFY, {"token": code})

    assert again.status_code == 200
    # Right but used: the person is told to wait for the next code, not that it is wrong.
    assert "already been used" in again.content.decode()
    assert "Wait for the next code" in again.content.decode()


def test_the_secret_is_encrypted_at_rest(worker, enrolled):
    from django.db import connection

    table = AuthenticatorDevice._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key FROM {table} WHERE user_id = %s", [worker.pk])  # noqa: S608
        (stored,) = cursor.fetchone()

    assert enrolled.key not in stored
    assert enrolled.key.upper() not in stored
    assert b32encode(enrolled.bin_key).decode() not in stored
    assert stored.startswith("gAAAAA")  # a Fernet token
    assert AuthenticatorDevice.objects.get(pk=enrolled.pk).key == enrolled.key
