"""Answers for signed-in people and API answers are never cached; static files are."""

import pytest
from rest_framework.test import APIClient

from tests import factories as f


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.mark.parametrize("path", ["/projects/", "/trainings/", "/accounts/tokens/", "/admin/"])
def test_pages_of_a_signed_in_user_are_not_stored(client, users, path):
    client.force_login(users["admin"])

    response = client.get(path)

    assert response.status_code == 200
    assert no_store(response)


def test_api_answers_are_not_stored_whoever_asks(users):
    session = APIClient()
    session.force_login(users["analyst"])
    _token, secret = f.api_token(users["analyst"])
    by_token = APIClient()
    by_token.credentials(HTTP_AUTHORIZATION=f"Token {secret}")

    assert no_store(session.get("/api/v1/projects/"))
    assert no_store(by_token.get("/api/v1/projects/"))
    assert no_store(APIClient().get("/api/v1/projects/"))


def test_redirects_of_signed_in_users_are_not_stored(client, users):
    client.force_login(users["analyst"])

    response = client.get("/")

    assert response.status_code == 302
    assert no_store(response)


def test_static_files_are_not_marked(client, users):
    client.force_login(users["analyst"])

    response = client.get("/static/css/portal.css")

    assert response.status_code == 200
    assert not no_store(response)
