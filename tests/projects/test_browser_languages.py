"""Project titles, donor names and map tiles in the reader's language, in a real browser.

An officer reads the portfolio in Arabic and in French: the project's title and
its donor's name come in that language, a project without a version keeps its
English title, and the map of a dashboard labels its tiles in the page's language.
"""

import pytest

from ctportal.access import Role
from tests import factories as f
from tests.browser_support import SCREENSHOTS, assert_accessible, needs_chromium

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, needs_chromium]

PASSWORD = "correct horse battery staple"
TITLE = "Protection of victims of trafficking in Egypt"
TITLE_AR = "حماية ضحايا الاتجار بالبشر في مصر"
TITLE_FR = "Protection des victimes de la traite en Égypte"
UNTRANSLATED = "Border management in Lebanon"


@pytest.fixture
def portfolio(transactional_db):
    egypt = f.CountryFactory(code="EG", name_en="Egypt", name_ar="مصر", name_fr="Égypte")
    lebanon = f.CountryFactory(code="LB", name_en="Lebanon", name_ar="لبنان", name_fr="Liban")
    donor = f.DonorFactory(
        name="Kingdom of the Netherlands",
        name_ar="مملكة هولندا",
        name_fr="Royaume des Pays-Bas",
        acronym="",
    )
    ours = f.ProjectFactory(title=TITLE, title_ar=TITLE_AR, title_fr=TITLE_FR)
    other = f.ProjectFactory(title=UNTRANSLATED)
    f.RecipientCountryFactory(project=ours, country=egypt)
    f.RecipientCountryFactory(project=other, country=lebanon)
    f.FundingFactory(project=ours, donor=donor)
    dashboard = f.DashboardFactory(slug="map", title_en="Where we work")
    f.WidgetFactory(dashboard=dashboard, kind="map", metric="projects", dimension="country")
    f.UserFactory(
        username="omar", role=Role.PROGRAMME_OFFICER, countries=[egypt, lebanon], password=PASSWORD
    )
    return {"project": ours}


@pytest.fixture
def page(browser, live_server, portfolio):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", "omar")
    page.fill("#id_password", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url("**/projects/**")
    yield page
    context.close()


def read_in(page, language: str) -> None:
    page.click(f"form.lang button[value={language}]")
    page.wait_for_selector(f"html[lang={language}]")


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"languages-{name}.png"), full_page=True)


def test_titles_and_names_come_in_the_reader_language(page, portfolio):
    project = portfolio["project"]
    rows = page.locator("main table tbody")
    expect(rows).to_contain_text(TITLE)
    expect(rows).to_contain_text("Kingdom of the Netherlands")

    read_in(page, "ar")
    expect(rows).to_contain_text(TITLE_AR)
    expect(rows).to_contain_text("مملكة هولندا")
    expect(rows).not_to_contain_text(TITLE)
    expect(rows).to_contain_text(UNTRANSLATED)  # no Arabic version: the English title
    shot(page, "projects-ar")
    assert_accessible(page, "project list (ar)")

    page.fill("main input[name=q]", "الاتجار")
    page.locator("main input[name=q]").press("Enter")
    expect(rows.locator("tr")).to_have_count(1)
    expect(rows).to_contain_text(TITLE_AR)

    page.goto(f"/projects/{project.pk}/")
    expect(page.locator("main h1")).to_have_text(TITLE_AR)

    read_in(page, "fr")
    expect(page.locator("main h1")).to_have_text(TITLE_FR)
    expect(page.locator("main")).to_contain_text("Royaume des Pays-Bas")
    shot(page, "project-fr")


def test_map_tiles_are_labelled_in_the_reader_language(page):
    page.goto("/dashboards/map/")
    tiles = page.locator("svg.dash-map text.code")
    expect(tiles.filter(has_text="EG")).to_have_count(1)

    read_in(page, "ar")
    expect(tiles.filter(has_text="مصر")).to_have_count(1)
    expect(tiles.filter(has_text="لبنان")).to_have_count(1)
    expect(tiles.filter(has_text="LB")).to_have_count(0)
    shot(page, "map-ar")
    assert_accessible(page, "map (ar)")

    read_in(page, "fr")
    expect(tiles.filter(has_text="Liban")).to_have_count(1)
    shot(page, "map-fr")
