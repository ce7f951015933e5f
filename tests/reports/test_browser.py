"""A donor's first visit to the reports, in a real browser: the schedule, asking for a
report of a project they fund, and its files; in English, Arabic and French."""

import datetime
import os

import pytest

from ctportal.access import Role
from projects.models import ProjectStatus
from reports.models import DonorReport, ReportStatus
from tests import factories as f
from tests.browser_support import assert_accessible, browser_context, needs_chromium

PASSWORD = "correct horse battery staple"
SHOTS = os.environ.get("SHOTS_DIR", "")

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def page(browser, live_server):
    with browser_context(browser, live_server.url, timeout=30_000) as context:
        yield context.new_page()


@pytest.fixture
def funded(transactional_db):
    egypt = f.CountryFactory(code="EG", name_en="Egypt", name_ar="مصر", name_fr="Égypte")
    donor = f.DonorFactory(name="Kingdom of the Netherlands", acronym="NL")
    other = f.DonorFactory(name="Swiss Confederation", acronym="CH")
    today = datetime.date.today()
    ours = f.ProjectFactory(
        code="CT.EG.NL",
        title="Protection of victims in Egypt",
        status=ProjectStatus.IMPLEMENTATION,
        planned_start=datetime.date(2021, 1, 1),
        planned_end=today.replace(year=today.year + 2),
    )
    theirs = f.ProjectFactory(code="CT.LB.CH", title="Border management in Lebanon")
    f.RecipientCountryFactory(project=ours, country=egypt)
    f.FundingFactory(project=ours, donor=donor)
    f.FundingFactory(project=theirs, donor=other)
    session = f.TrainingSessionFactory(
        project=ours,
        host_country=egypt,
        start_date=datetime.date(2021, 3, 10),
        end_date=datetime.date(2021, 3, 12),
    )
    f.ParticipantCountFactory(session=session, sex="other", count=40)
    f.UserFactory(username="nora", role=Role.DONOR, organisation=donor, first_name="Nora")
    return {"ours": ours, "theirs": theirs}


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_load_state()


def switch_language(page, code: str) -> None:
    page.click(f"form.lang button[value={code}]")
    page.wait_for_load_state()


def shoot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_a_donor_sees_the_schedule_and_asks_for_a_report_of_a_project_they_fund(
    browser, page, funded
):
    sign_in(page, "nora")
    page.goto("/reports/")
    main = page.locator("main")
    # Not a dead end: who prepares reports and when, and a way to ask for one.
    expect(main).to_contain_text("When reports are prepared")
    expect(main).to_contain_text("first week of every quarter")
    expect(page.locator(".report-schedule")).to_contain_text("Protection of victims in Egypt")
    assert_accessible(page, "reports list, donor, en")
    shoot(page, "reports-donor-en")

    page.get_by_role("link", name="Ask for a report").first.click()
    page.wait_for_url("**/reports/new/**")
    # Only the projects the donor's organisation funds are offered.
    offered = page.locator("#id_project").inner_text()
    assert "Protection of victims in Egypt" in offered
    assert "Border management in Lebanon" not in offered
    assert_accessible(page, "report request form, en")
    shoot(page, "reports-request-en")

    page.select_option("#id_project", str(funded["ours"].pk))
    page.select_option("#id_period_kind", "year")
    page.fill("#id_period", "2021")
    page.click("form.report-editor button[type=submit]")
    page.wait_for_url("**/reports/*/")
    expect(page.locator("main")).to_contain_text("Download the PDF")
    report = DonorReport.objects.get()
    assert report.status == ReportStatus.DONE
    assert report.project == funded["ours"] and report.requested_by.username == "nora"
    assert_accessible(page, "report detail, donor, en")
    shoot(page, "reports-detail-en")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")

    for code, heading in (("ar", "متى تُعدّ التقارير"), ("fr", "Quand les rapports sont préparés")):
        page.goto("/reports/")
        switch_language(page, code)
        expect(page.locator("#schedule-heading")).to_have_text(heading)
        assert_accessible(page, f"reports list, donor, {code}")
        shoot(page, f"reports-donor-{code}")
        page.goto("/reports/new/")
        assert_accessible(page, f"report request form, {code}")
        shoot(page, f"reports-request-{code}")


def test_a_donor_cannot_ask_for_a_project_they_do_not_fund(browser, page, funded):
    sign_in(page, "nora")
    response = page.goto(f"/reports/new/?project={funded['theirs'].pk}")
    assert response.status == 404
    expect(page.locator("main")).to_contain_text("Back to the portal")
    assert not DonorReport.objects.exists()
