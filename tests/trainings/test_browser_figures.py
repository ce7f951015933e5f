"""Training figures and dates as a donor reads them in a real browser: sex not recorded
is not "0 women, 0 men", and dates read one way per language."""

import datetime
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
def page(browser, live_server):
    with browser_context(browser, live_server.url, width=1400) as context:
        yield context.new_page()


@pytest.fixture
def sessions(transactional_db):
    egypt = f.CountryFactory(code="EG", name_en="Egypt", name_ar="مصر", name_fr="Égypte")
    donor = f.DonorFactory(name="Kingdom of the Netherlands", acronym="NL")
    project = f.ProjectFactory(code="CT.EG.NL", title="Protection of victims in Egypt")
    f.FundingFactory(project=project, donor=donor)
    unrecorded = f.TrainingSessionFactory(
        project=project,
        title="Head count only",
        host_country=egypt,
        start_date=datetime.date(2021, 3, 10),
        end_date=datetime.date(2021, 3, 10),
    )
    f.ParticipantCountFactory(session=unrecorded, sex="other", count=40)
    recorded = f.TrainingSessionFactory(
        project=project,
        title="Counted by sex",
        host_country=egypt,
        start_date=datetime.date(2021, 12, 31),
        end_date=datetime.date(2021, 12, 31),
    )
    f.ParticipantCountFactory(session=recorded, sex="female", count=20)
    f.ParticipantCountFactory(session=recorded, sex="male", count=15)
    f.ParticipantCountFactory(session=recorded, sex="other", count=2)
    f.UserFactory(username="nora", role=Role.DONOR, organisation=donor)
    return {"unrecorded": unrecorded, "recorded": recorded}


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_load_state()


def row_cells(page, title: str) -> list[str]:
    row = page.locator("table.sessions tbody tr", has_text=title)
    return [text.strip() for text in row.locator("td").all_inner_texts()]


def test_sex_not_recorded_reads_so_and_is_counted_apart(browser, page, sessions):
    sign_in(page, "nora")
    page.goto("/trainings/")
    headings = [t.strip() for t in page.locator("table.sessions thead th").all_text_contents()]
    assert headings[-4:] == ["Participants", "Women", "Men", "Other or not recorded"]
    assert row_cells(page, "Head count only")[-4:] == ["40", "not recorded", "not recorded", "40"]
    # A donor's small cells: "other" 2 is hidden, and men with it so it cannot be worked out.
    assert row_cells(page, "Counted by sex")[-4:] == ["37", "20", "*", "<5"]
    assert_accessible(page, "sessions, donor, en")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/trainings-donor-en.png", full_page=True)

    page.goto(f"/trainings/{sessions['unrecorded'].pk}/")
    kpis = page.locator(".kpis").inner_text()
    assert "not recorded" in kpis
    assert_accessible(page, "session, donor, en")


@pytest.mark.parametrize(
    ("code", "march", "december"),
    [
        ("en", "10 Mar 2021", "31 Dec 2021"),
        ("fr", "10 mars 2021", "31 déc. 2021"),
        ("ar", "10 مارس 2021", "31 ديسمبر 2021"),
    ],
)
def test_dates_read_one_way_per_language(browser, page, sessions, code, march, december):
    sign_in(page, "nora")
    page.goto("/trainings/")
    page.click(f"form.lang button[value={code}]")
    page.wait_for_load_state()
    assert row_cells(page, "Head count only")[0] == march
    assert row_cells(page, "Counted by sex")[0] == december
    page.goto(f"/trainings/{sessions['recorded'].pk}/")
    expect(page.locator("header.project-head")).to_contain_text(december)
    assert_accessible(page, f"session, donor, {code}")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/trainings-session-{code}.png", full_page=True)
        page.goto("/trainings/")
        page.screenshot(path=f"{SHOTS}/trainings-donor-{code}.png", full_page=True)
