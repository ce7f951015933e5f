"""Services of accounts: token rules and the rotation of authenticator secrets."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection

from accounts import services
from accounts.models import ApiToken, AuthenticatorDevice
from tests import factories as f

KEY_A, KEY_B = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.mark.parametrize("who", ["worker", "admin"])
def test_second_factor_roles_get_no_token_without_it(people, who):
    with pytest.raises(ValidationError) as excinfo:
        services.api_token_create(user=people[who], name="x", second_factor=False)

    assert "otp" in excinfo.value.message_dict
    assert not ApiToken.objects.exists()


def test_a_user_without_a_role_gets_no_token(db):
    with pytest.raises(PermissionDenied):
        services.api_token_create(user=f.UserFactory(role=""), name="x", second_factor=True)


def test_a_token_lasts_at_most_a_year(people):
    with pytest.raises(ValidationError):
        services.api_token_create(user=people["analyst"], name="x", days=366, second_factor=False)
    token, _secret = services.api_token_create(
        user=people["analyst"], name="x", days=365, second_factor=False
    )
    assert (token.expires_at - token.created_at).days == 365


def test_only_the_owner_or_an_administrator_revokes(people):
    token, _secret = f.api_token(people["analyst"])

    with pytest.raises(PermissionDenied):
        services.api_token_revoke(token=token, by=people["worker"])
    assert services.api_token_revoke(token=token, by=people["admin"]).revoked_by == people["admin"]
    # Revoking again keeps the first record.
    assert (
        services.api_token_revoke(token=token, by=people["analyst"]).revoked_by == people["admin"]
    )


def stored_key(device) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT key FROM {AuthenticatorDevice._meta.db_table} WHERE id = %s",  # noqa: S608
            [device.pk],
        )
        return cursor.fetchone()[0]


def test_rotation_re_encrypts_authenticator_secrets(settings, people):
    settings.IDENTITY_ENCRYPTION_KEYS = [KEY_A]
    device = f.confirmed_device(people["worker"])
    secret = device.key
    assert Fernet(KEY_A).decrypt(stored_key(device).encode()).decode() == secret

    settings.IDENTITY_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    call_command("rotate_identity_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert Fernet(KEY_B).decrypt(stored_key(device).encode()).decode() == secret
    settings.IDENTITY_ENCRYPTION_KEYS = [KEY_B]
    assert AuthenticatorDevice.objects.get(pk=device.pk).key == secret
