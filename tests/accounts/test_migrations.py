"""Data moved by the accounts migrations: plain TOTP secrets and DRF tokens."""

import hashlib
import importlib
from types import SimpleNamespace

from django.apps import apps
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.models import ApiToken, AuthenticatorDevice

migration = importlib.import_module("accounts.migrations.0005_encrypt_authenticators_hash_tokens")
EDITOR = SimpleNamespace(connection=connection)


def test_plain_devices_move_to_the_encrypted_table(people):
    plain = TOTPDevice.objects.create(
        user=people["worker"], name="Phone", confirmed=True, last_t=123, drift=1
    )
    secret = plain.key

    migration.move_devices(apps, EDITOR)

    assert not TOTPDevice.objects.exists()
    moved = AuthenticatorDevice.objects.get(user=people["worker"])
    assert (moved.key, moved.name, moved.confirmed, moved.last_t, moved.drift) == (
        secret,
        "Phone",
        True,
        123,
        1,
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key FROM {AuthenticatorDevice._meta.db_table}")  # noqa: S608
        assert secret not in cursor.fetchone()[0]


def test_drf_tokens_become_hashed_personal_tokens(people):
    quote = connection.ops.quote_name
    key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {quote('authtoken_token')} ({quote('key')} varchar(40) PRIMARY KEY, "
            "created timestamp with time zone NULL, user_id bigint NOT NULL)"
        )
        cursor.execute(
            f"INSERT INTO {quote('authtoken_token')} VALUES (%s, NULL, %s)",  # noqa: S608
            [key, people["analyst"].pk],
        )

    migration.hash_drf_tokens(apps, EDITOR)

    assert "authtoken_token" not in connection.introspection.table_names()
    token = ApiToken.objects.get(user=people["analyst"])
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:8] and not token.second_factor
    assert 89 <= (token.expires_at - token.created_at).days <= 90
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/projects/").status_code == 200


def test_without_drf_tokens_nothing_happens(db):
    migration.hash_drf_tokens(apps, EDITOR)

    assert not ApiToken.objects.exists()
