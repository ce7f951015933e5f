"""The fault drill's own stack: Redis, a Celery worker with beat and gunicorn on 127.0.0.1,
over the PostgreSQL database FAULTS_DB, with short job clocks (see faults.py)."""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import stack
from stack import ROOT, Process, redis_answers, redis_server

PYTHON = sys.executable
BIN = Path(sys.executable).parent
DB = os.environ.get("FAULTS_DB", "ctportal_faults")
# A password for the drill's own analyst, new every run.
PASSWORD = secrets.token_urlsafe(24)
# Bounds of every request loop: no fault drill runs away.
MAX_REQUESTS = 3000
MAX_SECONDS = 90
PAUSE = 0.05


def free_port(preferred: int = 0) -> int:
    for candidate in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free port")


REDIS_PORT = free_port(int(os.environ.get("FAULTS_REDIS_PORT", "6391")))
WEB_PORT = free_port(18791)
BASE = f"http://127.0.0.1:{WEB_PORT}"
WORK = Path(os.environ.get("FAULTS_WORK") or tempfile.mkdtemp(prefix="ctportal-faults-"))
MEDIA = WORK / "media"

ENV = {
    **{k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "HOME")},
    "PYTHONPATH": str(ROOT),
    "DJANGO_SETTINGS_MODULE": "ctportal.settings.local",
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
    "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
    "CONN_MAX_AGE": "60",
    "MEDIA_ROOT": str(MEDIA),
    "LOG_LEVEL": "WARNING",
    # Short job clocks, so a drill takes seconds, not the production minutes.
    "JOB_HEARTBEAT": "1",
    "JOB_STOPPED_AFTER": "5",
    "JOB_TIME_LIMIT": "30",
    "CELERY_VISIBILITY_TIMEOUT": "40",
    "JOB_RESEND_AFTER": "8",
    "JOB_SWEEP": "2",
    # A worker whose consumer takes nothing for 20 s while Redis is up stops itself: longer
    # than Celery's pauses between reconnection attempts after a 10 s outage (2, 4, 6 s),
    # so a worker still reconnecting is never taken for a stalled one.
    "WORKER_WATCHDOG_INTERVAL": "2",
    "WORKER_WATCHDOG_GRACE": "20",
    "API_THROTTLE_USER_BURST": "100000/minute",
    "API_THROTTLE_USER": "1000000/hour",
    "WEB_BIND": f"127.0.0.1:{WEB_PORT}",
    "WEB_CONCURRENCY": "2",
    "WEB_THREADS": "2",
}

SHEET_COLUMNS = (
    *("name", "sex", "age_band", "institution", "institution_type", "role"),
    *("nationality", "country_of_work", "attended", "pre_score", "post_score"),
)

SEED = f"""
from accounts.services import api_token_create
from accounts.models import User
from ctportal.access import Role
from projects.models import Project, PortfolioExport
from tests import factories as f
PortfolioExport.objects.all().delete()
user, _ = User.objects.get_or_create(username="faults-analyst", defaults={{"role": Role.ANALYST}})
user.role = Role.ANALYST
user.set_password({PASSWORD!r})
user.save()
missing = 150 - Project.objects.count()
if missing > 0:
    f.ProjectFactory.create_batch(missing)
from trainings.models import TrainingSession
officer, _ = User.objects.get_or_create(
    username="faults-officer", defaults={{"role": Role.PROGRAMME_OFFICER}}
)
officer.set_password({PASSWORD!r})
officer.save()
project = Project.objects.order_by("pk").first()
officer.projects.set([project])
session = f.TrainingSessionFactory(project=project)
print(session.pk)
print(api_token_create(user=user, name="fault drill", second_factor=False)[1])
"""


# --- the processes this drill owns -------------------------------------------------


REDIS = redis_server(REDIS_PORT, env=ENV, work=WORK)
WORKER_NAME = "faults@localhost"
WORKER = Process(
    "worker",
    [
        *(str(BIN / "celery"), "-A", "ctportal", "worker", "-B", "--loglevel=WARNING"),
        *("--concurrency=2", "--without-gossip", "--without-mingle", "-n", WORKER_NAME),
        *("--schedule", str(WORK / "beat-schedule")),
    ],
    env=ENV,
    work=WORK,
    supervised=True,
)
WEB = Process(
    "web",
    [str(BIN / "gunicorn"), "ctportal.wsgi", "--config", "gunicorn.conf.py"],
    env=ENV,
    work=WORK,
)


def wait_until(check: Callable[[], bool], seconds: float, what: str) -> None:
    stack.wait_until(check, seconds, what, work=WORK)


def redis_up() -> bool:
    return redis_answers(REDIS_PORT)


# --- the database --------------------------------------------------------------------


def sql(query: str, params: tuple = (), *, database: str = DB) -> list[tuple]:
    return stack.sql(query, params, database=database)


def prepare_database() -> str:
    if not sql("SELECT 1 FROM pg_database WHERE datname = %s", (DB,), database="postgres"):
        sql(f'CREATE DATABASE "{DB}"', database="postgres")
    manage = [PYTHON, "manage.py"]
    migrate = [*manage, "migrate", "--noinput", "-v", "0"]
    subprocess.run(migrate, cwd=ROOT, env=ENV, check=True)  # noqa: S603
    seed = [*manage, "shell", "-c", SEED]
    seeded = subprocess.run(  # noqa: S603
        seed, cwd=ROOT, env=ENV, check=True, capture_output=True, text=True
    )
    *_, session, token = seeded.stdout.strip().splitlines()
    return token, int(session)


def export_states(ids: list[int]) -> dict[int, tuple[str, bool]]:
    """Each export's status and whether its worker fell silent (stopped)."""
    if not ids:
        return {}
    rows = sql(
        "SELECT id, status, status = 'running' AND heartbeat_at < now() - %s * interval '1 second'"
        " FROM projects_portfolioexport WHERE id = ANY(%s)",
        (int(ENV["JOB_STOPPED_AFTER"]), ids),
    )
    return {pk: (status, stopped) for pk, status, stopped in rows}


def export_files() -> dict[int, int]:
    counts: dict[int, int] = {}
    folder = MEDIA / "exports"
    for path in folder.glob("portfolio-*") if folder.exists() else []:
        match = re.match(r"portfolio-(\d+)", path.name)
        if match:
            counts[int(match.group(1))] = counts.get(int(match.group(1)), 0) + 1
    return counts


def newest_export_id() -> int:
    return sql("SELECT coalesce(max(id), 0) FROM projects_portfolioexport")[0][0]


def kill_one_web_worker() -> None:
    children = subprocess.run(  # noqa: S603
        ["/usr/bin/pgrep", "-P", str(WEB.popen.pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    if children:
        os.kill(int(children[0]), signal.SIGKILL)


def end_database_connections() -> None:
    sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = %s AND pid <> pg_backend_pid()",
        (DB,),
    )


def restart(process: Process, check: Callable[[], bool]) -> Callable[[], None]:
    def start() -> None:
        process.start()
        wait_until(check, 20, process.name)

    return start
