"""Every page each role reaches, in English and Arabic, has no serious or critical axe finding.

Each role signs in on the demo portfolio (the case worker and the administrator
with their authenticator app), opens every entry of its menu and one detail or
form page of each kind it works with, and axe-core checks the page as it stands.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import resolve

from accounts.models import User
from assistance.models import Case
from ctportal import access
from ctportal.access import Role
from ctportal.navigation import section_of
from dashboards.models import Dashboard
from projects import demo
from projects.models import Project
from reports.models import DonorReport
from research.models import ResearchOutput
from tests import factories as f
from tests.assistance.test_browser import current_code
from tests.browser_support import axe_violations, needs_chromium
from trainings.models import TrainingSession

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, needs_chromium]

CASE_WORKER = "case.jordan"
CASE_WORKER_PASSWORD = "case.jordan-demo-2024"  # noqa: S105 - public demo password
LOGINS = {
    "officer": "officer",
    "case_worker": CASE_WORKER,
    "me_officer": "mande",
    "donor": "donor.eu",
    "analyst": "analyst",
    "administrator": "admin",
}
# Pages whose layout is being reworked elsewhere at the same time; their own
# findings are checked apart so the rest of the sweep stays strict.
API_DOCS = "api-docs"
REPORTS = "reports"
SESSION_FORM = "session-form"


@pytest.fixture
def demo_portfolio(transactional_db):
    call_command("load_demo", "--with-users", stdout=StringIO())


def first_pk(queryset) -> int | None:
    record = queryset.order_by("pk").first()
    return record.pk if record else None


def pages_of(user: User) -> dict[str, list[str]]:
    """The addresses a role reaches, grouped: its own pages, then pages reworked elsewhere."""
    project = first_pk(Project.objects.visible_to(user))
    session = first_pk(TrainingSession.objects.visible_to(user))
    output = first_pk(ResearchOutput.objects.visible_to(user))
    report = first_pk(DonorReport.objects.visible_to(user))
    dashboard = Dashboard.objects.visible_to(user).order_by("pk").first()
    own = [
        "/projects/",
        "/projects/dashboard/",
        "/dashboards/",
        "/trainings/",
        "/research/",
        "/projects/exports/",
        "/accounts/tokens/",
    ]
    if project:
        own += [f"/projects/{project}/", f"/projects/{project}/results/"]
        own += [f"/projects/{project}/dashboard/"]
    if session:
        own.append(f"/trainings/{session}/")
    if output:
        own.append(f"/research/outputs/{output}/")
    if dashboard:
        own.append(f"/dashboards/{dashboard.slug}/")
    role = user.role
    if role in ("case_worker", "administrator"):
        own.append("/assistance/cases/")
        case = first_pk(Case.objects.visible_to(user))
        if case:
            own.append(f"/assistance/cases/{case}/")
        if role == "case_worker":
            own.append("/assistance/cases/new/")
    else:
        own.append("/assistance/figures/")
    editable = first_pk(Project.objects.editable_by(user))
    if role in ("programme_officer", "administrator") and editable:
        own.append(f"/projects/{editable}/edit/")
    if role == "administrator":
        own += ["/admin/", f"/admin/projects/project/{project}/change/"]
        dashboards = Dashboard.objects.order_by("pk")
        own += ["/admin/dashboards/dashboard/add/"]
        own += [f"/admin/dashboards/dashboard/{dashboards.first().pk}/change/"]
        own += ["/admin/accounts/user/", "/admin/projects/organisation/"]
    others = {API_DOCS: ["/api/docs/"], REPORTS: ["/reports/"], SESSION_FORM: []}
    if report:
        others[REPORTS].append(f"/reports/{report}/")
    if role in ("programme_officer", "administrator"):
        others[SESSION_FORM].append("/trainings/new/")
    groups = {"own": own, **others}
    # Only what the role's menu reaches: other sections answer 404 (tested apart).
    return {
        group: [a for a in addresses if reachable(user, a)] for group, addresses in groups.items()
    }


def reachable(user: User, address: str) -> bool:
    section = section_of(resolve(address.split("?")[0]))
    return section is None or access.can_use(user, section)


def sign_in(page, username: str) -> User:
    user = User.objects.get(username=username)
    password = CASE_WORKER_PASSWORD if username == CASE_WORKER else demo.USERS[username][1]
    device = f.confirmed_device(user) if user.role in ("case_worker", "administrator") else None
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_load_state()
    if device is not None:
        page.goto("/accounts/second-factor/verify/")
        page.fill("#id_token", current_code(device))
        page.click("form:has(input[name=token]) button[type=submit]")
        page.wait_for_load_state()
    return user


def switch_language(page, language: str) -> None:
    if page.locator("html").get_attribute("lang") != language:
        page.click(f"form.lang button[value={language}]")
        page.wait_for_selector(f"html[lang={language}]")


def sweep(page, addresses: list[str]) -> list[str]:
    found = []
    for address in addresses:
        response = page.goto(address)
        assert response is not None and response.status == 200, f"{address}: {response.status}"
        for v in axe_violations(page):
            found.append(f"{address}: {v['id']} ({v['impact']}, {v['count']}x) {v['nodes']}")
    return found


ROLES = {
    "officer": Role.PROGRAMME_OFFICER,
    "case_worker": Role.CASE_WORKER,
    "me_officer": Role.ME_OFFICER,
    "donor": Role.DONOR,
    "analyst": Role.ANALYST,
    "administrator": Role.ADMINISTRATOR,
}
# The section each group's pages belong to: a role that does not use it never sees them.
GROUP_SECTIONS = {API_DOCS: "api", REPORTS: "reports", SESSION_FORM: "trainings"}


def uses(role: str, group: str) -> bool:
    if group == SESSION_FORM and role not in ("officer", "administrator"):
        return False
    section = GROUP_SECTIONS.get(group)
    return section is None or ROLES[role] in access.SECTION_ROLES[section]


CASES = [
    pytest.param(role, language, group, id=f"{role}-{language}-{group}")
    for role in LOGINS
    for language in ("en", "ar")
    for group in ("own", API_DOCS, REPORTS, SESSION_FORM)
    if uses(role, group)
]


@pytest.mark.parametrize(("role", "language", "group"), CASES)
def test_every_page_a_role_reaches_passes_axe(
    browser, live_server, demo_portfolio, role, language, group
):
    # axe-core is injected into the page: the test browser lets it past the CSP.
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        user = sign_in(page, LOGINS[role])
        switch_language(page, language)
        addresses = pages_of(user)[group]
        assert addresses, "no page to check"
        found = sweep(page, addresses)
    finally:
        context.close()
    assert not found, "\n".join(found)
