"""Personal tokens at work: hashed at rest, and stopped at once when they should be."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.authentication import LAST_USED_RESOLUTION
from accounts.models import ApiToken
from accounts.services import api_token_revoke
from tests import factories as f
from tests.accounts.conftest import PASSWORD

URL = "/api/v1/projects/"


def client_with(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_only_a_digest_of_the_secret_is_in_the_table(people):
    token, secret = f.api_token(people["analyst"])

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")  # noqa: S608
        rows = cursor.fetchall()

    stored = repr(rows)
    assert len(rows) == 1
    assert secret not in stored
    assert secret[len(token.prefix) :] not in stored
    assert secret[-20:] not in stored
    assert token.prefix in stored
    assert client_with(secret).get(URL).status_code == 200


def test_the_token_is_used_and_its_last_use_recorded(people):
    token, secret = f.api_token(people["analyst"])
    assert token.last_used_at is None

    assert client_with(secret).get(URL).status_code == 200

    token.refresh_from_db()
    assert token.last_used_at is not None
    first = token.last_used_at
    client_with(secret).get(URL)
    token.refresh_from_db()
    assert token.last_used_at == first  # written at most once a minute
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - LAST_USED_RESOLUTION)
    client_with(secret).get(URL)
    token.refresh_from_db()
    assert token.last_used_at > first - LAST_USED_RESOLUTION


def assert_refused(secret: str, words: str) -> None:
    response = client_with(secret).get(URL)
    assert response.status_code == 401
    assert words in response.json()["error"]["message"]
    assert "WWW-Authenticate" in response


def test_an_expired_token_answers_401(people):
    token, secret = f.api_token(people["analyst"])
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    assert_refused(secret, "expired")


def test_a_revoked_token_answers_401(people):
    token, secret = f.api_token(people["analyst"])
    assert client_with(secret).get(URL).status_code == 200

    api_token_revoke(token=token, by=people["analyst"])

    assert_refused(secret, "revoked")


def test_a_deactivated_account_s_token_answers_401(people):
    _token, secret = f.api_token(people["analyst"])
    people["analyst"].is_active = False
    people["analyst"].save()

    assert_refused(secret, "inactive")


def test_a_locked_account_s_token_answers_401_at_once(people):
    _token, secret = f.api_token(people["analyst"])
    assert client_with(secret).get(URL).status_code == 200

    for n in range(5):
        Client(REMOTE_ADDR=f"10.0.0.{n + 1}").post(
            "/accounts/login/", {"username": "ana", "password": f"wrong {n}"}
        )

    assert_refused(secret, "locked")


def test_four_failures_do_not_stop_a_token(people):
    _token, secret = f.api_token(people["analyst"])
    for n in range(4):
        Client().post("/accounts/login/", {"username": "ana", "password": f"wrong {n}"})

    assert client_with(secret).get(URL).status_code == 200


def test_a_token_issued_without_a_second_factor_stops_when_the_role_needs_one(people):
    _token, secret = f.api_token(people["analyst"], second_factor=False)
    assert client_with(secret).get(URL).status_code == 200

    people["analyst"].role = "administrator"
    people["analyst"].save()

    assert_refused(secret, "second factor")


@pytest.mark.parametrize("header", ["Token nope", "Token ", "Token a b", "Bearer x"])
def test_malformed_or_unknown_tokens_are_not_accepted(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    assert client.get(URL).status_code == 401


def test_a_token_opens_no_pages_of_the_portal(people):
    _token, secret = f.api_token(people["analyst"])

    response = APIClient().get("/projects/", HTTP_AUTHORIZATION=f"Token {secret}")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_password_sign_in_still_works_beside_tokens(people):
    client = APIClient()
    client.post("/accounts/login/", {"username": "ana", "password": PASSWORD}, format="multipart")

    assert client.get(URL).status_code == 200
