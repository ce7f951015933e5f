"""A case worker's first sign-in in a real browser: the enrolment key, the code, a reused code."""

import re

import pytest

from accounts.models import AuthenticatorDevice
from ctportal.access import Role
from tests import factories as f
from tests.assistance.test_browser import current_code
from tests.browser_support import assert_accessible, browser_context
from tests.test_browser import CHROMIUM, SCREENSHOTS, sync_api  # noqa: F401

PASSWORD = "correct horse battery staple"
LOGIN_SUBMIT = "form:has(input[name=password]) button[type=submit]"
expect = sync_api.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def worker(transactional_db):
    lebanon = f.CountryFactory(code="LB", name_en="Lebanon", name_ar="لبنان", name_fr="Liban")
    return f.UserFactory(
        username="rania", role=Role.CASE_WORKER, countries=[lebanon], country_office=lebanon
    )


@pytest.fixture
def tab(browser, live_server):
    with browser_context(browser, live_server.url) as context:
        yield context.new_page()


def sign_in(page) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", "rania")
    page.fill("#id_password", PASSWORD)
    page.click(LOGIN_SUBMIT)
    page.wait_for_load_state()


def test_enrolment_key_in_groups_and_a_reused_code_says_to_wait(tab, worker):
    page = tab
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    sign_in(page)
    page.wait_for_url("**/accounts/second-factor/enrol/**")

    key = page.locator("code.enrol-key").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", key), key
    # Typed into an app without the spaces, it is the device's own key.
    device = AuthenticatorDevice.objects.get(user=worker)
    from base64 import b32encode

    assert key.replace(" ", "") == b32encode(device.bin_key).decode()
    # The key never breaks inside a group: each group's box is on one line.
    assert page.locator("code.enrol-key").evaluate("c => getComputedStyle(c).wordBreak") == "normal"
    assert_accessible(page, "enrolment")
    for code in ("en", "ar", "fr"):
        if code != "en":
            page.click(f"form.lang button[value={code}]")
            page.wait_for_load_state()
        page.screenshot(path=str(SCREENSHOTS / f"second-factor-enrol-{code}.png"), full_page=True)
    page.click("form.lang button[value=en]")
    page.wait_for_load_state()

    code = current_code(device)
    page.fill("#id_token", code)
    page.locator("main button[type=submit]").click()
    # No next address: the case worker lands on their cases.
    page.wait_for_url("**/assistance/cases/")
    expect(page.locator("main h1")).to_have_text("Cases")

    # Signed out and in again within the same 30 seconds, with the same code.
    page.locator("form[action$='/logout/'] button").click()
    page.wait_for_load_state()
    sign_in(page)
    page.wait_for_url("**/accounts/second-factor/verify/**")
    page.fill("#id_token", code)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    error = page.locator("main").inner_text()
    assert "already been used" in error and "Wait for the next code" in error, error
    assert_accessible(page, "reused code")
    page.screenshot(path=str(SCREENSHOTS / "second-factor-reused-en.png"), full_page=True)
