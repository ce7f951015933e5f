"""The axe-core check finds what it should: a page with a known violation fails it."""

import pytest

from tests.browser_support import assert_accessible, axe_violations, launch, needs_chromium

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(scope="module")
def page():
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser.new_page()
        browser.close()


def test_a_clean_page_passes(page):
    page.set_content(
        "<!doctype html><html lang='en'><head><title>Fine</title></head>"
        "<body><main><h1>Fine</h1><label for='q'>Search</label><input id='q'></main></body></html>"
    )
    assert_accessible(page, "clean page")


def test_an_unlabelled_field_and_an_image_without_text_are_found(page):
    page.set_content(
        "<!doctype html><html lang='en'><head><title>Bad</title></head>"
        "<body><main><h1>Bad</h1><input id='q'><img src='x.png'></main></body></html>"
    )
    found = {v["id"] for v in axe_violations(page)}
    assert {"label", "image-alt"} <= found
    with pytest.raises(AssertionError, match="label"):
        assert_accessible(page, "bad page")
