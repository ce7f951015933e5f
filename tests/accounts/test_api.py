"""The token endpoint: password, and a one-time code for roles with a second factor."""

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests import factories as f
from tests.accounts.conftest import PASSWORD, TOKEN_URL, code

# What a token opens, next to what it must not open without a second factor.
DATA_URLS = [
    "/api/v1/projects/",
    "/api/v1/transactions/",
    "/api/v1/indicators/",
    "/api/v1/trainings/sessions/",
]


def ask(username: str, password: str = PASSWORD, **extra):
    return APIClient().post(TOKEN_URL, {"username": username, "password": password, **extra})


def reads(secret: str) -> list[int]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return [client.get(url).status_code for url in DATA_URLS]


def test_an_analyst_gets_a_named_expiring_token_with_a_password(people):
    response = ask("ana", name="nightly sync", days=30)

    assert response.status_code == 200
    body = response.json()
    token = ApiToken.objects.get(user=people["analyst"])
    assert body["token"].startswith(body["prefix"]) and body["prefix"] == token.prefix
    assert token.name == body["name"] == "nightly sync"
    assert (token.expires_at - token.created_at).days == 30
    assert reads(body["token"]) == [200] * len(DATA_URLS)
    assert response["Cache-Control"].count("no-store") == 1


def test_the_default_lifetime_is_ninety_days(people):
    ask("ana")

    token = ApiToken.objects.get()
    assert (token.expires_at - token.created_at).days == 90


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"days": 366}, "days"),
        ({"days": 0}, "days"),
        ({"days": "soon"}, "days"),
        ({"name": "x" * 101}, "name"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_values_get_field_errors_and_no_token(people, extra, field):
    response = ask("ana", **extra)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("who", ["worker", "admin"])
def test_without_an_enrolled_app_a_second_factor_role_gets_no_token(people, who):
    username = people[who].username

    response = ask(username)

    assert response.status_code == 400
    assert "enrol an authenticator app" in response.json()["error"]["fields"]["otp"][0]
    assert "token" not in response.json()
    assert not ApiToken.objects.exists()
    # Nor with any code made up.
    assert ask(username, otp="123456").status_code == 400
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("who", ["worker", "admin"])
def test_a_second_factor_role_gets_no_api_data_with_a_password_alone(people, who):
    f.confirmed_device(people[who])
    username = people[who].username

    without = ask(username)
    wrong = ask(username, otp="000000")

    assert without.status_code == wrong.status_code == 400
    assert without.json()["error"]["fields"]["otp"]
    assert not ApiToken.objects.exists()
    # The session of the same password alone reads no API data either.
    session = APIClient()
    session.post(
        "/accounts/login/", {"username": username, "password": PASSWORD}, format="multipart"
    )
    assert "_auth_user_id" in session.session
    assert [session.get(url).status_code for url in DATA_URLS] == [403] * len(DATA_URLS)


@pytest.mark.parametrize("who", ["worker", "admin"])
def test_with_a_valid_code_a_second_factor_role_gets_a_token(people, who):
    device = f.confirmed_device(people[who])

    response = ask(people[who].username, otp=code(device))

    assert response.status_code == 200
    assert ApiToken.objects.get(user=people[who]).second_factor is True
    assert reads(response.json()["token"]) == [200] * len(DATA_URLS)


def test_a_code_works_once(people):
    device = f.confirmed_device(people["admin"])
    once = code(device)

    assert ask("root", otp=once).status_code == 200
    again = ask("root", otp=once)

    assert again.status_code == 400
    assert "already used" in again.json()["error"]["fields"]["otp"][0]
    assert ApiToken.objects.count() == 1


def test_a_wrong_password_with_a_right_code_gets_nothing(people):
    device = f.confirmed_device(people["admin"])

    response = ask("root", "wrong", otp=code(device))

    assert response.status_code == 400
    assert "fields" in response.json()["error"]
    assert "otp" not in response.json()["error"]["fields"]
    assert not ApiToken.objects.exists()


def test_each_request_makes_a_new_token_and_the_secret_is_never_stored(people):
    first = ask("ana").json()["token"]
    second = ask("ana").json()["token"]

    assert first != second
    assert ApiToken.objects.filter(user=people["analyst"]).count() == 2
    assert reads(first) == reads(second) == [200] * len(DATA_URLS)


def test_a_locked_account_gets_no_token(people):
    for n in range(5):
        ask("ana", f"wrong {n}")

    response = ask("ana")

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "locked"
    assert not ApiToken.objects.exists()
