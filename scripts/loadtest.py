"""Load test (`make loadtest`): mixed roles against the production shape, on this machine.

Rebuilds the PostgreSQL database LOADTEST_DB (default ctportal_loadtest) on
127.0.0.1 with the benchmark portfolio (5,000 projects, 100,000 transactions;
``--small``: 200 projects), starts its own Redis on a free loopback port, a
Celery worker and gunicorn (production settings, gunicorn.conf.py, 127.0.0.1),
then runs locust headless with programme officers editing, donors reading
dashboards and project pages and analysts paging the API with tokens, stepping
the users up. Prints, per step, requests per second, p95 and errors, and the
highest rate sustained with p95 under 500 ms and no errors. Stops everything it
started.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The fault drill's stack, pointed at this run's database, folder and Redis port.
os.environ["FAULTS_DB"] = os.environ.get("LOADTEST_DB", "ctportal_loadtest")
os.environ["FAULTS_WORK"] = tempfile.mkdtemp(prefix="ctportal-loadtest-")
os.environ.setdefault("FAULTS_REDIS_PORT", "6392")

from cryptography.fernet import Fernet  # noqa: E402
from faults_stack import (  # noqa: E402
    BASE,
    BIN,
    DB,
    ENV,
    PASSWORD,
    PYTHON,
    REDIS,
    REDIS_PORT,
    ROOT,
    WEB,
    WEB_PORT,
    WORK,
    WORKER,
    redis_up,
    sql,
    wait_until,
)
from loadtest_parts import P95_LIMIT_MS, summarise, sustained, table  # noqa: E402
from stack import log  # noqa: E402

ROLE_ACCOUNTS = 60  # per role; more than the largest step, so officers never share a project
PROJECTS_PER_OFFICER = 5
SETTLE_SECONDS = 5

SEED = """
import json, math, os
from accounts.models import User
from accounts.services import api_token_create
from ctportal.access import Role
from projects import models as pm
from tests.bench.test_bench_portfolio import load_portfolio

load_portfolio()
accounts = {"officers": [], "donors": [], "analysts": []}
password, count, per = os.environ["LOADTEST_PASSWORD"], %(count)d, %(per)d
projects = list(pm.Project.objects.order_by("pk").values_list("pk", flat=True))
donors = list(pm.Organisation.objects.filter(fundings__isnull=False).distinct().order_by("pk"))

from django.contrib.auth.hashers import make_password
hashed = make_password(password)

def person(name, role, **fields):
    user = User(username=name, role=role, password=hashed, **fields)
    user.save()
    return user

def token(user):
    return api_token_create(user=user, name="load test", second_factor=False)[1]

for n in range(count):
    officer = person(f"load-officer-{n}", Role.PROGRAMME_OFFICER)
    mine = projects[(n * per) %% len(projects):][:per] or projects[:per]
    officer.projects.set(mine)
    starts = dict(pm.Project.objects.filter(pk__in=mine).values_list("pk", "planned_start"))
    accounts["officers"].append({
        "username": officer.username,
        "token": token(officer),
        "projects": mine,
        "starts": {str(pk): start.isoformat() for pk, start in starts.items()},
    })
    donor = person(f"load-donor-{n}", Role.DONOR, organisation=donors[n %% len(donors)])
    seen = pm.Project.objects.visible_to(donor).order_by("pk").values_list("pk", flat=True)
    accounts["donors"].append({"username": donor.username, "projects": list(seen[:300])})
    analyst = person(f"load-analyst-{n}", Role.ANALYST)
    accounts["analysts"].append({
        "username": analyst.username,
        "token": token(analyst),
        "project_pages": math.ceil(pm.Project.objects.visible_to(analyst).count() / 100),
        "transaction_pages": math.ceil(pm.Transaction.objects.visible_to(analyst).count() / 100),
    })
with open(os.environ["LOADTEST_ACCOUNTS"], "w") as out:
    json.dump(accounts, out)
