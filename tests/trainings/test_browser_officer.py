"""A programme officer's first walk through sessions, imports and projects, in chromium at
1,366 px: participant rows that fit, Enter that adds a row, a language asked for,
imports offered only where they work with their problems first, values read by the
rules the page states, a project overview with its sessions, and edit rights of a
shared regional project shown on the page. Every page checked with axe-core."""

import csv
import datetime
import os
import re
from pathlib import Path

import pytest

from ctportal.access import Role
from tests.browser_support import assert_accessible, needs_chromium
from tests.factories import (
    CountryFactory,
    ParticipantCountFactory,
    ProjectFactory,
    RecipientCountryFactory,
    TrainingSessionFactory,
    UserFactory,
)
from trainings.models import Attendance, TrainingSession

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
PASSWORD = "Mashreq officer walk 2024"
HEADER = ["name", "sex", "age_band", "institution", "institution_type", "role"]
HEADER += ["nationality", "country_of_work", "attended", "pre_score", "post_score"]
WIDE = {"width": 1366, "height": 900}

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def page(browser, live_server):
    # The portal's CSP allows only its own scripts; axe-core is injected by the test.
    context = browser.new_context(
        base_url=live_server.url, viewport=WIDE, locale="en-GB", bypass_csp=True
    )
    context.set_default_timeout(20_000)
    expect.set_options(timeout=20_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def office(transactional_db):
    """Egypt's officer, a project in Egypt, and a regional project Lebanon leads."""
    egypt = CountryFactory(code="EG", name_en="Egypt", name_ar="مصر", name_fr="Égypte")
    lebanon = CountryFactory(code="LB", name_en="Lebanon", name_ar="لبنان", name_fr="Liban")
    jordan = CountryFactory(code="JO", name_en="Jordan", name_ar="الأردن", name_fr="Jordanie")
    today = datetime.date.today()
    running = {
        "planned_start": today - datetime.timedelta(days=365),
        "planned_end": today + datetime.timedelta(days=365),
    }
    project = ProjectFactory(title="Criminal justice response in Egypt", **running)
    RecipientCountryFactory(project=project, country=egypt)
    regional = ProjectFactory(
        title="Regional protection programme", lead_country=lebanon, **running
    )
    for country, share in ((egypt, 50), (lebanon, 30), (jordan, 20)):
        RecipientCountryFactory(project=regional, country=country, percentage=share)
    UserFactory(
        username="officer.cairo",
        password=PASSWORD,
        role=Role.PROGRAMME_OFFICER,
        countries=[egypt],
    )
    UserFactory(
        username="officer.beirut",
        password=PASSWORD,
        role=Role.PROGRAMME_OFFICER,
        countries=[lebanon],
    )
    return {"egypt": egypt, "lebanon": lebanon, "project": project, "regional": regional}


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / f"officer-{name}.png"), full_page=True)


def sign_in(page, username: str = "officer.cairo") -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url("**/projects/**")


def switch_language(page, code: str) -> None:
    page.click(f"form.lang button[value={code}]")
    expect(page.locator("html")).to_have_attribute("lang", code)


