"""The two-node check's own stack (see nodes_check.py): settings, processes, database, and
a browser that reaches the nodes the way the reverse proxy does."""

from __future__ import annotations

import http.client
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Callable
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import stack
from cryptography.fernet import Fernet
from stack import ROOT, log, redis_answers

PYTHON = sys.executable
BIN = Path(sys.executable).parent
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


class Failed(Exception):
    pass


def check(condition: bool, what: str) -> None:
    if not condition:
        raise Failed(what)
    log(f"ok: {what}")


# --- processes ------------------------------------------------------------------------


def wait_until(check_up: Callable[[], bool], seconds: float, what: str) -> None:
    stack.wait_until(check_up, seconds, what, work=WORK, error=Failed, pause=0.3)


def redis_up() -> bool:
    return redis_answers(REDIS_PORT)


def sql(query: str, params: tuple = (), *, database: str = DB) -> list[tuple]:
    return stack.sql(query, params, database=database)


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
