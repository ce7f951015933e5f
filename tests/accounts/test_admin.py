"""Django admin of accounts: tokens listed and revoked, authenticators without secrets."""

from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests import factories as f


def test_administrators_list_and_revoke_tokens(client, people, django_assert_max_num_queries):
    tokens = [f.api_token(people["analyst"], name=f"script {n}") for n in range(4)]
    client.force_login(people["admin"])

    with django_assert_max_num_queries(15):
        listing = client.get("/admin/accounts/apitoken/")
    content = listing.content.decode()
    assert listing.status_code == 200
    assert all(token.prefix in content for token, _secret in tokens)
    assert all(secret not in content for _token, secret in tokens)

    revoked, kept = tokens[0], tokens[1]
    response = client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [revoked[0].pk]},
    )

    assert response.status_code == 302
    assert ApiToken.objects.get(pk=revoked[0].pk).revoked_by == people["admin"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {revoked[1]}")
    assert api.get("/api/v1/projects/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {kept[1]}")
    assert api.get("/api/v1/projects/").status_code == 200


def test_tokens_cannot_be_added_or_edited_in_the_admin(client, people):
    token, _secret = f.api_token(people["analyst"])
    client.force_login(people["admin"])

    assert client.get("/admin/accounts/apitoken/add/").status_code == 403
    page = client.get(f"/admin/accounts/apitoken/{token.pk}/change/")
    assert page.status_code == 200
    assert 'name="name"' not in page.content.decode()


def test_the_authenticator_list_shows_no_secret(client, people):
    device = f.confirmed_device(people["worker"])
    client.force_login(people["admin"])

    listing = client.get("/admin/accounts/authenticatordevice/").content.decode()
    detail = client.get(f"/admin/accounts/authenticatordevice/{device.pk}/change/")

    assert people["worker"].username in listing
    assert device.key not in listing and device.key not in detail.content.decode()
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
