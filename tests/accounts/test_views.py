"""The "API tokens" page: create (secret shown once), list, revoke."""

import pytest
from django.urls import reverse

from accounts.models import ApiToken
from ctportal.access import Role
from tests import factories as f

PAGE = reverse("api_tokens")


def test_the_user_menu_links_to_the_page(client, people):
    client.force_login(people["analyst"])

    assert f'href="{PAGE}"' in client.get("/projects/").content.decode()


def test_creating_shows_the_secret_once(client, people):
    client.force_login(people["analyst"])

    response = client.post(PAGE, {"name": "Power BI", "days": 30})

    assert response.status_code == 200
    token = ApiToken.objects.get(user=people["analyst"])
    secret = response.context["secret"]
    assert secret.startswith(token.prefix)
    content = response.content.decode()
    assert secret in content and "Power BI" in content
    assert "no-store" in response["Cache-Control"]
    assert (token.expires_at - token.created_at).days == 30
    again = client.get(PAGE).content.decode()
    assert secret not in again
    assert token.prefix in again and "Power BI" in again


@pytest.mark.parametrize(
    ("data", "field"),
    [({"name": "", "days": 30}, "name"), ({"name": "x", "days": 400}, "days")],
)
def test_bad_values_are_shown_on_the_form(client, people, data, field):
    client.force_login(people["analyst"])

    response = client.post(PAGE, data)

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert response.context["secret"] is None
    assert not ApiToken.objects.exists()


def test_a_verified_case_worker_s_token_carries_the_second_factor(client, people):
    client.force_login(people["worker"])

    client.post(PAGE, {"name": "script", "days": 7})

    assert ApiToken.objects.get(user=people["worker"]).second_factor is True


def test_an_unverified_administrator_never_reaches_the_page(people):
    from django.test import Client

    from tests.accounts.conftest import PASSWORD

    client = Client()
    client.post(reverse("login"), {"username": "root", "password": PASSWORD})

    response = client.post(PAGE, {"name": "script", "days": 7})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("second_factor_enrol"))
    assert not ApiToken.objects.exists()


def test_the_list_shows_only_the_user_s_own_tokens(client, people, django_assert_max_num_queries):
    for n in range(5):
        f.api_token(people["analyst"], name=f"mine {n}")
    f.api_token(people["admin"], name="not mine")
    client.force_login(people["analyst"])

    with django_assert_max_num_queries(8):
        response = client.get(PAGE)

    content = response.content.decode()
    assert content.count("mine ") == 5
    assert "not mine" not in content


def test_revoking_stops_the_token(client, people):
    token, secret = f.api_token(people["analyst"])
    client.force_login(people["analyst"])

    response = client.post(reverse("api_token_revoke", args=[token.pk]))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == people["analyst"]
    assert client.get(PAGE).content.decode().count("Revoked") == 1
    api = client.__class__()
    assert api.get("/api/v1/projects/", HTTP_AUTHORIZATION=f"Token {secret}").status_code == 401


def test_someone_else_s_token_is_a_404_and_stays(client, people):
    token, _secret = f.api_token(people["admin"])
    client.force_login(people["analyst"])

    response = client.post(reverse("api_token_revoke", args=[token.pk]))

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_is_a_post(client, people):
    token, _secret = f.api_token(people["analyst"])
    client.force_login(people["analyst"])

    assert client.get(reverse("api_token_revoke", args=[token.pk])).status_code == 405


@pytest.mark.parametrize("role", list(Role.values))
def test_every_role_may_create_tokens(client, db, role):
    user = f.UserFactory(role=role, is_staff=role == Role.ADMINISTRATOR)
    client.force_login(user)

    response = client.post(PAGE, {"name": "x", "days": 1})

    assert response.status_code == 200
    assert ApiToken.objects.filter(user=user).count() == 1


def test_without_a_role_there_is_no_page(client, db):
    client.force_login(f.UserFactory(role=""))

    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, {"name": "x", "days": 1}).status_code == 404
    assert not ApiToken.objects.exists()


def test_sending_the_same_form_again_creates_no_second_token(client, people):
    client.force_login(people["analyst"])
    form = client.get(PAGE).context["form"]
    data = {"name": "Power BI", "days": 30, "submission": form.initial["submission"]}

    first = client.post(PAGE, data)
    again = client.post(PAGE, data)  # what a reload of the answer sends

    assert first.context["secret"]
    assert ApiToken.objects.filter(user=people["analyst"]).count() == 1
    assert again.status_code == 200
    assert again.context["secret"] is None
    content = again.content.decode()
    assert first.context["secret"] not in content
    assert "already sent" in content
    # A new form (a new submission key) creates a second token.
    fresh = again.context["form"].initial["submission"]
    assert fresh != data["submission"]
    client.post(PAGE, {**data, "submission": fresh})
    assert ApiToken.objects.filter(user=people["analyst"]).count() == 2


def test_a_form_sent_twice_at_once_creates_one_token(people, monkeypatch):
    """Both requests pass the first look; the database lets only one token per form in."""
    from django.db.models import QuerySet

    from accounts import services

    user = people["analyst"]
    services.api_token_create(user=user, name="first", second_factor=False, submission="k1")
    looks = iter([False, True])  # the second request looked before the first one committed
    monkeypatch.setattr(QuerySet, "exists", lambda self: next(looks))

    with pytest.raises(services.RepeatedSubmission):
        services.api_token_create(user=user, name="again", second_factor=False, submission="k1")

    assert list(ApiToken.objects.filter(user=user).values_list("name", flat=True)) == ["first"]
