"""Fault drill (`make faults`): the portal under load while its parts fail, one at a time.

Starts its own Redis (a free loopback port), Celery worker with beat and gunicorn,
all on 127.0.0.1, over the PostgreSQL database FAULTS_DB (default
ctportal_h_faults). For each fault it runs a bounded request loop (API lists with a
token, pages, /healthz, and portfolio exports requested through the page), injects
the fault, repairs it, and prints: errors seen, seconds to recover, jobs lost,
jobs duplicated. Everything it started is stopped at the end; nothing else is
touched (the fault on PostgreSQL ends the connections to its own database only).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(sys.executable).parent
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
DB = os.environ.get("FAULTS_DB", "ctportal_h_faults")
# A password for the drill's own analyst, new every run.
PASSWORD = secrets.token_urlsafe(24)
# Bounds of every request loop: no fault drill runs away.
MAX_REQUESTS = 3000
MAX_SECONDS = 75
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
WORK = Path(tempfile.mkdtemp(prefix="ctportal-faults-"))
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
from rest_framework.authtoken.models import Token
from accounts.models import User
from ctportal.access import Role
from projects.models import Project, PortfolioExport
from tests import factories as f
PortfolioExport.objects.all().delete()
user, _ = User.objects.get_or_create(username="faults-analyst", defaults={{"role": Role.ANALYST}})
user.role = Role.ANALYST
user.set_password({PASSWORD!r})
user.save()
print(Token.objects.get_or_create(user=user)[0].key)
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
print(Token.objects.get_or_create(user=user)[0].key)
"""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- the processes this drill owns -------------------------------------------------


class Process:
    def __init__(self, name: str, args: list[str]):
        self.name, self.args, self.popen = name, args, None

    def start(self) -> None:
        logfile = (WORK / f"{self.name}.log").open("a")
        self.popen = subprocess.Popen(  # noqa: S603 - our own fixed command lines
            self.args,
            cwd=ROOT,
            env=ENV,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed as one, nothing else
        )

    def kill(self) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


REDIS = Process(
    "redis",
    [
        shutil.which("redis-server") or "redis-server",
        *("--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", ""),
        *("--appendonly", "no", "--dir", str(WORK)),
    ],
)
WORKER = Process(
    "worker",
    [
        *(str(BIN / "celery"), "-A", "ctportal", "worker", "-B", "--loglevel=WARNING"),
        *("--concurrency=2", "--without-gossip", "--without-mingle"),
        *("--schedule", str(WORK / "beat-schedule")),
    ],
)
WEB = Process("web", [str(BIN / "gunicorn"), "ctportal.wsgi", "--config", "gunicorn.conf.py"])


def wait_until(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001,S110 - not up yet
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up within {seconds} s (logs in {WORK})")


def redis_up() -> bool:
    with socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=1) as conn:
        conn.sendall(b"PING\r\n")
        return conn.recv(16).startswith(b"+PONG")


# --- the database --------------------------------------------------------------------


def sql(query: str, params: tuple = (), *, database: str = DB) -> list[tuple]:
    conn = psycopg2.connect(dbname=database, **PG)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        conn.close()


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


# --- the people using the portal -------------------------------------------------------


