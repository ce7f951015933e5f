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

import json
import secrets
import shutil
import sys
import time

from nodes_stack import (
    ANON_RATE,
    BIN,
    DB,
    ENV,
    JOB_SECONDS,
    KEEP_DB,
    PASSWORD,
    PORTS,
    REDIS_PORT,
    SHEET_COLUMNS,
    WORK,
    Browser,
    Failed,
    check,
    prepare_database,
    redis_up,
    sql,
    wait_until,
)
from stack import Process, log, port_free, redis_server

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
    redis = redis_server(REDIS_PORT, env=ENV, work=WORK)
    worker = Process(
        "worker",
        [
            *(str(BIN / "celery"), "-A", "ctportal", "worker", "--loglevel=WARNING"),
            *("--concurrency=1", "--without-gossip", "--without-mingle"),
        ],
        env=ENV,
        work=WORK,
    )
    nodes = [
        Process(
            f"web-{port}",
            [str(BIN / "gunicorn"), "ctportal.wsgi", "--config", "gunicorn.conf.py"],
            env={**ENV, "WEB_BIND": f"127.0.0.1:{port}"},
            work=WORK,
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
