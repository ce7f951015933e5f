"""An analyst, first time, in a real browser: from the menu to a token, the guide and the reference.

The API pages sit inside the portal's layout, their files come from this site,
axe finds no serious violation on them, and a session the pages show as "<5"
gives the analyst no rows of people.
"""

import pytest

from ctportal.access import Role
from tests import factories as f
from tests.browser_support import assert_accessible
from tests.test_browser import CHROMIUM, SCREENSHOTS, sync_api  # noqa: F401

PASSWORD = "correct horse battery staple"
LOGIN_SUBMIT = "form:has(input[name=password]) button[type=submit]"
expect = sync_api.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def analyst(transactional_db):
    egypt = f.CountryFactory(code="EG", name_en="Egypt", name_ar="مصر", name_fr="Égypte")
    project = f.ProjectFactory(code="EG.0007", title="Border guards in Egypt")
    f.RecipientCountryFactory(project=project, country=egypt)
    session = f.TrainingSessionFactory(project=project, host_country=egypt)
    for sex in ("female", "male", "male"):
        f.AttendanceFactory(session=session, person=f.PersonFactory(sex=sex, nationality=egypt))
    return f.UserFactory(username="ali", role=Role.ANALYST)


@pytest.fixture
def tab(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1366, "height": 900},
        locale="en-GB",
        bypass_csp=True,  # for axe-core, injected into the page
    )
    context.set_default_timeout(20_000)
    outside = []
    context.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith((live_server.url, "data:"))
            else None
        ),
    )
    page = context.new_page()
    page.outside_requests = outside
    yield page
    context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"api-{name}.png"), full_page=True)


def test_an_analyst_finds_a_token_the_guide_and_the_reference(tab, analyst):
    page = tab
    page.goto("/accounts/login/")
    page.fill("#id_username", "ali")
    page.fill("#id_password", PASSWORD)
    page.click(LOGIN_SUBMIT)

    # Analysts land on the guide, which the menu's "API" entry also opens.
    page.wait_for_url("**/api/guide/")
    expect(page.locator("main h1")).to_have_text("Getting started with the API")
    expect(page.locator(".mainnav a[aria-current=page]")).to_have_text("API")
    for sample in ("curl -H", "import pandas as pd", "library(httr2)"):
        expect(page.locator("main")).to_contain_text(sample)
    assert_accessible(page, "guide")
    shot(page, "guide-en")

    # A token: created, named, listed with its last use, revoked.
    page.locator("main nav.tabs").get_by_role("link", name="Your API tokens").click()
    page.wait_for_url("**/accounts/tokens/")
    page.fill("#id_name", "R on my laptop")
    page.locator("main form button[type=submit]").first.click()
    secret = page.locator("#token-secret").inner_text()
    assert len(secret) > 30
    row = page.locator("table tbody tr", has_text="R on my laptop")
    expect(row).to_contain_text("never")
    assert_accessible(page, "tokens")
    shot(page, "tokens-en")
    answer = page.request.get("/api/v1/projects/", headers={"Authorization": f"Token {secret}"})
    assert answer.status == 200
    page.goto("/accounts/tokens/")
    expect(row).not_to_contain_text("never")
    # The token's rows of people: none, for a session the pages show as "<5".
    people = page.request.get(
        "/api/v1/trainings/participants/?format=csv", headers={"Authorization": f"Token {secret}"}
    )
    assert people.status == 403
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator("table tbody tr", has_text="R on my laptop")).to_contain_text("Revoked")
    assert (
        page.request.get("/api/v1/projects/", headers={"Authorization": f"Token {secret}"}).status
        == 401
    )

    # The reference, grouped by area, inside the portal, with a way to try them.
    page.goto("/api/guide/")
    page.locator("main nav.tabs").get_by_role("link", name="Reference").click()
    page.wait_for_url("**/api/docs/")
    areas = page.locator("main section h2").all_inner_texts()
    assert areas == [
        "Projects and reference data",
        "Trainings",
        "Research and policy",
        "Victim assistance",
        "Anonymised case data (CTDC)",
        "Metrics",
        "Authentication",
    ]
    assert_accessible(page, "reference")
    shot(page, "reference-en")
    page.goto("/api/v1/")
    assert "trainings/participants" in page.content()

    for code in ("ar", "fr"):
        page.goto("/api/guide/")
        page.click(f"form.lang button[value={code}]")
        page.wait_for_load_state()
        assert_accessible(page, f"guide in {code}")
        shot(page, f"guide-{code}")
        page.goto("/api/docs/")
        assert_accessible(page, f"reference in {code}")
        shot(page, f"reference-{code}")
    assert page.outside_requests == []