def write_sheet(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def held_session(office, **values) -> TrainingSession:
    today = datetime.date.today()
    values.setdefault("start_date", today - datetime.timedelta(days=10))
    values.setdefault("end_date", today - datetime.timedelta(days=9))
    return TrainingSessionFactory(
        project=office["project"], host_country=office["egypt"], status="held", **values
    )


def entry_fits(page) -> dict:
    """How the participant rows sit in their card: overflow and the fields' edges."""
    return page.evaluate(
        """() => {
            const set = document.querySelector('[data-formset="people"]');
            const box = set.getBoundingClientRect();
            const edges = ['full_name', 'sex', 'pre_score', 'post_score'].map(name => {
                const field = document.querySelector(`[name="people-0-${name}"]`);
                const r = field.getBoundingClientRect();
                return r.left >= box.left - 1 && r.right <= box.right + 1 && r.width > 40;
            });
            return {
                overflow: set.scrollWidth - set.clientWidth,
                page_overflow: document.documentElement.scrollWidth - window.innerWidth,
                inside: edges,
            };
        }"""
    )


def test_participant_rows_fit_enter_adds_a_row_and_the_language_is_asked(page, office):
    sign_in(page)
    page.goto(f"/trainings/new/?project={office['project'].pk}")
    expect(page.locator("input[name=mode][value=people]")).to_be_checked()

    # Nothing is assumed about the language: the officer chooses it.
    expect(page.locator("#id_language")).to_have_value("")
    for code in ("en", "ar", "fr"):
        if code != "en":
            switch_language(page, code)
        fits = entry_fits(page)
        assert fits == {"overflow": 0, "page_overflow": 0, "inside": [True] * 4}, code
        assert_accessible(page, f"new session ({code})")
        shot(page, f"session-form-{code}")
    switch_language(page, "en")

    # Enter in a row goes to the next row; in the last one it adds a row, not a submit.
    page.fill("[name=people-0-full_name]", "Amal Hassan")
    page.select_option("[name=people-0-sex]", label="Female")
    page.fill("[name=people-0-post_score]", "80")
    page.press("[name=people-0-post_score]", "Enter")
    expect(page.locator("[name=people-1-full_name]")).to_be_focused()
    page.press("[name=people-2-post_score]", "Enter")
    expect(page.locator("[name=people-3-full_name]")).to_be_focused()
    expect(page.locator("[name=people-TOTAL_FORMS]")).to_have_value("4")
    assert page.url.endswith(f"/trainings/new/?project={office['project'].pk}")
    assert not TrainingSession.objects.exists()

    today = datetime.date.today()
    page.fill("#id_title", "Victim identification for border police")
    page.select_option("#id_kind", label="Training")
    page.fill("#id_start_date", (today - datetime.timedelta(days=3)).isoformat())
    page.fill("#id_end_date", (today - datetime.timedelta(days=2)).isoformat())
    page.select_option("#id_host_country", label="Egypt")
    page.get_by_role("button", name="Save").click()
    language = page.locator(".field", has=page.locator("#id_language"))
    expect(language).to_contain_text("Choose the language the session was held in.")
    assert not TrainingSession.objects.exists()
    page.select_option("#id_language", value="fr")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/trainings/\d+/$"))
    session = TrainingSession.objects.get()
    assert session.language == "fr"
    assert list(session.attendances.values_list("person__full_name", flat=True)) == ["Amal Hassan"]


def test_import_is_offered_only_to_sessions_recorded_one_by_one(page, office):
    session = held_session(office, title="Regional meeting, totals only")
    ParticipantCountFactory(session=session, dimension="sex", sex="female", count=12)
    sign_in(page)
    page.goto(f"/trainings/{session.pk}/")
    expect(page.get_by_role("link", name="Edit or add participants")).to_be_visible()
    expect(page.get_by_role("link", name="Import attendance sheet")).to_have_count(0)
    expect(page.locator("[data-import-unavailable]")).to_contain_text("One by one")
    assert_accessible(page, "session with totals")

    page.goto(f"/trainings/{session.pk}/import/")
    expect(page.locator("input[type=file]")).to_have_count(0)
    expect(page.locator("[data-import-unavailable]")).to_contain_text("as totals")
    page.get_by_role("link", name="Edit the session").click()
    page.wait_for_url(f"**/trainings/{session.pk}/edit/")
    assert_accessible(page, "import of a totals session")


def test_refused_sheet_problems_come_first_and_the_kept_sheet_is_checked_again(
    page, office, tmp_path
):
    session = held_session(office, title="Prosecutors' workshop")
    sign_in(page)
    page.goto(f"/trainings/{session.pk}/import/")
    amal = ["Amal Hassan", "female", "25-34", "Public Prosecution", "prosecution", "", "EG"]
    amal += ["EG", "yes", "55", "80"]
    omar = ["Omar Farouk", "male", "", "Border Guard", "immigration", "", "EG", "EG", "yes"]
    omar += ["40", ""]
    # Amal was entered by hand first, from an earlier sheet.
    page.set_input_files("input[type=file]", str(write_sheet(tmp_path / "amal.csv", [amal])))
    page.get_by_role("button", name="Check and import").click()
    page.wait_for_url(f"**/trainings/{session.pk}/import/")
    assert session.attendances.count() == 1
    # The full sheet lists her again: it is refused whole.
    sheet = write_sheet(tmp_path / "prosecutors.csv", [amal, omar])
    page.set_input_files("input[type=file]", str(sheet))
    page.get_by_role("button", name="Check and import").click()
    page.wait_for_url(f"**/trainings/{session.pk}/import/")
    assert session.attendances.count() == 1

    refused = page.locator("section.import-refused")
    expect(refused.get_by_role("heading")).to_contain_text("1 problem in the last sheet")
    expect(refused).to_contain_text("already a participant")
    problems_top = refused.bounding_box()["y"]
    assert problems_top < page.locator("#upload-heading").bounding_box()["y"]
    assert problems_top < page.locator("#template-heading").bounding_box()["y"]
    assert_accessible(page, "refused import")
    shot(page, "import-refused-en")
    for code in ("ar", "fr"):
        switch_language(page, code)
        assert_accessible(page, f"refused import ({code})")
        shot(page, f"import-refused-{code}")
    switch_language(page, "en")

    # The earlier entry is removed, and the kept sheet is checked again without
    # choosing the file again.
    Attendance.objects.filter(session=session).delete()
    page.get_by_role("button", name="Check “prosecutors.csv” again").click()
    page.wait_for_url(f"**/trainings/{session.pk}/import/")
    expect(page.locator("section.import-refused")).to_have_count(0)
    assert sorted(session.attendances.values_list("person__full_name", flat=True)) == [
        "Amal Hassan",
        "Omar Farouk",
    ]


def test_values_are_read_by_the_rules_the_page_states(page, office, tmp_path):
    session = held_session(office, title="Labour inspectors")
    sign_in(page)
    page.goto(f"/trainings/{session.pk}/import/")
    rules = page.locator("[data-import-rules]")
    expect(rules).to_contain_text("any case")
    expect(page.locator(".import-columns")).to_contain_text("F and M")
    expect(page.locator(".import-columns")).to_contain_text("Lebanon")
    sheet = write_sheet(
        tmp_path / "inspectors.csv",
        [
            ["Rami Khoury", "M", "", "", "LABOUR", "", "Lebanon", "lb", "", "", ""],
            ["Hala Aziz", "f", "", "", "", "", "لبنان", "Liban", "oui", "", ""],
            ["Nour Said", "woman", "", "", "", "", "Lebanese", "EG", "", "", ""],
        ],
    )
    page.set_input_files("input[type=file]", str(sheet))
    page.get_by_role("button", name="Check and import").click()
    page.wait_for_url(f"**/trainings/{session.pk}/import/")
    refused = page.locator("section.import-refused")
    expect(refused.get_by_role("heading")).to_contain_text("2 problems")
    expect(refused).to_contain_text("Unknown sex “woman”")
    expect(refused).to_contain_text("Unknown country “Lebanese”")
    assert not session.attendances.exists()

    write_sheet(sheet, [row for row in csv.reader(sheet.open()) if row[0] != "Nour Said"][1:])
    page.set_input_files("input[type=file]", str(sheet))
    page.get_by_role("button", name="Check and import").click()
    page.wait_for_url(f"**/trainings/{session.pk}/import/")
    stored = session.attendances.values_list(
        "person__full_name",
        "person__sex",
        "person__institution_type",
        "person__nationality__code",
        "person__country_of_work__code",
    )
    assert sorted(stored) == [
        ("Hala Aziz", "female", "", "LB", "LB"),
        ("Rami Khoury", "male", "labour", "LB", "LB"),
    ]


def test_project_overview_lists_its_sessions_and_offers_to_log_one(page, office):
    held_session(office, title="Victim identification for border police")
    sign_in(page)
    project = office["project"]
    page.goto(f"/projects/{project.pk}/")
    sessions = page.locator("section[aria-labelledby=project-sessions]")
    expect(sessions).to_contain_text("Victim identification for border police")
    assert_accessible(page, "project overview")
    shot(page, "project-overview-en")
    sessions.get_by_role("link", name="Log a session").click()
    page.wait_for_url(f"**/trainings/new/?project={project.pk}")
    expect(page.locator("#id_project")).to_have_value(str(project.pk))

    page.goto(f"/projects/{project.pk}/dashboard/")
    expect(
        page.locator(".training-figures").get_by_role("link", name="Log a session")
    ).to_be_visible()


def test_a_shared_project_says_who_may_edit_it(page, office):
    regional = office["regional"]
    sign_in(page)  # Egypt's officer: Egypt has the largest share, but Lebanon leads.
    page.goto(f"/projects/{regional.pk}/")
    tabs = page.get_by_role("navigation", name="Project")
    expect(tabs.get_by_role("link", name="Edit")).to_have_count(0)
    editors = page.locator("section.editors")
    expect(editors).to_contain_text("Lebanon")
    expect(editors.locator("[data-read-only-reason]")).to_contain_text("another country leads it")
    expect(page.locator("section[aria-labelledby=project-sessions]")).to_be_visible()
    expect(page.get_by_role("link", name="Log a session")).to_have_count(0)
    assert_accessible(page, "shared project, reading officer")
    shot(page, "shared-project-reader-en")
    for code in ("ar", "fr"):
        switch_language(page, code)
        assert_accessible(page, f"shared project ({code})")
        shot(page, f"shared-project-reader-{code}")
    switch_language(page, "en")

    page.context.clear_cookies()
    sign_in(page, "officer.beirut")
    page.goto(f"/projects/{regional.pk}/")
    tabs = page.get_by_role("navigation", name="Project")
    expect(tabs.get_by_role("link", name="Edit")).to_be_visible()
    expect(page.locator("section.editors")).to_contain_text("You may edit this project.")
