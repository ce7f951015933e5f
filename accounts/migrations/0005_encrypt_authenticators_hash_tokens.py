"""Authenticator secrets move to the encrypted device table; DRF tokens become hashed personal tokens.

Existing DRF tokens keep working for their owners until they expire (90 days
from this migration), except for roles that need a second factor: theirs were
issued with a password alone and stop. The plain-text DRF token table is dropped.
"""

import datetime
import hashlib

from django.db import migrations
from django.utils import timezone
from django.utils.dateparse import parse_datetime

DEVICE_FIELDS = (
    "user_id",
    "name",
    "confirmed",
    "key",
    "step",
    "t0",
    "digits",
    "tolerance",
    "drift",
    "last_t",
    "throttling_failure_timestamp",
    "throttling_failure_count",
    "created_at",
    "last_used_at",
)
DRF_TOKEN_TABLE = "authtoken_token"


def move_devices(apps, schema_editor):
    plain = apps.get_model("otp_totp", "TOTPDevice")
    sealed = apps.get_model("accounts", "AuthenticatorDevice")
    for device in plain.objects.order_by("pk").iterator():
        sealed.objects.create(**{field: getattr(device, field) for field in DEVICE_FIELDS})
    plain.objects.all().delete()


def move_devices_back(apps, schema_editor):
    plain = apps.get_model("otp_totp", "TOTPDevice")
    sealed = apps.get_model("accounts", "AuthenticatorDevice")
    for device in sealed.objects.order_by("pk").iterator():
        plain.objects.create(**{field: getattr(device, field) for field in DEVICE_FIELDS})
    sealed.objects.all().delete()


def hash_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if DRF_TOKEN_TABLE not in connection.introspection.table_names():
        return
    token = apps.get_model("accounts", "ApiToken")
    now = timezone.now()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote('key')}, user_id, created FROM {quote(DRF_TOKEN_TABLE)}")  # noqa: S608
        rows = cursor.fetchall()
        for key, user_id, created in rows:
            if isinstance(created, str):
                created = parse_datetime(created)
            if created is not None and timezone.is_naive(created):
                # SQLite hands raw timestamps back without their zone; they are UTC.
                created = timezone.make_aware(created, datetime.timezone.utc)
            token.objects.create(
                user_id=user_id,
                name="Token from before personal tokens",
                prefix=key[:8],
                digest=hashlib.sha256(key.encode()).hexdigest(),
                second_factor=False,
                created_at=created or now,
                expires_at=now + datetime.timedelta(days=90),
            )
        cursor.execute(f"DROP TABLE {quote(DRF_TOKEN_TABLE)}")
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_personal_tokens_authenticators_locks"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunPython(move_devices, move_devices_back),
        migrations.RunPython(hash_drf_tokens, migrations.RunPython.noop),
    ]
