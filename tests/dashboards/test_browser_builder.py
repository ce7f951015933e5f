"""The dashboard builder and the admin index as an administrator first meets them.

A new dashboard opens with one widget row whose titles are in sight, the page
address is shown and can be typed in, and the admin index names every app and
model in words, translated, in English, Arabic and French.
"""

import pytest

from ctportal.access import Role
from dashboards.models import Dashboard
from tests import factories as f
from tests.assistance.test_browser import current_code
from tests.browser_support import SCREENSHOTS, assert_accessible, needs_chromium

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, needs_chromium]

PASSWORD = "correct horse battery staple"
SHOTS = SCREENSHOTS
# App names the index showed before every app had a name of its own.
RAW_APP_NAMES = {"Axes", "Otp_Totp", "Auth Token", "Authtoken", "Research"}
# Model names that must read in the page's language, not in English.
ENGLISH_ONLY = ("authenticator apps", "API tokens", "account locks", "Sign-in attempts")


@pytest.fixture
def admin_page(browser, live_server, transactional_db):
    admin = f.UserFactory(
        username="amina", role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True
    )
    device = f.confirmed_device(admin)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/admin/login/")
    page.fill("#id_username", "amina")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto("/admin/")
    page.wait_for_url("**/accounts/second-factor/verify/**")
    page.fill("#id_token", current_code(device))
    page.click("form:has(input[name=token]) button[type=submit]")
    page.wait_for_url("**/admin/")
    yield page
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_new_dashboard_starts_with_one_widget_row_its_titles_and_its_address(admin_page):
    page = admin_page
    page.goto("/admin/dashboards/dashboard/add/")

    # One widget row to fill in, with its titles in sight, not folded away.
    expect(page.locator("#widgets-group .inline-related:not(.empty-form)")).to_have_count(1)
    for language in ("en", "ar", "fr"):
        expect(page.locator(f"#id_widgets-0-title_{language}")).to_be_visible()
    expect(page.locator("#id_widgets-0-metric")).to_be_visible()
    # The address is there to read and to type in.
    slug = page.locator("#id_slug")
    expect(slug).to_be_visible()
    expect(slug).to_be_editable()
    shot(page, "builder-add-en")
    assert_accessible(page, "dashboard builder")

    page.fill("#id_title_en", "Egypt at a glance")
    slug.focus()  # leaving the title fills in the address from it
    expect(slug).to_have_value("egypt-at-a-glance")
    slug.fill("egypt")
    page.fill("#id_widgets-0-title_en", "Projects running")
    page.select_option("#id_widgets-0-kind", "kpi")
    page.select_option("#id_widgets-0-metric", "projects")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    dashboard = Dashboard.objects.get(title_en="Egypt at a glance")
    assert dashboard.slug == "egypt"  # typed in, not derived from the title
    assert [w.title for w in dashboard.widgets.all()] == ["Projects running"]
    # Each widget is headed by its title; no empty row is added once there are widgets.
    expect(page.locator("#widgets-group .inline_label").first).to_contain_text("Projects running")
    expect(page.locator("#widgets-group .inline-related:not(.empty-form)")).to_have_count(1)

    page.goto("/admin/dashboards/dashboard/")
    expect(page.locator("#result_list")).to_contain_text("/dashboards/egypt/")
    shot(page, "builder-list-en")


@pytest.mark.parametrize("language", ["en", "ar", "fr"])
def test_the_admin_index_names_every_app_and_model_in_the_reader_language(admin_page, language):
    page = admin_page
    page.goto("/admin/")
    if language != "en":
        page.goto("/projects/")
        page.click(f"form.lang button[value={language}]")
        page.wait_for_selector(f"html[lang={language}]")
        page.goto("/admin/")
    index = page.locator("#content-main").inner_text()
    captions = {c.strip() for c in page.locator("#content-main caption").all_inner_texts()}
    assert len(captions) >= 8, captions
    assert not captions & RAW_APP_NAMES
    if language != "en":
        for english in ENGLISH_ONLY:
            assert english.lower() not in index.lower(), english
        assert not captions & {"Trainings", "Research and policy", "Sign-in attempts"}
    shot(page, f"admin-index-{language}")
    assert_accessible(page, f"admin index ({language})")
