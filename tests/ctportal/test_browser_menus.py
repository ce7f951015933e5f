"""Every role signs in, in a real browser: where it lands, what its menu offers, in three languages.

Each role lands on its own work (a case worker on their cases after the second
factor), every link of its menu opens, and the menu is one row at 1,366 px in
French and Arabic, with no serious accessibility violation.
"""

import pytest

from ctportal.access import Role
from tests import factories as f
from tests.assistance.test_browser import current_code
from tests.browser_support import assert_accessible
from tests.test_browser import CHROMIUM, SCREENSHOTS, sync_api  # noqa: F401

PASSWORD = "correct horse battery staple"
LOGIN_SUBMIT = "form:has(input[name=password]) button[type=submit]"
expect = sync_api.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]

LANDINGS = {
    "omar": "/projects/",
    "rania": "/assistance/cases/",
    "mona": "/projects/",
    "nora": "/projects/dashboard/",
    "ali": "/api/guide/",
    "amina": "/projects/",
}
# What each menu must not offer.
NOT_IN_MENU = {
    "rania": ["Projects", "Portfolio", "Reports", "Exports", "Dashboards", "API"],
    "nora": ["Exports", "API", "Administration"],
    "ali": ["Reports", "Administration"],
}


@pytest.fixture
def people(transactional_db):
    """One person per role around a Lebanon project funded by the Netherlands."""
    lebanon = f.CountryFactory(code="LB", name_en="Lebanon", name_ar="لبنان", name_fr="Liban")
    donor = f.DonorFactory(name="Kingdom of the Netherlands", acronym="NL")
    project = f.ProjectFactory(code="LB.0042", title="Protection of victims in Lebanon")
    f.RecipientCountryFactory(project=project, country=lebanon)
    f.FundingFactory(project=project, donor=donor)
    users = {
        "omar": f.UserFactory(username="omar", role=Role.PROGRAMME_OFFICER, countries=[lebanon]),
        "rania": f.UserFactory(
            username="rania", role=Role.CASE_WORKER, countries=[lebanon], country_office=lebanon
        ),
        "mona": f.UserFactory(username="mona", role=Role.ME_OFFICER),
        "nora": f.UserFactory(username="nora", role=Role.DONOR, organisation=donor),
        "ali": f.UserFactory(username="ali", role=Role.ANALYST),
        "amina": f.UserFactory(username="amina", role=Role.ADMINISTRATOR, is_staff=True),
    }
    for name in ("rania", "amina"):
        f.confirmed_device(users[name])
    return users


@pytest.fixture
def wide_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1366, "height": 800},
        locale="en-GB",
        # axe-core is injected into the page, which the portal's CSP would refuse.
        bypass_csp=True,
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def sign_in(page, user) -> None:
    """Password, then the code from the authenticator app where the role needs one."""
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click(LOGIN_SUBMIT)
    page.wait_for_load_state()
    if "/second-factor/verify/" in page.url:
        from accounts.models import AuthenticatorDevice

        page.fill("#id_token", current_code(AuthenticatorDevice.objects.get(user=user)))
        page.locator("main button[type=submit]").click()
        page.wait_for_load_state()


def menu_rows(page) -> dict:
    """How many rows the menu's items sit on, and whether it stays inside the window."""
    return page.evaluate(
        """() => {
            const items = [...document.querySelectorAll('.mainnav li')];
            const tops = new Set(items.map(li => Math.round(li.getBoundingClientRect().top)));
            const nav = document.querySelector('.mainnav ul').getBoundingClientRect();
            return {rows: tops.size, items: items.length,
                    inside: nav.left >= 0 && nav.right <= window.innerWidth};
        }"""
    )


def switch_language(page, code: str) -> None:
    page.click(f"form.lang button[value={code}]")
    page.wait_for_load_state()


@pytest.mark.parametrize("name", list(LANDINGS))
def test_each_role_lands_on_its_work_and_its_menu_is_one_row_in_every_language(
    wide_page, people, name
):
    page = wide_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    sign_in(page, people[name])

    assert page.url.endswith(LANDINGS[name]), page.url
    labels = page.locator(".mainnav a").all_inner_texts()
    for label in NOT_IN_MENU.get(name, []):
        assert label not in labels
    links = page.locator(".mainnav a").evaluate_all("links => links.map(a => a.href)")
    for link in links:
        answer = page.request.get(link)
        assert answer.status == 200, link
    assert_accessible(page, f"{name} landing")

    for code in ("fr", "ar"):
        switch_language(page, code)
        layout = menu_rows(page)
        assert layout["rows"] == 1, (name, code, layout)
        assert layout["inside"], (name, code, layout)
        assert_accessible(page, f"{name} landing in {code}")
        page.screenshot(path=str(SCREENSHOTS / f"menu-{name}-{code}.png"))
    switch_language(page, "en")


def test_a_case_worker_lands_on_cases_after_the_second_factor(wide_page, people):
    page = wide_page
    sign_in(page, people["rania"])

    expect(page.locator("main h1")).to_have_text("Cases")
    assert page.locator(".mainnav a").all_inner_texts() == ["Assistance", "Service providers"]
    expect(page.locator(".mainnav a").first).to_have_attribute("aria-current", "page")
    assert page.request.get("/reports/").status == 404
    assert page.request.get("/projects/dashboard/").status == 404