class Visitor:
    """An analyst with a token for the API and a signed-in browser session for pages."""

    def __init__(self, token: str):
        self.token = token
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def _open(self, path: str, *, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(BASE + path, data=body, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def _csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def sign_in(self, username: str = "faults-analyst") -> None:
        self._open("/accounts/login/")
        status, _ = self._open(
            "/accounts/login/",
            data={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self._csrf(),
            },
            headers={"Referer": BASE + "/accounts/login/"},
        )
        if status >= 400:
            raise RuntimeError(f"sign-in answered {status}")

    def api(self) -> int:
        status, body = self._open(
            "/api/v1/projects/?page_size=100", headers={"Authorization": f"Token {self.token}"}
        )
        if status == 200 and json.loads(body)["count"] < 1:
            return 599
        return status

    def page(self) -> int:
        return self._open("/projects/exports/")[0]

    def health(self) -> int:
        return self._open("/healthz")[0]

    def request_export(self, fmt: str = "csv") -> tuple[int, float]:
        started = time.monotonic()
        status, _ = self._open(
            "/projects/exports/",
            data={"format": fmt, "csrfmiddlewaretoken": self._csrf()},
            headers={"Referer": BASE + "/projects/exports/"},
        )
        return status, time.monotonic() - started

    def upload_sheet(self, session: int, rows: int, tag: str) -> int:
        """Post an attendance sheet of ``rows`` new people (a job for the worker)."""
        lines = [",".join(SHEET_COLUMNS)]
        for n in range(rows):
            sex = "female" if n % 2 else "male"
            lines.append(f"Drill {tag} {n},{sex},,,police,,,,yes,,50")
        boundary = secrets.token_hex(12)
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f'{self._csrf()}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="drill.csv"\r\nContent-Type: text/csv\r\n\r\n'
            + "\n".join(lines)
            + f"\r\n--{boundary}--\r\n"
        ).encode()
        path = f"/trainings/{session}/import/"
        self._open(path)
        request = urllib.request.Request(  # noqa: S310 - our own server
            BASE + path,
            data=body,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Referer": BASE + path,
            },
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def run_again_import(self, pk: int) -> int:
        return self._open(
            f"/trainings/imports/{pk}/run-again/",
            data={"csrfmiddlewaretoken": self._csrf()},
            headers={"Referer": BASE + "/projects/"},
        )[0]

    def run_again(self, pk: int) -> int:
        return self._open(
            f"/projects/exports/{pk}/run-again/",
            data={"csrfmiddlewaretoken": self._csrf()},
            headers={"Referer": BASE + "/projects/exports/"},
        )[0]


@dataclass
class Result:
    name: str
    requests: int = 0
    errors: int = 0
    recover_seconds: float | None = None
    exports: list[int] = field(default_factory=list)
    slowest_request: float = 0.0
    lost: int = 0
    duplicated: int = 0
    reruns: int = 0


def newest_export_id() -> int:
    return sql("SELECT coalesce(max(id), 0) FROM projects_portfolioexport")[0][0]


def drill(
    visitor: Visitor,
    name: str,
    inject: Callable[[], None],
    repair: Callable[[], None] | None,
    *,
    hold: float,
    exports_before: int = 2,
) -> Result:
    """Load, fault, repair, and load until everything is well again (bounded)."""
    result = Result(name)
    known = newest_export_id()
    started = time.monotonic()
    injected = repaired = None
    step = 0
    while result.requests < MAX_REQUESTS and time.monotonic() - started < MAX_SECONDS:
        now = time.monotonic()
        if injected is None and (step >= 20 or now - started > 2):
            log(f"{name}: fault")
            inject()
            injected = now
        if injected is not None and repaired is None and now - injected >= hold:
            if repair:
                log(f"{name}: repair")
                repair()
            repaired = time.monotonic()
        kind = step % 5
        try:
            if kind == 0 and (exports_before > 0 or injected is not None) and step % 25 == 0:
                status, seconds = visitor.request_export()
                result.slowest_request = max(result.slowest_request, seconds)
                exports_before -= 1
            elif kind == 4:
                status = visitor.health()
                status = 200 if status in (200, 503) else status  # 503 is /healthz's right answer
            elif kind % 2:
                status = visitor.api()
            else:
                status = visitor.page()
        except Exception:  # noqa: BLE001 - a refused or reset connection is an error seen
            status = 0
        result.requests += 1
        if status >= 400 or status == 0:
            result.errors += 1
        step += 1
        if repaired is not None:
            ids = list(range(known + 1, newest_export_id() + 1))
            states = export_states(ids)
            for pk, (_status, stopped) in states.items():
                if stopped:  # what the person would do on seeing "Stopped: run it again"
                    visitor.run_again(pk)
                    result.reruns += 1
            healthy = visitor.health() == 200
            if healthy and all(status == "done" for status, _ in states.values()):
                result.recover_seconds = time.monotonic() - injected
                result.exports = ids
                break
        time.sleep(PAUSE)
    result.exports = result.exports or list(range(known + 1, newest_export_id() + 1))
    states = export_states(result.exports)
    files = export_files()
    result.lost = sum(1 for status, _ in states.values() if status != "done")
    result.duplicated = sum(max(files.get(pk, 0) - 1, 0) for pk in result.exports)
    return result


def kill_one_web_worker() -> None:
    children = subprocess.run(  # noqa: S603
        ["/usr/bin/pgrep", "-P", str(WEB.popen.pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    if children:
        os.kill(int(children[0]), signal.SIGKILL)


def kill_worker_mid_job(visitor: Visitor) -> Callable[[], None]:
    """Ask for an IATI export of the whole portfolio and kill the worker while it runs."""

    def inject() -> None:
        visitor.request_export("iati")
        pk = newest_export_id()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if export_states([pk]).get(pk, ("", False))[0] == "running":
                log(f"export {pk} is running: kill the worker")
                break
            time.sleep(0.02)
        else:
            log(f"export {pk} was not seen running")
        WORKER.kill()

    return inject


def drill_import(analyst: Visitor, officer: Visitor, session: int) -> Result:
    """A big attendance sheet whose worker is killed while it imports it."""
    result = Result("Celery worker killed mid-import")
    rows, tag = 8000, secrets.token_hex(3)
    status = officer.upload_sheet(session, rows, tag)
    if status >= 400:
        raise RuntimeError(f"the sheet upload answered {status}")
    pk = sql("SELECT max(id) FROM trainings_attendanceimport")[0][0]
    deadline = time.monotonic() + 60
    state = ""
    while time.monotonic() < deadline and state not in ("validating", "writing", "done"):
        state = sql("SELECT status FROM trainings_attendanceimport WHERE id = %s", (pk,))[0][0]
        time.sleep(0.05)
    log(f"{result.name}: fault (import {pk} {state})")
    WORKER.kill()
    injected = time.monotonic()
    repaired = False
    started = time.monotonic()
    while result.requests < MAX_REQUESTS and time.monotonic() - started < MAX_SECONDS:
        if not repaired and time.monotonic() - injected > 2:
            log(f"{result.name}: repair")
            restart(WORKER, lambda: True)()
            repaired = True
        try:
            code = analyst.api()
        except Exception:  # noqa: BLE001 - a refused or reset connection is an error seen
            code = 0
        result.requests += 1
        result.errors += code >= 400 or code == 0
        state, stopped = sql(
            "SELECT status, status IN ('validating', 'writing')"
            " AND heartbeat_at < now() - %s * interval '1 second'"
            " FROM trainings_attendanceimport WHERE id = %s",
            (int(ENV["JOB_STOPPED_AFTER"]), pk),
        )[0]
        if stopped and repaired:  # what the officer would do on seeing "Stopped: run it again"
            officer.run_again_import(pk)
            result.reruns += 1
        if state in ("done", "rejected", "failed"):
            result.recover_seconds = time.monotonic() - injected
            break
        time.sleep(0.2)
    written = sql(
        "SELECT count(*), count(DISTINCT a.person_id) FROM trainings_attendance a"
        " JOIN trainings_person p ON p.id = a.person_id WHERE p.full_name LIKE %s",
        (f"Drill {tag} %",),
    )[0]
    named = (f"Drill {tag} %",)
    people = sql("SELECT count(*) FROM trainings_person WHERE full_name LIKE %s", named)
    result.exports = [pk]
    result.lost = 0 if state == "done" and written[0] == rows else 1
    result.duplicated = max(written[0] - rows, 0) + max(people[0][0] - rows, 0)
    return result


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


def main() -> int:
    log(f"work folder {WORK}; Redis on {REDIS_PORT}, web on {WEB_PORT}, database {DB}")
    token, session = prepare_database()
    results: list[Result] = []
    try:
        REDIS.start()
        wait_until(redis_up, 20, "redis")
        WEB.start()
        WORKER.start()
        visitor = Visitor(token)
        wait_until(lambda: visitor.health() == 200, 60, "web")
        visitor.sign_in()
        time.sleep(3)  # the worker connects
        results.append(
            drill(visitor, "Redis down 10 s", REDIS.kill, restart(REDIS, redis_up), hold=10)
        )
        results.append(
            drill(
                visitor,
                "Celery worker killed mid-job",
                kill_worker_mid_job(visitor),
                restart(WORKER, lambda: True),
                hold=2,
                exports_before=3,
            )
        )
        officer = Visitor(token)
        officer.sign_in("faults-officer")
        results.append(drill_import(visitor, officer, session))
        results.append(drill(visitor, "gunicorn worker killed", kill_one_web_worker, None, hold=0))
        results.append(
            drill(visitor, "PostgreSQL connections ended", end_database_connections, None, hold=0)
        )
    finally:
        for process in (WEB, WORKER, REDIS):
            process.stop()
    print()
    header = f"{'fault':32} {'requests':>8} {'errors':>6} {'recover s':>9} {'jobs':>4} "
    print(header + f"{'lost':>4} {'dup':>3} {'re-runs':>7} {'slowest request s':>17}")
    failed = False
    for r in results:
        seconds = f"{r.recover_seconds:.1f}" if r.recover_seconds is not None else "never"
        print(
            f"{r.name:32} {r.requests:>8} {r.errors:>6} {seconds:>9} {len(r.exports):>4} "
            f"{r.lost:>4} {r.duplicated:>3} {r.reruns:>7} {r.slowest_request:>17.2f}"
        )
        failed |= bool(r.errors or r.lost or r.duplicated or r.recover_seconds is None)
    print(f"\nlogs: {WORK}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
