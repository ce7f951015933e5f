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
        # Only named: importing the settings and the deploy checks connect to neither.
        "DATABASE_URL": "postgres://ctportal@db.invalid:5432/ctportal",
        "REDIS_URL": "redis://redis.invalid:6379/0",
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


@pytest.mark.skipif((ROOT / ".env").exists(), reason="a local .env would supply the variables")
def test_production_refuses_to_start_without_redis():
    env = production_env()
    del env["REDIS_URL"]

    result = run("-c", f"import {PRODUCTION}", **env)

    assert result.returncode != 0
    assert "Production needs REDIS_URL" in result.stderr


@pytest.mark.skipif((ROOT / ".env").exists(), reason="a local .env would supply the variables")
@pytest.mark.parametrize("database", [None, "sqlite:////tmp/ctportal.sqlite3"])
def test_production_refuses_to_start_without_postgresql(database):
    env = production_env()
    del env["DATABASE_URL"]
    if database:
        env["DATABASE_URL"] = database

    result = run("-c", f"import {PRODUCTION}", **env)

    assert result.returncode != 0
    assert "Production needs DATABASE_URL pointing to PostgreSQL" in result.stderr


def test_production_shares_every_piece_of_state_between_nodes():
    code = (
        f"import {PRODUCTION} as s; "
        "print(s.CACHES['default']['BACKEND'], s.SESSION_ENGINE, s.AXES_HANDLER, "
        "s.CELERY_TASK_ALWAYS_EAGER, s.REST_FRAMEWORK['NUM_PROXIES'])"
    )

    result = run("-c", code, **production_env(), TRUSTED_PROXY_COUNT="2")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django_redis.cache.RedisCache",
        "accounts.sessions",
        "axes.handlers.database.AxesDatabaseHandler",
        "False",
        "2",
    ]


def test_sessions_live_in_the_shared_database():
    from django.contrib.sessions.backends import db

    from accounts import sessions

    assert issubclass(sessions.SessionStore, db.SessionStore)


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


# Redis unreachable: the cache fails open -------------------------------------------


@pytest.fixture
def cache_down(settings):
    """The production cache configuration pointed at a closed port on this machine."""
    import socket

    from ctportal.settings.base import redis_cache

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port once the probe is closed.
    settings.CACHES = {"default": redis_cache(f"redis://127.0.0.1:{port}/0")}
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "anon": "30/minute",
            "user_burst": "300/minute",
            "user": "10000/hour",
        },
    }
    return port


def test_the_api_answers_with_the_cache_down_and_says_so_in_the_log(
    portfolio, users, cache_down, caplog
):
    import time

    from rest_framework.test import APIClient

    client = APIClient()
    started = time.monotonic()
    with caplog.at_level("WARNING", logger="ctportal.cache"):
        token = client.post(
            "/api/v1/auth/token/",
            {"username": users["analyst"].username, "password": "correct horse battery staple"},
        )
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
        projects = client.get("/api/v1/projects/")

    assert token.status_code == 200
    assert projects.status_code == 200
    assert projects.json()["count"] == 3
    # Each cache call gives up at once on a refused connection (a busy CI machine aside).
    assert time.monotonic() - started < 15
    assert any(record.name == "ctportal.cache" for record in caplog.records)


def test_dashboards_answer_with_the_cache_down(client, portfolio, users, cache_down):
    from tests import factories as f

    dashboard = f.DashboardFactory(slug="outage", audience="portfolio")
    f.WidgetFactory(dashboard=dashboard, kind="kpi", metric="projects")
    client.force_login(users["admin"])

    response = client.get("/dashboards/outage/")

    assert response.status_code == 200
    assert (
        "Dashboard" in response.content.decode() or dashboard.title_en in response.content.decode()
    )


def test_the_api_throttle_lets_requests_through_with_the_cache_down(
    portfolio, users, cache_down, settings, caplog
):
    from rest_framework.test import APIClient

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user_burst": "1/minute", "user": "1/hour"},
    }
    client = APIClient()
    client.force_authenticate(users["analyst"])
    with caplog.at_level("WARNING", logger="ctportal.cache"):
        statuses = [client.get("/api/v1/projects/").status_code for _ in range(3)]

    assert statuses == [200, 200, 200]
    assert any("throttle" in record.getMessage() for record in caplog.records)
