"""Two web nodes (`make nodes-check`): what one node does, the other one sees.

Starts its own Redis, one Celery worker and two gunicorn servers with the
production settings on 127.0.0.1 (ports NODES_PORTS, default 8681 and 8682),
over one PostgreSQL database (NODES_DB, default ctportal_nodes), one Redis and
one shared media folder. This script stands where the reverse proxy stands: every
request names the public host, says it came over HTTPS and carries the
client's address in X-Forwarded-For (TRUSTED_PROXY_COUNT=1), and each request
goes to whichever node the check chooses. It shows that

- a session started on one node is valid on the other, and ends on both;
- a document uploaded through one node downloads from the other, same bytes;
- an attendance sheet sent to one node is imported by the worker, and its
  progress reads the same from both nodes until it is done;
- failed sign-ins spread over both nodes lock the account on both, and the
  lock records the client's address, not one it forged;
- the API throttle counts a caller's requests across both nodes.

Every process it started is stopped at the end; exits non-zero on any failure.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import psycopg2
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(sys.executable).parent
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
DB = os.environ.get("NODES_DB", "ctportal_nodes")
REDIS_PORT = int(os.environ.get("NODES_REDIS_PORT", "6393"))
PORTS = [int(p) for p in os.environ.get("NODES_PORTS", "8681,8682").split(",")]
PUBLIC_HOST = "ctportal.invalid"
# NODES_KEEP_DB=1 keeps the database between runs (a second run skips its migrations).
KEEP_DB = os.environ.get("NODES_KEEP_DB") == "1"
PASSWORD = secrets.token_urlsafe(18)
WORK = Path(tempfile.mkdtemp(prefix="ctportal-nodes-"))
MEDIA = WORK / "media"
# No request, poll or start-up of this check waits longer.
REQUEST_SECONDS = 30
JOB_SECONDS = 180
ANON_RATE = 4

ENV = {
    **{k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "HOME")},
    "PYTHONPATH": str(ROOT),
    "DJANGO_SETTINGS_MODULE": "ctportal.settings.production",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": PUBLIC_HOST,
    "CSRF_TRUSTED_ORIGINS": f"https://{PUBLIC_HOST}",
    "IDENTITY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
    "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
    "MEDIA_ROOT": str(MEDIA),
    "TRUSTED_PROXY_COUNT": "1",
    "API_THROTTLE_ANON": f"{ANON_RATE}/minute",
    "LOG_LEVEL": "WARNING",
    "WEB_CONCURRENCY": "1",
    "WEB_THREADS": "2",
    "JOB_HEARTBEAT": "1",
}

SEED = f"""
from accounts.models import User
from ctportal.access import Role
from tests import factories as f
from axes.models import AccessAttempt
from accounts.models import AccountLock
AccessAttempt.objects.all().delete()
AccountLock.objects.all().delete()
for name in ("nodes-officer", "nodes-locked"):
    user, _ = User.objects.get_or_create(username=name, defaults={{"role": Role.PROGRAMME_OFFICER}})
    user.set_password({PASSWORD!r})
    user.save()
