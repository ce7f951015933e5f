import pytest
from django.urls import reverse

from ctportal import health


def _fail():
    raise ConnectionError("unreachable")


@pytest.mark.django_db
def test_healthz_reports_every_check(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {
        "database": {"status": "ok"},
        "cache": {"status": "ok"},
        "broker": {"status": "eager"},
        "storage": {"status": "ok"},
        "worker": {"status": "eager"},
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("check", ["database", "cache", "storage"])
def test_healthz_is_503_when_a_check_fails(client, monkeypatch, check):
    monkeypatch.setitem(health.CHECKS, check, _fail)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"][check] == {"status": "down", "error": "ConnectionError"}
    assert "unreachable" not in response.content.decode()


@pytest.mark.django_db
def test_healthz_needs_no_login_and_only_answers_get(client):
    assert client.post(reverse("healthz")).status_code == 405


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy(client):
    response = client.get(reverse("login"))

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


def test_healthz_answers_within_a_second_with_redis_down(client, db, settings):
    import socket
    import time

    from ctportal.celery import app
    from ctportal.settings.base import redis_cache

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    settings.CACHES = {"default": redis_cache(closed)}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    broker = app.conf.broker_url
    app.conf.broker_url = closed
    try:
        client.get(reverse("healthz"))  # a running server has its modules loaded
        started = time.monotonic()
        response = client.get(reverse("healthz"))
        elapsed = time.monotonic() - started
    finally:
        app.conf.broker_url = broker

    assert elapsed < 1
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == {"status": "ok"}
    assert checks["cache"]["status"] == checks["broker"]["status"] == "down"


@pytest.fixture
def web_server(transactional_db, tmp_path):
    """gunicorn on the test database, keeping its connections as in production."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    from django.db import connection

    from tests.ctportal.test_celery_worker import worker_database_url

    if connection.vendor != "postgresql":
        pytest.skip("ends PostgreSQL backend connections; CI runs it on PostgreSQL")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "ctportal.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": worker_database_url(),
        "CONN_MAX_AGE": "60",
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": "1",
    }
    root = Path(__file__).resolve().parents[2]
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = (tmp_path / "web.log").open("w")
    process = subprocess.Popen(
        [str(gunicorn), "ctportal.wsgi", "--config", "gunicorn.conf.py"],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/healthz"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - our own server
                break
        except OSError:
            time.sleep(0.3)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_requests_go_on_when_postgresql_ends_every_connection(web_server):
    import urllib.request

    from django.db import connection

    def get() -> int:
        try:
            with urllib.request.urlopen(web_server, timeout=10) as response:  # noqa: S310
                return response.status
        except Exception:  # noqa: BLE001 - a failed request is what the test counts
            return 0

    statuses = [get() for _ in range(10)]
    with connection.cursor() as cursor:
        # This test database's other connections only: the server's.
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        ended = cursor.fetchone()[0]
    statuses += [get() for _ in range(20)]

    assert ended >= 1
    assert statuses == [200] * 30


@pytest.mark.django_db
def test_a_file_storage_that_loses_files_is_reported_down(client, monkeypatch):
    from django.core.files.storage import default_storage

    monkeypatch.setattr(default_storage, "open", lambda name, mode="rb": _fail())

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["status"] == "down"
    assert not default_storage.listdir("healthz")[1], "the probe file is removed even so"


@pytest.mark.django_db
def test_a_worker_that_beat_a_minute_ago_is_ok(client, settings):
    from ctportal.observability import tasks

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.WORKER_HEARTBEAT_STALE_AFTER = 180
    tasks.heartbeat_record(hostname="worker@a")

    body = client.get(reverse("healthz")).json()

    assert body["status"] == "ok"
    assert body["checks"]["worker"]["status"] == "ok"
    assert 0 <= body["checks"]["worker"]["last_seen_seconds"] <= 5


@pytest.mark.django_db
@pytest.mark.parametrize("seconds_ago", [None, 600])
def test_a_silent_worker_degrades_the_report_but_the_node_still_serves(
    client, settings, monkeypatch, seconds_ago
):
    import time

    from django.core.cache import cache

    from ctportal.observability import tasks

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.WORKER_HEARTBEAT_STALE_AFTER = 180
    if seconds_ago is not None:
        cache.set(tasks.HEARTBEAT_KEY, {"at": time.time() - seconds_ago, "hostname": "w"})
    # The broker check would try a real connection: only the worker is under test here.
    monkeypatch.setitem(health.CHECKS, "broker", lambda: "ok")

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["worker"]["status"] == "stale"
    assert body["checks"]["worker"]["last_seen_seconds"] == (
        None if seconds_ago is None else pytest.approx(seconds_ago, abs=5)
    )
