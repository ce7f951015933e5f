"""Fault drill (`make faults`): the portal under load while its parts fail, one at a time.

Starts its own Redis (a free loopback port), Celery worker with beat and gunicorn,
all on 127.0.0.1, over the PostgreSQL database FAULTS_DB (default
ctportal_faults). For each fault it runs a bounded request loop (API lists with a
token, pages, /healthz, and portfolio exports requested through the page), injects
the fault, repairs it, and prints: errors seen, seconds to recover, jobs lost,
jobs duplicated. Everything it started is stopped at the end; nothing else is
touched (the fault on PostgreSQL ends the connections to its own database only).
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import redis
from faults_stack import (
    BIN,
    DB,
    ENV,
    MAX_REQUESTS,
    MAX_SECONDS,
    PAUSE,
    REDIS,
    REDIS_PORT,
    ROOT,
    WEB,
    WEB_PORT,
    WORK,
    WORKER,
    WORKER_NAME,
    end_database_connections,
    export_files,
    export_states,
    kill_one_web_worker,
    newest_export_id,
    prepare_database,
    redis_up,
    restart,
    sql,
    wait_until,
)
from faults_visitor import Visitor
from stack import log


def exports_after(known: int) -> list[int]:
    rows = sql("SELECT id FROM projects_portfolioexport WHERE id > %s ORDER BY id", (known,))
    return [pk for (pk,) in rows]


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
        WORKER.supervise()
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
            ids = exports_after(known)
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
    result.exports = result.exports or exports_after(known)
    states = export_states(result.exports)
    files = export_files()
    result.lost = sum(1 for status, _ in states.values() if status != "done")
    result.duplicated = sum(max(files.get(pk, 0) - 1, 0) for pk in result.exports)
    return result


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


def stop_consuming(visitor: Visitor) -> Callable[[], None]:
    """The worker stays up but takes no more tasks, as after a broker reconnection gone wrong
    (celery/celery#10205), and an export is asked for: the consumer is told to leave its
    queues. Its own watchdog has to notice and stop it, and the supervisor starts a fresh one
    that builds the export."""

    def inject() -> None:
        for queue in ("celery", f"{WORKER_NAME}.dq2"):
            done = subprocess.run(  # noqa: S603 - our own fixed command line
                [
                    *(str(BIN / "celery"), "-A", "ctportal", "control", "cancel_consumer"),
                    *(queue, "-d", WORKER_NAME, "--timeout", "5"),
                ],
                cwd=ROOT,
                env=ENV,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            answer = done.stdout.strip().splitlines()[-1:] or [done.stderr.strip()]
            log(f"cancel_consumer {queue}: {answer[0].strip()}")
        visitor.request_export()

    return inject


def explain(result: Result) -> None:
    """What a drill that failed left behind: job states, the queue, the worker's last words."""
    states = export_states(result.exports)
    counts: dict[str, int] = {}
    for status, stopped in states.values():
        key = f"{status} (stopped)" if stopped else status
        counts[key] = counts.get(key, 0) + 1
    print(f"\n{result.name}: jobs {counts}; worker running: {WORKER.alive()}")
    try:
        waiting = redis.Redis(port=REDIS_PORT, socket_timeout=2).llen("celery")
        print(f"  messages waiting in the celery queue: {waiting}")
    except redis.RedisError as exc:
        print(f"  the queue could not be read: {exc}")
    lines = (WORK / "worker.log").read_text(errors="replace").splitlines()
    notable = [line for line in lines if re.search(r" (WARNING|ERROR|CRITICAL) ", line)]
    for line in notable[-15:]:
        print("  worker.log:", line[:300])


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
        WORKER.supervise()
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
                visitor, "Celery worker stops taking tasks", stop_consuming(visitor), None, hold=0
            )
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
    for r in results:
        if r.lost or r.recover_seconds is None:
            explain(r)
    print(f"\nworker started again by the supervisor: {WORKER.revived} time(s)")
    print(f"logs: {WORK}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
