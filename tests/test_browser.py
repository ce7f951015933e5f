"""The portal in a real browser: sign in, see the portfolio, switch to Arabic."""

from io import StringIO

import pytest
from django.core.management import call_command

from projects import demo
from tests.browser_support import CHROMIUM, ROOT, SCREENSHOTS  # noqa: F401 (others import)

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def demo_portfolio(transactional_db):
    call_command("load_demo", "--with-users", stdout=StringIO())


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo.USERS[username][1])
    page.click("form[action$='/login/'] button[type=submit]")
    page.wait_for_url("**/projects/**")


def test_officer_signs_in_sees_projects_and_reads_them_in_arabic(page, demo_portfolio):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    sign_in(page, "officer")

    html = page.locator("html")
    assert html.get_attribute("dir") == "ltr"
    rows = page.locator("table tbody tr")
    assert rows.count() >= 1
    body = page.locator("main").inner_text()
    assert "Strengthening the Framework of the Arab Region" in body
    # Outside the officer's countries (Egypt, Lebanon): not listed.
    assert "Kingdom of Bahrain" not in body
    page.screenshot(path=str(SCREENSHOTS / "projects-en.png"), full_page=True)

    page.click("form.lang button[value=ar]")
    page.wait_for_selector("html[dir=rtl]")

    assert html.get_attribute("lang") == "ar"
    assert "مصر" in page.locator("main").inner_text()
    if (ROOT / "locale" / "ar" / "LC_MESSAGES" / "django.mo").exists():
        assert page.locator("main h1").first.inner_text() != "Projects"
    page.screenshot(path=str(SCREENSHOTS / "projects-ar.png"), full_page=True)
    assert (SCREENSHOTS / "projects-ar.png").stat().st_size > 0


def test_wrong_password_keeps_the_visitor_on_the_login_page(page, transactional_db):
    page.goto("/projects/")
    page.wait_for_url("**/accounts/login/**")
    page.fill("#id_username", "nobody")
    page.fill("#id_password", "wrong")
    page.click("form[action$='/login/'] button[type=submit]")

    sync_api.expect(page.locator("[role=alert]")).to_be_visible()
    assert "/accounts/login/" in page.url
