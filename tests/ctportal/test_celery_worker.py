"""A real Celery worker over Redis builds a portfolio export queued by the portal."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from django.db import connection

from ctportal.access import Role
from ctportal.celery import app
from projects.models import ExportStatus, PortfolioExport
from projects.tasks import build_portfolio_export
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"),
        reason="needs Redis as the Celery broker: set REDIS_URL (CI's PostgreSQL run does)",
    ),
]


def worker_database_url() -> str:
    """A URL of the test database, so the worker reads what this test committed."""
    db = settings.DATABASES["default"]
    if connection.vendor != "postgresql":
        pytest.skip("the worker shares the test database only on PostgreSQL")
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"


def worker_broker_url() -> str:
    """REDIS_URL's server, on a database of its own: the tests' cache.clear() empties theirs."""
    return urlunsplit(urlsplit(os.environ["REDIS_URL"])._replace(path="/15"))


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A solo-pool worker on a queue of its own; stopped before the database goes away."""
    queue = f"ctportal-test-{uuid.uuid4().hex[:8]}"
    broker = worker_broker_url()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ctportal.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": worker_database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MEDIA_ROOT": str(tmp_path / "media"),
        # The worker shares this process's cache, where task outcomes are counted.
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "CACHE_KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", ""),
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "ctportal", "worker"),
            *("--pool=solo", "--concurrency=1", "-Q", queue, "--loglevel=INFO"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield {
            "queue": queue,
            "broker": broker,
            "media": tmp_path / "media",
            "log": tmp_path / "worker.log",
        }
    finally:
        app.conf.task_always_eager = eager
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
        redis.Redis.from_url(broker).delete(
            queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
        )


def _wait_for(export: PortfolioExport, worker) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        export.refresh_from_db()
        if export.status in (ExportStatus.DONE, ExportStatus.FAILED):
            return
        time.sleep(0.2)
    print(worker["log"].read_text())


def test_worker_builds_a_portfolio_export(worker):
    admin = f.UserFactory(role=Role.ADMINISTRATOR)
    f.ProjectFactory.create_batch(3)
    export = PortfolioExport.objects.create(requested_by=admin, format=PortfolioExport.Format.CSV)

    # This process's app is configured eager with its broker on REDIS_URL: send over an
    # explicit connection. Results are not stored (the job's row is its outcome).
    with app.connection_for_write(worker["broker"]) as broker:
        build_portfolio_export.apply_async(
            args=[export.pk, export.attempt], queue=worker["queue"], connection=broker
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        export.refresh_from_db()
        if export.status in (ExportStatus.DONE, ExportStatus.FAILED):
            break
        time.sleep(0.2)
    else:
        print(worker["log"].read_text())

    assert export.project_count == 3
    assert export.status == ExportStatus.DONE
    assert export.finished_at is not None
    assert export.file.name.endswith(".csv")
    written = worker["media"] / export.file.name
    assert written.is_file()
    assert "CT." in written.read_text(encoding="utf-8-sig")


def test_the_worker_logs_the_request_id_and_counts_the_outcome(worker):
    from django_guid import clear_guid, set_guid

    from ctportal.observability.tasks import task_counts

    admin = f.UserFactory(role=Role.ADMINISTRATOR)
    export = PortfolioExport.objects.create(requested_by=admin, format=PortfolioExport.Format.CSV)
    request_id = uuid.uuid4().hex
    name = build_portfolio_export.name
    before = task_counts([name]).get((name, "succeeded"), 0)

    # As a request does: its id is set while the task is sent.
    set_guid(request_id)
    try:
        with app.connection_for_write(worker["broker"]) as broker:
            build_portfolio_export.apply_async(
                args=[export.pk, export.attempt], queue=worker["queue"], connection=broker
            )
    finally:
        clear_guid()
    _wait_for(export, worker)

    assert export.status == ExportStatus.DONE
    log = worker["log"].read_text()
    assert f"[{request_id}]" in log, log
    assert task_counts([name]).get((name, "succeeded"), 0) == before + 1
