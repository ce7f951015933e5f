"""Parts shared by the checks that run their own stack on 127.0.0.1 (fault drill, load
test, two-node check, restore check): processes, waiting, Redis and PostgreSQL probes."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Process:
    """One process of a stack, in its own process group, logging to ``work/<name>.log``.

    A ``supervised`` one that ends by itself is started again by ``supervise()``, as
    compose's restart policy or systemd would; one that was killed or stopped stays down.
    """

    def __init__(
        self, name: str, args: list[str], *, env: dict, work: Path, supervised: bool = False
    ):
        self.name, self.args, self.env, self.work, self.popen = name, args, env, work, None
        self.supervised, self.wanted, self.revived = supervised, False, 0

    def start(self) -> None:
        logfile = (self.work / f"{self.name}.log").open("a")
        self.popen = subprocess.Popen(  # noqa: S603 - our own fixed command lines
            self.args,
            cwd=ROOT,
            env=self.env,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed as one, nothing else
        )
        self.wanted = True

    def supervise(self) -> None:
        """Start again a supervised process that ended although it was wanted."""
        if self.supervised and self.wanted and self.popen and self.popen.poll() is not None:
            log(f"{self.name} ended by itself (exit {self.popen.returncode}): started again")
            self.revived += 1
            self.start()

    def alive(self) -> bool:
        return bool(self.popen) and self.popen.poll() is None

    def kill(self) -> None:
        self.wanted = False
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self, timeout: float = 15) -> None:
        self.wanted = False
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()


def redis_server(port: int, *, env: dict, work: Path) -> Process:
    """A throw-away Redis on 127.0.0.1:port, nothing written to disk."""
    return Process(
        "redis",
        [
            shutil.which("redis-server") or "redis-server",
            *("--port", str(port), "--bind", "127.0.0.1", "--save", ""),
            *("--appendonly", "no", "--dir", str(work)),
        ],
        env=env,
        work=work,
    )


def wait_until(
    check: Callable[[], bool],
    seconds: float,
    what: str,
    *,
    work: Path,
    error: type[Exception] = RuntimeError,
    pause: float = 0.2,
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001,S110 - not up yet
            pass
        time.sleep(pause)
    raise error(f"{what} did not come up within {seconds} s (logs in {work})")


def redis_answers(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
        conn.sendall(b"PING\r\n")
        return conn.recv(16).startswith(b"+PONG")


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def sql(query: str, params: tuple = (), *, database: str) -> list[tuple]:
    """One statement on the local PostgreSQL, in autocommit, as postgres."""
    conn = psycopg2.connect(dbname=database, **PG)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        conn.close()