from projects.models import Project
from trainings.models import TrainingSession
# A kept database (NODES_KEEP_DB) has them from the last run.
project = Project.objects.order_by("pk").first() or f.ProjectFactory()
User.objects.get(username="nodes-officer").projects.set([project])
session = (
    TrainingSession.objects.filter(project=project).first()
    or f.TrainingSessionFactory(project=project)
)
print(project.pk, session.pk)
"""
SHEET_COLUMNS = (
    *("name", "sex", "age_band", "institution", "institution_type", "role"),
    *("nationality", "country_of_work", "attended", "pre_score", "post_score"),
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Failed(Exception):
    pass


def check(condition: bool, what: str) -> None:
    if not condition:
        raise Failed(what)
    log(f"ok: {what}")


# --- processes ------------------------------------------------------------------------


class Process:
    def __init__(self, name: str, args: list[str], env: dict | None = None):
        self.name, self.args, self.env, self.popen = name, args, env or ENV, None

    def start(self) -> None:
        logfile = (WORK / f"{self.name}.log").open("a")
        self.popen = subprocess.Popen(  # noqa: S603 - our own fixed command lines
            self.args,
            cwd=ROOT,
            env=self.env,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one, nothing else
        )

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_until(check_up: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check_up():
                return
        except Exception:  # noqa: BLE001,S110 - not up yet
            pass
        time.sleep(0.3)
    raise Failed(f"{what} did not come up within {seconds} s (logs in {WORK})")


def redis_up() -> bool:
    with socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=1) as conn:
        conn.sendall(b"PING\r\n")
        return conn.recv(16).startswith(b"+PONG")


def sql(query: str, params: tuple = (), *, database: str = DB) -> list[tuple]:
    conn = psycopg2.connect(dbname=database, **PG)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        conn.close()


def prepare_database() -> tuple[int, int]:
    if not KEEP_DB:
        sql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)', database="postgres")
    if not sql("SELECT 1 FROM pg_database WHERE datname = %s", (DB,), database="postgres"):
        sql(f'CREATE DATABASE "{DB}"', database="postgres")
    manage = [PYTHON, "manage.py"]
    # The production settings serve hashed static file names: collect them first.
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run([*manage, *command, "-v", "0"], cwd=ROOT, env=ENV, check=True)  # noqa: S603
    seeded = subprocess.run(  # noqa: S603
        [*manage, "shell", "-c", SEED],
        cwd=ROOT,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    )
    project, session = seeded.stdout.split()[-2:]
    return int(project), int(session)


# --- a browser behind the reverse proxy ------------------------------------------------


class Browser:
    """One person's browser; every request passes the proxy to the node chosen."""

    def __init__(self, address: str, *, forged: str = ""):
        self.cookies: dict[str, str] = {}
        # What the proxy sends on: anything the client claimed, then the address it saw.
        self.forwarded_for = f"{forged}, {address}" if forged else address

    def request(
        self, node: int, method: str, path: str, *, body: bytes = b"", content_type: str = ""
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {
            "Host": PUBLIC_HOST,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.forwarded_for,
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Origin"] = f"https://{PUBLIC_HOST}"
            headers["Referer"] = f"https://{PUBLIC_HOST}{path}"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Content-Type"] = content_type or "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", PORTS[node], timeout=REQUEST_SECONDS)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            content = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return response.status, dict(response.headers), content
        finally:
            conn.close()

    def get(self, node: int, path: str) -> tuple[int, dict[str, str], bytes]:
        return self.request(node, "GET", path)

    def post(self, node: int, path: str, data: dict) -> tuple[int, dict[str, str], bytes]:
        fields = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data}
        return self.request(node, "POST", path, body=urlencode(fields).encode())

    def post_file(self, node: int, path: str, data: dict, name: str, content: bytes):
        boundary = secrets.token_hex(12)
        parts = []
        for key, value in {
            "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
            **data,
        }.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
            )
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        body = (
            "".join(parts).encode() + head.encode() + content + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.request(
            node, "POST", path, body=body, content_type=f"multipart/form-data; boundary={boundary}"
        )

    def sign_in(self, node: int, username: str, password: str) -> tuple[int, dict[str, str]]:
        self.get(node, "/accounts/login/")
        status, headers, _ = self.post(
            node, "/accounts/login/", {"username": username, "password": password}
        )
        return status, headers


# --- the checks -------------------------------------------------------------------------


def check_session() -> Browser:
    officer = Browser("203.0.113.10")
    status, headers = officer.sign_in(0, "nodes-officer", PASSWORD)
    where = headers.get("Location", "")
    check(status == 302 and "login" not in where, f"signed in on node A ({status} {where})")
    status, _, body = officer.get(1, "/projects/")
    check(status == 200 and b"nodes-officer" in body, "node B knows the session node A started")
    # The browser keeps its old cookie: node A must find the session gone.
    stale = dict(officer.cookies)
    officer.post(1, "/accounts/logout/", {})
    officer.cookies = stale
    status, headers, _ = officer.get(0, "/projects/")
    check(
        status == 302 and "/accounts/login/" in headers.get("Location", ""),
        "signed out on B: A too",
    )
    status, _ = officer.sign_in(1, "nodes-officer", PASSWORD)
    check(status == 302, "signed in again, on node B")
    return officer


def check_upload(officer: Browser, project: int) -> None:
    content = f"minutes of the coordination meeting {secrets.token_hex(16)}\n".encode()
    officer.get(0, f"/projects/{project}/documents/new/")
    status, _, _ = officer.post_file(
        0,
        f"/projects/{project}/documents/new/",
        {"title": "Minutes", "category": "A08", "language": "en"},
        "minutes.txt",
        content,
    )
    check(status == 302, "a document uploaded through node A")
    (document,) = sql("SELECT max(id) FROM projects_document WHERE project_id = %s", (project,))[0]
    status, _, body = officer.get(1, f"/projects/{project}/documents/{document}/")
    check(status == 200 and body == content, "node B hands out the same bytes")


def check_job_progress(officer: Browser, session: int) -> None:
    rows, tag = 3000, secrets.token_hex(3)
    lines = [",".join(SHEET_COLUMNS)]
    lines += [
        f"Nodes {tag} {n},{'female' if n % 2 else 'male'},,,police,,,,yes,,50" for n in range(rows)
    ]
    path = f"/trainings/{session}/import/"
    officer.get(0, path)
    status, _, _ = officer.post_file(0, path, {}, "sheet.csv", "\n".join(lines).encode())
    check(status in (200, 302), "an attendance sheet of 3,000 rows sent to node A")
    (pk,) = sql("SELECT max(id) FROM trainings_attendanceimport")[0]
    seen: list[tuple[int, str, int]] = []
    deadline = time.monotonic() + JOB_SECONDS
    finished = {0: None, 1: None}
    step = 0
    while time.monotonic() < deadline and not all(finished.values()):
        node = 1 if step % 3 else 0  # mostly node B, which never saw the upload
        status, _, body = officer.get(node, f"/trainings/imports/{pk}/status/")
        if status != 200:
            raise Failed(f"the import's status answered {status} on node {'AB'[node]}")
        state = json.loads(body)
        seen.append((node, state["status"], state["processed_rows"]))
        if state["finished"]:
            finished[node] = state
        step += 1
        time.sleep(0.1)
    in_progress_on_b = [s for s in seen if s[0] == 1 and s[1] not in ("done", "rejected", "failed")]
    check(
        bool(in_progress_on_b), f"node B showed the job in progress ({len(in_progress_on_b)} times)"
    )
    # Rows are counted once while checked, then again while saved: progress is the pair.
    phases = ("pending", "validating", "writing", "done")
    progress = [(phases.index(s[1]), s[2]) for s in seen if s[1] in phases]
    check(
        progress == sorted(progress) and len(progress) == len(seen),
        "its progress only went forward, whichever node answered",
    )
    check(
        all(f and f["status"] == "done" and f["processed_rows"] == rows for f in finished.values()),
        f"both nodes report it done with {rows} rows",
    )
    statuses = " > ".join(dict.fromkeys(s[1] for s in seen))
    log(
        f"   statuses seen: {statuses}; largest partial count on B: "
        f"{max((s[2] for s in in_progress_on_b), default=0)}"
    )


def check_lockout() -> None:
    attacker = Browser("198.51.100.23", forged="192.0.2.99")
    for attempt in range(5):
        status, _ = attacker.sign_in(attempt % 2, "nodes-locked", "wrong password")
    check(status == 429, "five failures over both nodes lock the account")
    owner = Browser("203.0.113.50")
    for node in (0, 1):
        status, _ = owner.sign_in(node, "nodes-locked", PASSWORD)
        check(status == 429, f"the right password is refused on node {'AB'[node]} too")
    locks = sql("SELECT host(ip_address) FROM accounts_accountlock WHERE username = 'nodes-locked'")
    check(locks == [("198.51.100.23",)], "one lock, with the address the proxy saw")


def check_throttle() -> None:
    caller = Browser("198.51.100.77")
    statuses = []
    for n in range(ANON_RATE + 1):
        # A new forged address each time: only the proxy's own entry counts.
        caller.forwarded_for = f"192.0.2.{n}, 198.51.100.77"
        status, _, _ = caller.request(
            n % 2, "POST", "/api/v1/auth/token/", body=b"{}", content_type="application/json"
        )
        statuses.append(status)
    check(
        statuses[-1] == 429 and 429 not in statuses[:-1],
        f"the API throttle counts across both nodes ({statuses})",
    )


def main() -> int:
    for port in (REDIS_PORT, *PORTS):
        if not port_free(port):
            print(f"port {port} on 127.0.0.1 is in use", file=sys.stderr)
            return 1
    redis = Process(
        "redis",
        [
            shutil.which("redis-server") or "redis-server",
            *("--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", ""),
            *("--appendonly", "no", "--dir", str(WORK)),
        ],
    )
    worker = Process(
        "worker",
        [
            *(str(BIN / "celery"), "-A", "ctportal", "worker", "--loglevel=WARNING"),
            *("--concurrency=1", "--without-gossip", "--without-mingle"),
        ],
    )
    nodes = [
        Process(
            f"web-{port}",
            [str(BIN / "gunicorn"), "ctportal.wsgi", "--config", "gunicorn.conf.py"],
            {**ENV, "WEB_BIND": f"127.0.0.1:{port}"},
        )
        for port in PORTS
    ]
    started = time.monotonic()
    log(f"work folder {WORK}; Redis on {REDIS_PORT}, nodes on {PORTS}, database {DB}")
    try:
        redis.start()
        wait_until(redis_up, 20, "redis")
        project, session = prepare_database()
        for process in (worker, *nodes):
            process.start()
        probe = Browser("203.0.113.1")
        for node in (0, 1):
            wait_until(lambda n=node: probe.get(n, "/healthz")[0] == 200, 90, f"node {node}")
        officer = check_session()
        check_upload(officer, project)
        check_job_progress(officer, session)
        check_lockout()
        check_throttle()
    except Failed as exc:
        print(f"\nNODES CHECK FAILED: {exc} (logs in {WORK})", file=sys.stderr)
        return 1
    finally:
        for process in (*nodes, worker, redis):
            process.stop()
        if not KEEP_DB:
            sql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)', database="postgres")
    log(f"nodes check passed in {time.monotonic() - started:.0f} s")
    shutil.rmtree(WORK, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
