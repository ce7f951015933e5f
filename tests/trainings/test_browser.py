"""A programme officer records a training in a real browser, from sign-in to the dashboard.

Creates a session with participants added inline, imports an attendance sheet
with a bad row (refused, nothing saved), imports it fixed, then reads the new
totals on the project dashboard in English and in Arabic.
"""

import csv
import datetime
import os
import re
from pathlib import Path

import pytest

from ctportal.access import Role
from tests.browser_support import CHROMIUM, SCREENSHOTS
from tests.factories import CountryFactory, ProjectFactory, RecipientCountryFactory, UserFactory
from trainings.models import Attendance, Audience, TrainingSession

PASSWORD = "Nile delta training 2024"
# The template's header: every column, in any order; cells may be left empty.
SHEET_HEADER = ["name", "sex", "age_band", "institution", "institution_type", "role"]
SHEET_HEADER += ["nationality", "country_of_work", "attended", "pre_score", "post_score"]

# Playwright's sync API runs an event loop in this thread; the ORM calls made by
# the test itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

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
    expect.set_options(timeout=15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def egypt_programme(transactional_db):
    """A running project in Egypt and a programme officer whose scope is Egypt."""
    today = datetime.date.today()
    egypt = CountryFactory(code="EG", name_en="Egypt", name_ar="مصر", name_fr="Égypte")
    jordan = CountryFactory(code="JO", name_en="Jordan", name_ar="الأردن", name_fr="Jordanie")
    project = ProjectFactory(
        title="Criminal justice response to trafficking in Egypt",
        planned_start=today - datetime.timedelta(days=365),
        planned_end=today + datetime.timedelta(days=365),
    )
    RecipientCountryFactory(project=project, country=egypt)
    # Flushes by earlier transactional tests remove the rows the migration created.
    Audience.objects.get_or_create(code="police", defaults={"name": "Police"})
    Audience.objects.get_or_create(code="prosecutors", defaults={"name": "Prosecutors"})
    officer = UserFactory(
        username="officer.cairo",
        password=PASSWORD,
        role=Role.PROGRAMME_OFFICER,
        countries=[egypt],
    )
    return {"project": project, "officer": officer, "egypt": egypt, "jordan": jordan}


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # A full-page capture of a scrolled page leaves Chromium's scroll offset to be
    # corrected on the next input, which moves the target between mousedown and mouseup.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / f"trainings-{name}.png"), full_page=True)


def write_sheet(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SHEET_HEADER)
        writer.writerows(rows)
    return path


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form[action$='/login/'] button[type=submit]")
    page.wait_for_url("**/projects/**")


def fill_participant(page, index: int, *, name, sex, institution, kind, country, pre, post):
    prefix = f"people-{index}-"
    page.fill(f"[name={prefix}full_name]", name)
    page.select_option(f"[name={prefix}sex]", label=sex)
    page.fill(f"[name={prefix}institution]", institution)
    page.select_option(f"[name={prefix}institution_type]", label=kind)
    page.select_option(f"[name={prefix}country_of_work]", label=country)
    page.fill(f"[name={prefix}pre_score]", pre)
    page.fill(f"[name={prefix}post_score]", post)


def participant_rows(page):
    return page.locator("table.participants tbody tr")


def kpi(page, label: str):
    return page.locator(".training-figures .kpi").filter(
        has=page.locator(".kpi-label", has_text=label)
    )


def test_officer_records_a_training_imports_a_sheet_and_reads_the_dashboard(
    page, egypt_programme, tmp_path
):
    project, egypt = egypt_programme["project"], egypt_programme["egypt"]
    today = datetime.date.today()
    start, end = today - datetime.timedelta(days=9), today - datetime.timedelta(days=7)

    # 1. Sign in and open a new session from the trainings list.
    sign_in(page, "officer.cairo")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Trainings").click()
    page.wait_for_url("**/trainings/")
    page.get_by_role("link", name="New session").click()
    page.wait_for_url("**/trainings/new/")

    page.select_option("#id_project", label=str(project))
    page.fill("#id_title", "Victim identification for border police")
    page.select_option("#id_kind", label="Training")
    page.select_option("#id_status", label="Held")
    page.fill("#id_start_date", start.isoformat())
    page.fill("#id_end_date", end.isoformat())
    page.select_option("#id_host_country", label=egypt.name_en)
    page.fill("#id_city", "Cairo")
    page.select_option("#id_language", value="ar")
    page.get_by_role("checkbox", name="Police", exact=True).check()
    page.get_by_label("One by one (names optional)").check()

    fill_participant(
        page,
        0,
        name="Amal Hassan",
        sex="Female",
        institution="Public Prosecution",
        kind="Prosecution",
        country=egypt.name_en,
        pre="50",
        post="80",
    )
    fill_participant(
        page,
        1,
        name="Omar Farouk",
        sex="Male",
        institution="Border Guard",
        kind="Immigration and border",
        country=egypt.name_en,
        pre="45",
        post="70",
    )
    # The form offers three empty rows; a row added with the button is posted too,
    # and the row left empty in between is skipped.
    add_row = page.get_by_role("button", name="Add a row")
    expect(add_row).to_be_visible()
    add_row.click()
    expect(page.locator("[name=people-3-full_name]")).to_be_visible()
    expect(page.locator("[name=people-3-full_name]")).to_be_focused()
    expect(page.locator("[name=people-TOTAL_FORMS]")).to_have_value("4")
    fill_participant(
        page,
        3,
        name="Nadia Saleh",
        sex="Female",
        institution="Anti-Trafficking Unit",
        kind="Police",
        country=egypt_programme["jordan"].name_en,
        pre="60",
        post="90",
    )
    shot(page, "1-new-session")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/trainings/\d+/$"))
    session = TrainingSession.objects.get(title="Victim identification for border police")
    expect(page.locator(".messages")).to_contain_text("The session has been saved.")
    expect(page.locator("h1")).to_have_text("Victim identification for border police")
    expect(participant_rows(page)).to_have_count(3)
    expect(page.locator("table.participants")).to_contain_text("Nadia Saleh")
    assert session.project == project
    assert (session.start_date, session.end_date) == (start, end)
    assert list(session.audiences.values_list("code", flat=True)) == ["police"]
    assert Attendance.objects.filter(session=session).count() == 3
    shot(page, "2-session")

    # 2. An attendance sheet with one bad row: every row checked, nothing written.
    rows = [
        ["Karim Mansour", "male", "25-34", "Coast Guard", "immigration", "Lieutenant"]
        + ["EG", "EG", "yes", "40", "75"],
        ["Laila Adel", "female", "35-44", "Labour Office", "labour", "Inspector"]
        + ["EG", "EG", "yes", "55", "85"],
        ["Youssef Nabil", "male", "45-54", "Public Prosecution", "prosecution", "Prosecutor"]
        + ["EG", "EG", "yes", "50", "140"],
    ]
    bad = write_sheet(tmp_path / "attendance.csv", rows)
    page.get_by_role("link", name="Import attendance sheet").click()
    page.wait_for_url(f"**/trainings/{session.pk}/import/")
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="Check and import").click()

    expect(page.locator(".messages")).to_contain_text("nothing was saved")
    problems = page.locator(".import-refused tbody tr")  # the last refused sheet, at the top
    expect(problems).to_have_count(1)
    expect(problems.locator("td").nth(0)).to_have_text("4")
    expect(problems.locator("td").nth(1)).to_have_text("post_score")
    expect(problems.locator("td").nth(2)).to_contain_text("100")
    assert Attendance.objects.filter(session=session).count() == 3
    shot(page, "3-import-refused")
    page.get_by_role("main").get_by_role("link", name=session.title).click()
    page.wait_for_url(f"**/trainings/{session.pk}/")
    expect(participant_rows(page)).to_have_count(3)

    # 3. The sheet fixed: the three rows are imported at once.
    rows[2][10] = "90"
    good = write_sheet(tmp_path / "attendance-fixed.csv", rows)
    page.get_by_role("link", name="Import attendance sheet").click()
    page.wait_for_url(f"**/trainings/{session.pk}/import/")
    page.set_input_files("#id_file", str(good))
    page.get_by_role("button", name="Check and import").click()

    expect(page.locator(".messages")).to_contain_text("3 participants imported.")
    latest = page.locator(".import-record").first
    expect(latest).to_contain_text("attendance-fixed.csv")
    expect(latest).to_contain_text("3 participants imported.")
    assert Attendance.objects.filter(session=session).count() == 6
    shot(page, "4-import-done")
    page.get_by_role("main").get_by_role("link", name=session.title).click()
    page.wait_for_url(f"**/trainings/{session.pk}/")
    expect(participant_rows(page)).to_have_count(6)
    expect(page.locator("table.participants")).to_contain_text("Youssef Nabil")

    # 4. The project dashboard counts the six people, three women and three men.
    page.get_by_role("main").get_by_role("link", name=project.title).click()
    page.wait_for_url(f"**/projects/{project.pk}/")
    page.get_by_role("link", name="Open the dashboard").click()
    page.wait_for_url(f"**/projects/{project.pk}/dashboard/")
    figures = page.locator(".training-figures")
    expect(figures).to_be_visible()
    expect(kpi(page, "Sessions held").locator(".kpi-value")).to_have_text("1")
    expect(kpi(page, "People trained").locator(".kpi-value")).to_have_text("6")
    expect(kpi(page, "Training attendances").locator(".kpi-value")).to_have_text("6")
    by_sex = figures.locator("section[aria-labelledby=training-by-sex] tbody tr")
    expect(by_sex).to_have_count(2)
    for sex in ("Female", "Male"):
        row = by_sex.filter(has=page.locator("th", has_text=re.compile(f"^{sex}$")))
        expect(row.locator("td.num")).to_have_text("3")
    by_country = figures.locator("section[aria-labelledby=training-by-country] tbody tr")
    expect(by_country.filter(has_text=egypt.name_en).locator("td.num")).to_have_text("5")
    shot(page, "5-dashboard-en")

    # 5. The same dashboard in Arabic reads right to left.
    page.click("form.lang button[value=ar]")
    page.wait_for_selector("html[dir=rtl]")
    assert page.url.endswith(f"/projects/{project.pk}/dashboard/")
    assert page.locator("html").get_attribute("lang") == "ar"
    expect(page.locator("#training-figures")).to_have_text("التدريبات والاجتماعات")
    expect(kpi(page, "الأشخاص المدرَّبون").locator(".kpi-value")).to_have_text("6")
    expect(figures).to_contain_text(egypt.name_ar)
    shot(page, "6-dashboard-ar")