print(pm.Project.objects.count(), pm.Transaction.objects.count())
"""


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="200 projects, short steps")
    parser.add_argument("--projects", type=int, help="projects to load (default 5000)")
    parser.add_argument("--steps", help="users per step, comma-separated (default 4,8,16,32,48)")
    parser.add_argument("--step-seconds", type=int, help="length of each step (default 40)")
    parser.add_argument("--max-requests", type=int, default=50_000, help="stop after this many")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default 2 x cores + 1)")
    parser.add_argument("--threads", type=int, help="threads per gunicorn worker (default 4)")
    options = parser.parse_args()
    options.projects = options.projects or (200 if options.small else 5000)
    options.steps = options.steps or ("2,4,8" if options.small else "4,8,16,32,48")
    options.step_seconds = options.step_seconds or (15 if options.small else 40)
    return options


def production_environment(options: argparse.Namespace, accounts: Path) -> None:
    """The drill's environment turned into the production one (its clocks, limits, sizes)."""
    for name in list(ENV):
        if name.startswith(("JOB_", "API_THROTTLE_", "WEB_CONCURRENCY", "WEB_THREADS")):
            del ENV[name]
    ENV.pop("CELERY_VISIBILITY_TIMEOUT", None)
    ENV.update(
        {
            "DJANGO_SETTINGS_MODULE": "ctportal.settings.production",
            "SECURE_SSL_REDIRECT": "false",
            "IDENTITY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "CSRF_TRUSTED_ORIGINS": BASE,
            "TRUSTED_PROXY_COUNT": "0",
            "BENCH_PROJECTS": str(options.projects),
            "LOADTEST_PASSWORD": PASSWORD,
            "LOADTEST_ACCOUNTS": str(accounts),
        }
    )
    if options.workers:
        ENV["WEB_CONCURRENCY"] = str(options.workers)
    if options.threads:
        ENV["WEB_THREADS"] = str(options.threads)


def prepare_database() -> str:
    log(f"database {DB}: rebuilt")
    sql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)', database="postgres")
    sql(f'CREATE DATABASE "{DB}"', database="postgres")
    manage = [PYTHON, "manage.py"]
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run([*manage, *command, "-v", "0"], cwd=ROOT, env=ENV, check=True)  # noqa: S603
    seed = SEED % {"count": ROLE_ACCOUNTS, "per": PROJECTS_PER_OFFICER}
    started = time.monotonic()
    done = subprocess.run(  # noqa: S603
        [*manage, "shell", "-c", seed],
        cwd=ROOT,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    )
    projects, transactions = done.stdout.split()[-2:]
    seconds = time.monotonic() - started
    log(f"loaded {projects} projects, {transactions} transactions in {seconds:.0f} s")
    return f"{int(projects):,} projects, {int(transactions):,} transactions"


def web_workers() -> int:
    children = subprocess.run(  # noqa: S603
        ["/usr/bin/pgrep", "-P", str(WEB.popen.pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    return len(children)


def run_locust(options: argparse.Namespace, accounts: Path, records: Path) -> None:
    steps = [int(users) for users in options.steps.split(",")]
    seconds = len(steps) * options.step_seconds
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "HOME")},
        "LOADTEST_ACCOUNTS": str(accounts),
        "LOADTEST_PASSWORD": PASSWORD,
        "LOADTEST_STEPS": options.steps,
        "LOADTEST_STEP_SECONDS": str(options.step_seconds),
        "LOADTEST_MAX_REQUESTS": str(options.max_requests),
        "LOADTEST_RECORDS": str(records),
    }
    command = [
        *(str(BIN / "locust"), "-f", str(ROOT / "scripts" / "locustfile.py"), "--headless"),
        *("--host", BASE, "--stop-timeout", "10"),
        *("--only-summary", "--loglevel", "WARNING"),
    ]
    log(f"locust: {options.steps} users, {options.step_seconds} s a step, at most {seconds} s")
    with (WORK / "locust.log").open("w") as out:
        subprocess.run(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=seconds + 120
        )


def main() -> int:
    options = arguments()
    accounts, records = WORK / "accounts.json", WORK / "records.json"
    production_environment(options, accounts)
    log(f"work folder {WORK}; Redis on {REDIS_PORT}, web on {WEB_PORT}")
    workers = threads = 0
    try:
        REDIS.start()
        wait_until(redis_up, 20, "redis")
        loaded = prepare_database()
        WEB.start()
        WORKER.start()
        wait_until(
            lambda: (
                subprocess.run(  # noqa: S603
                    ["/usr/bin/curl", "-sf", "-o", "/dev/null", f"{BASE}/healthz"], check=False
                ).returncode
                == 0
            ),
            60,
            "web",
        )
        workers = web_workers()
        threads = int(ENV.get("WEB_THREADS", "4"))
        run_locust(options, accounts, records)
    finally:
        for process in (WEB, WORKER, REDIS):
            process.stop()
    steps = [int(users) for users in options.steps.split(",")]
    summary = summarise(
        [tuple(row) for row in json.loads(records.read_text())],
        steps,
        options.step_seconds,
        SETTLE_SECONDS,
    )
    print(f"\n{loaded}; gunicorn {workers} workers x {threads} threads on {os.cpu_count()} cores")
    print(table(summary))
    best = sustained(summary)
    if best:
        print(
            f"\nsustained: {best.rps:.1f} requests/s with {best.users} users"
            f" (p95 {best.p95_ms:.0f} ms < {P95_LIMIT_MS} ms, 0 errors)"
        )
    else:
        print(f"\nno step kept p95 under {P95_LIMIT_MS} ms with 0 errors")
    print(f"logs: {WORK}")
    return 0 if best else 1


if __name__ == "__main__":
    sys.exit(main())
