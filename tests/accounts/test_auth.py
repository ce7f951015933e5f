import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from ctportal.access import Role
from tests import factories as f

PASSWORD = "correct horse battery staple"


@pytest.fixture
def officer(db):
    return f.UserFactory(username="officer", role=Role.PROGRAMME_OFFICER)


def login(client, username: str, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_login_page_renders(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="username"' in content
    assert 'name="password"' in content


def test_correct_login_signs_in_and_redirects_home(client, officer):
    response = login(client, "officer")

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in(client)
    assert client.get(reverse("projects:list")).status_code == 200


def test_wrong_password_shows_an_error_and_signs_nobody_in(client, officer):
    response = login(client, "officer", "wrong")

    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    assert not signed_in(client)


def test_five_failed_logins_lock_the_account(client, officer):
    responses = [login(client, "officer", f"wrong {n}") for n in range(5)]

    assert [r.status_code for r in responses[:4]] == [200] * 4
    assert responses[4].status_code == 429
    assert "Too many failed sign-in attempts" in responses[4].content.decode()
    locked = login(client, "officer")
    assert locked.status_code == 429
    assert not signed_in(client)


def test_logout_is_a_post(client, officer):
    login(client, "officer")

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert not signed_in(client)


def test_password_change(client, officer):
    login(client, "officer")
    new = "a new long passphrase 2024"

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    officer.refresh_from_db()
    assert officer.check_password(new)
    assert signed_in(client)


@pytest.mark.parametrize(
    ("new", "words"),
    [("Ab1!xyz", "too short"), ("password123", "too common"), ("73519864208", "entirely numeric")],
)
def test_password_change_refuses_short_common_and_numeric_passwords(client, officer, new, words):
    login(client, "officer")
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 200
    assert words in response.content.decode()
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)


def test_password_change_rejects_a_wrong_old_password(client, officer):
    login(client, "officer")
    new = "a new long passphrase 2024"

    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": new, "new_password2": new},
    )

    assert response.status_code == 200
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)


def test_sessions_end_after_inactivity_and_are_renewed_by_use():
    assert settings.SESSION_COOKIE_AGE <= 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_expired_session_leads_to_the_login_page(client, officer):
    login(client, "officer")
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))

    response = client.get(reverse("projects:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_user_without_role_is_signed_out_with_a_message(client, db):
    user = f.UserFactory(role="")
    client.force_login(user)

    response = client.get(reverse("projects:list"), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert not signed_in(client)
    assert "no role yet" in response.content.decode()
