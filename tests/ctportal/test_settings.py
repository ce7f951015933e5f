import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = "ctportal.settings.production"


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run Python in a clean environment, as a fresh production host would."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_env() -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": PRODUCTION,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "ctportal.example.org",
        "IDENTITY_ENCRYPTION_KEYS": "IYKKzGJ0NRnX_Dr3FPahPpzPmVS8RBmfZTNqEBuaQPM=",
    }


@pytest.mark.skipif((ROOT / ".env").exists(), reason="a local .env would supply the variables")
@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(missing):
    env = production_env()
    del env[missing]

    result = run("-c", f"import {PRODUCTION}", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"Set the {missing} environment variable" in result.stderr


def test_production_refuses_a_short_or_embedded_secret_key():
    for key in ("short", "embedded-insecure-key-change-me" + "x" * 40):
        result = run("-c", f"import {PRODUCTION}", **{**production_env(), "SECRET_KEY": key})

        assert result.returncode != 0
        assert "SECRET_KEY of 50 characters or more" in result.stderr


def test_production_settings_import_with_secret_key_and_hosts():
    result = run(
        "-c",
        f"import {PRODUCTION} as s; print(s.DEBUG, s.ALLOWED_HOSTS)",
        **production_env(),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['ctportal.example.org']"


def test_deploy_checks_pass_with_production_settings():
    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING", **production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
