import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import FieldError
from django.db import connection

from assistance import care_services, crypto, services
from assistance.checks import identity_keys
from assistance.models import CaseNote, Identity

ROOT = Path(__file__).resolve().parents[2]
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
IDENTITY = {
    "given_name": "Amina",
    "family_name": "Haile",
    "other_names": "Emuye Tesfaye",
    "date_of_birth": datetime.date(1996, 2, 3),
    "phone": "+961 70 123 456",
    "email": "amina@example.org",
    "address": "Rue Hamra 12, Beirut",
    "documents": "Passport EP1234567",
}
# Long enough that a random token cannot contain one by chance.
PLAINTEXTS = [str(v) for v in IDENTITY.values()] + ["1996-02-03", "03/02/1996", "Passport"]


def raw_rows(model) -> str:
    """The table as a database dump would show it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {model._meta.db_table}")  # noqa: S608
        return repr(cursor.fetchall())


@pytest.fixture
def saved(case_workers, cases):
    services.identity_save(user=case_workers["lb"], case=cases["lb"], data=IDENTITY)
    return cases["lb"]


def test_a_raw_read_of_the_identity_table_shows_no_plaintext(saved):
    dump = raw_rows(Identity)

    for plain in PLAINTEXTS:
        assert plain not in dump
    assert "gAAAAA" in dump  # Fernet tokens


def test_the_identity_reads_back_through_the_service(saved, case_workers):
    identity = services.identity_read(user=case_workers["lb"], case=saved)

    assert {name: getattr(identity, name) for name in IDENTITY} == IDENTITY


def test_note_text_is_encrypted_too(case_workers, cases):
    care_services.note_add(user=case_workers["lb"], case=cases["lb"], text="Amina called at 9.")

    assert "Amina" not in raw_rows(CaseNote)
    assert CaseNote.objects.get().text == "Amina called at 9."


def test_the_same_value_encrypts_differently_each_time():
    assert crypto.encrypt("Amina") != crypto.encrypt("Amina")


def test_encrypted_fields_refuse_lookups_that_cannot_work(db):
    with pytest.raises(FieldError):
        Identity.objects.filter(given_name="Amina").exists()
    with pytest.raises(FieldError):
        Identity.objects.filter(date_of_birth__year=1996).exists()
    assert not Identity.objects.filter(date_of_birth__isnull=False).exists()


def test_key_rotation_keeps_old_values_readable(settings, case_workers, cases):
    settings.IDENTITY_ENCRYPTION_KEYS = [KEY_A]
    services.identity_save(user=case_workers["lb"], case=cases["lb"], data=IDENTITY)
    old_dump = raw_rows(Identity)

    settings.IDENTITY_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert Identity.objects.get().given_name == "Amina"

    assert services.identities_reencrypt() == 1
    assert raw_rows(Identity) != old_dump

    settings.IDENTITY_ENCRYPTION_KEYS = [KEY_B]
    assert Identity.objects.get().date_of_birth == datetime.date(1996, 2, 3)
    settings.IDENTITY_ENCRYPTION_KEYS = [KEY_A]
    with pytest.raises(crypto.UndecryptableValue):
        Identity.objects.get()


def test_without_the_key_nothing_decrypts(settings, saved):
    settings.IDENTITY_ENCRYPTION_KEYS = [KEY_A]

    with pytest.raises(crypto.UndecryptableValue) as excinfo:
        Identity.objects.get()
    assert "gAAAAA" not in str(excinfo.value)


@pytest.mark.skipif(bool(os.environ.get("IDENTITY_ENCRYPTION_KEYS")), reason="real keys are set")
def test_embedded_settings_use_the_development_key_and_say_so():
    assert settings.IDENTITY_ENCRYPTION_KEYS == [settings.IDENTITY_ENCRYPTION_DEVELOPMENT_KEY]
    assert [w.id for w in identity_keys(None)] == ["assistance.W001"]


def test_no_warning_with_real_keys(settings):
    settings.IDENTITY_ENCRYPTION_KEYS = [KEY_A]
    assert identity_keys(None) == []


def production(keys: str | None) -> subprocess.CompletedProcess:
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "ctportal.settings.production",
        "SECRET_KEY": "s" * 64,
        "ALLOWED_HOSTS": "ctportal.example.org",
        "DATABASE_URL": "postgres://ctportal@db.invalid:5432/ctportal",
        "REDIS_URL": "redis://redis.invalid:6379/0",
    }
    if keys is not None:
        env["IDENTITY_ENCRYPTION_KEYS"] = keys
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import ctportal.settings.production as s; print(s.DEBUG)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.skipif((ROOT / ".env").exists(), reason="a local .env would supply the keys")
@pytest.mark.parametrize(
    "keys", [None, "", "not-a-key", settings.IDENTITY_ENCRYPTION_DEVELOPMENT_KEY]
)
def test_production_refuses_to_start_without_real_keys(keys):
    result = production(keys)

    assert result.returncode != 0
    assert "IDENTITY_ENCRYPTION_KEYS" in result.stderr


def test_production_starts_with_rotating_keys():
    result = production(f"{KEY_B},{KEY_A}")

    assert result.returncode == 0, result.stderr
