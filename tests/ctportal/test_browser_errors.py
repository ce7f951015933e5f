"""Error pages in a real browser: the portal's layout, a way back and, for 403, why;
signed in and not, in English and Arabic. The API keeps answering JSON."""

import os

import pytest

from ctportal.access import Role
from tests import factories as f
from tests.browser_support import assert_accessible, browser_context, needs_chromium

PASSWORD = "correct horse battery staple"
SHOTS = os.environ.get("SHOTS_DIR", "")

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def context(browser, live_server):
    with browser_context(browser, live_server.url) as context:
        yield context


@pytest.fixture
def analyst(transactional_db):
    return f.UserFactory(username="sami", role=Role.ME_OFFICER)


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_load_state()


def to_arabic(page) -> None:
    page.click("form.lang button[value=ar]")
    page.wait_for_load_state()


def shoot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_403_from_a_permission_check_says_why_in_the_layout(context, analyst):
    page = context.new_page()
    sign_in(page, "sami")
    response = page.goto("/reports/new/")
    assert response.status == 403
    main = page.locator("main")
    expect(page.locator("header.topbar")).to_be_visible()
    expect(main).to_contain_text("Not allowed")
    expect(main).to_contain_text("Your role, M&E officer, does not allow")
    expect(main.get_by_role("link", name="Back to the portal")).to_be_visible()
    assert_accessible(page, "403 signed in, en")
    shoot(page, "error-403-en")
    to_arabic(page)
    response = page.goto("/reports/new/")
    assert response.status == 403
    assert page.locator("html").get_attribute("dir") == "rtl"
    expect(main).to_contain_text("لا يسمح بهذه الصفحة")
    assert_accessible(page, "403 signed in, ar")
    shoot(page, "error-403-ar")


def test_csrf_failure_is_a_portal_page_that_says_what_to_do(context, analyst):
    page = context.new_page()
    page.goto("/accounts/login/")
    # The form's token no longer matches the cookie: an expired page.
    context.clear_cookies()
    page.fill("#id_username", "sami")
    page.fill("#id_password", PASSWORD)
    with page.expect_response("**/accounts/login/") as answer:
        page.click("form:has(input[name=password]) button[type=submit]")
    assert answer.value.status == 403
    main = page.locator("main")
    expect(page.locator("header.topbar")).to_be_visible()
    expect(main).to_contain_text("The form has expired")
    expect(main).to_contain_text("reload the page and send the form again")
    expect(main.get_by_role("link", name="Sign in")).to_be_visible()
    assert "Forbidden" not in page.title()
    assert_accessible(page, "CSRF failure, en")
    shoot(page, "error-csrf-en")


def test_404_signed_out_and_signed_in_in_english_and_arabic(context, analyst):
    page = context.new_page()
    response = page.goto("/no-such-page/")
    assert response.status == 404
    expect(page.locator("main")).to_contain_text("Not found")
    expect(page.locator("main").get_by_role("link", name="Sign in")).to_be_visible()
    assert_accessible(page, "404 signed out, en")
    shoot(page, "error-404-signed-out-en")
    sign_in(page, "sami")
    to_arabic(page)
    response = page.goto("/no-such-page/")
    assert response.status == 404
    assert page.locator("html").get_attribute("dir") == "rtl"
    expect(page.locator("main").get_by_role("link")).to_have_count(1)
    assert_accessible(page, "404 signed in, ar")
    shoot(page, "error-404-ar")
    api = page.request.get("/api/v1/no-such-thing/")
    assert api.status == 404
    assert api.json()["error"]["code"] == "not_found"
