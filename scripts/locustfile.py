"""The people of the load test (`make loadtest` runs it; see scripts/loadtest.py).

Programme officers edit (a project through its page with CSRF and through the API
with If-Match, and log training sessions), donors read dashboards and project
pages, analysts page the API in JSON and CSV with personal tokens. The number of
users steps up (LOADTEST_STEPS, each LOADTEST_STEP_SECONDS long); every request is
written to LOADTEST_RECORDS for scripts/loadtest.py to sum up.
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import random
import sys
import time
from pathlib import Path

import gevent
from locust import HttpUser, LoadTestShape, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadtest_parts import form_values, post_form  # noqa: E402

ACCOUNTS = json.loads(Path(os.environ["LOADTEST_ACCOUNTS"]).read_text())
PASSWORD = os.environ["LOADTEST_PASSWORD"]
STEPS = [int(users) for users in os.environ.get("LOADTEST_STEPS", "5,10,20").split(",")]
STEP_SECONDS = float(os.environ.get("LOADTEST_STEP_SECONDS", "30"))
MAX_REQUESTS = int(os.environ.get("LOADTEST_MAX_REQUESTS", "50000"))
RECORDS_FILE = os.environ.get("LOADTEST_RECORDS")

RECORDS: list[tuple[float, float, bool]] = []
STARTED = [time.monotonic()]
ENVIRONMENT = []
NEXT = {role: itertools.count() for role in ("officers", "donors", "analysts")}


def account(role: str) -> dict:
    pool = ACCOUNTS[role]
    return pool[next(NEXT[role]) % len(pool)]


@events.init.add_listener
def remember(environment, **_kwargs):
    ENVIRONMENT.append(environment)


@events.test_start.add_listener
def start_clock(**_kwargs):
    STARTED[0] = time.monotonic()


@events.request.add_listener
def record(response_time, exception, **_kwargs):
    RECORDS.append((time.monotonic() - STARTED[0], response_time, exception is not None))
    if len(RECORDS) == MAX_REQUESTS and ENVIRONMENT and ENVIRONMENT[0].runner:
        gevent.spawn(ENVIRONMENT[0].runner.quit)


@events.test_stop.add_listener
def write_records(**_kwargs):
    if RECORDS_FILE:
        Path(RECORDS_FILE).write_text(json.dumps(RECORDS))


class StepShape(LoadTestShape):
    """LOADTEST_STEPS users, one step after the other, then the end."""

    def tick(self):
        step = int(self.get_run_time() // STEP_SECONDS)
        if step >= len(STEPS):
            return None
        return STEPS[step], max(STEPS[step], 1)


class Person(HttpUser):
    abstract = True
    wait_time = between(0.5, 2)

    def go(self, method: str, path: str, *, name: str | None = None, expect=(200,), **kwargs):
        """One request; any status outside ``expect`` counts as an error."""
        kwargs.setdefault("allow_redirects", False)
        with self.client.request(
            method, path, name=name or path, catch_response=True, **kwargs
        ) as response:
            if response.status_code not in expect:
                text = response.text
                at = text.find('role="alert"')  # a form sent back with its errors
                response.failure(f"{response.status_code}: {text[max(at, 0) : max(at, 0) + 300]}")
            else:
                response.success()
        # The production cookies are Secure; this run has no TLS proxy in front.
        for cookie in self.client.cookies:
            cookie.secure = False
        return response

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def sign_in(self, username: str) -> None:
        self.go("GET", "/accounts/login/", name="sign in")
        self.go(
            "POST",
            "/accounts/login/",
            name="sign in",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf()},
            expect=(302,),
        )


class ProgrammeOfficer(Person):
    weight = 2

    def on_start(self):
        self.me = account("officers")
        self.sign_in(self.me["username"])

    def project(self) -> int:
        return random.choice(self.me["projects"])  # noqa: S311 - not a secret

    @task(3)
    def read_project(self):
        self.go("GET", f"/projects/{self.project()}/", name="/projects/[id]/")

    @task(2)
    def edit_project_page(self):
        path = f"/projects/{self.project()}/edit/"
        page = self.go("GET", path, name="/projects/[id]/edit/")
        if page.status_code != 200:
            return
        form = post_form(page.text, "description")
        note = f"Edited through the page at {datetime.datetime.now(datetime.UTC):%H:%M:%S}."
        self.go(
            "POST",
            path,
            name="/projects/[id]/edit/ POST",
            data=form_values(form, description=note),
            expect=(302,),
        )

    @task(2)
    def edit_project_api(self):
        path = f"/api/v1/projects/{self.project()}/"
        auth = {"Authorization": f"Token {self.me['token']}"}
        read = self.go("GET", path, name="/api/v1/projects/[id]/", headers=auth)
        if read.status_code != 200:
            return
        note = f"Edited through the API at {datetime.datetime.now(datetime.UTC):%H:%M:%S}."
        self.go(
            "PATCH",
            path,
            name="/api/v1/projects/[id]/ PATCH",
            json={"description": note},
            headers={**auth, "If-Match": read.headers.get("ETag", "")},
        )

    @task(1)
    def log_session(self):
        project = self.project()
        path = f"/trainings/new/?project={project}"
        page = self.go("GET", path, name="/trainings/new/")
        if page.status_code != 200:
            return
        form = post_form(page.text, "title")
        # Within the project's period, as the form asks.
        day = datetime.date.fromisoformat(self.me["starts"][str(project)])
        day += datetime.timedelta(days=random.randint(10, 300))  # noqa: S311
        self.go(
            "POST",
            path,
            name="/trainings/new/ POST",
            data=form_values(
                form,
                fill=True,
                title=f"Load test workshop {random.randint(1, 10**6)}",  # noqa: S311
                start_date=day.isoformat(),
                end_date=(day + datetime.timedelta(days=2)).isoformat(),
                city="Amman",
                venue="Training centre",
                topics="Victim identification",
                notes="",
            ),
            expect=(302,),
        )


class Donor(Person):
    weight = 3

    def on_start(self):
        self.me = account("donors")
        self.sign_in(self.me["username"])

    def project(self) -> int:
        return random.choice(self.me["projects"])  # noqa: S311 - not a secret

    @task(2)
    def portfolio_dashboard(self):
        self.go("GET", "/projects/dashboard/")

    @task(2)
    def project_list(self):
        self.go("GET", f"/projects/?page={random.randint(1, 3)}", name="/projects/")  # noqa: S311

    @task(3)
    def project_page(self):
        self.go("GET", f"/projects/{self.project()}/", name="/projects/[id]/")

    @task(2)
    def project_dashboard(self):
        self.go("GET", f"/projects/{self.project()}/dashboard/", name="/projects/[id]/dashboard/")


class Analyst(Person):
    weight = 2

    def on_start(self):
        self.me = account("analysts")
        self.auth = {"Authorization": f"Token {self.me['token']}"}

    def page(self, pages: int) -> int:
        return random.randint(1, max(pages, 1))  # noqa: S311 - not a secret

    @task(3)
    def projects_json(self):
        page = self.page(self.me["project_pages"])
        self.go(
            "GET",
            f"/api/v1/projects/?page={page}&page_size=100",
            name="/api/v1/projects/ JSON",
            headers=self.auth,
        )

    @task(2)
    def projects_csv(self):
        page = self.page(self.me["project_pages"])
        self.go(
            "GET",
            f"/api/v1/projects/?format=csv&page={page}&page_size=100",
            name="/api/v1/projects/ CSV",
            headers=self.auth,
        )

    @task(3)
    def transactions_json(self):
        page = self.page(self.me["transaction_pages"])
        self.go(
            "GET",
            f"/api/v1/transactions/?page={page}&page_size=100",
            name="/api/v1/transactions/ JSON",
            headers=self.auth,
        )

    @task(1)
    def transactions_csv(self):
        page = self.page(self.me["transaction_pages"])
        self.go(
            "GET",
            f"/api/v1/transactions/?format=csv&page={page}&page_size=100",
            name="/api/v1/transactions/ CSV",
            headers=self.auth,
        )
