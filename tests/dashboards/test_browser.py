"""A dashboard composed in the admin and read by a donor, in a real browser.

An administrator builds a donor dashboard with two widgets in the admin and
previews it; a user of that donor then opens it, sees only the projects the
donor funds with its small counts hidden, and reads it in Arabic.
"""

import pytest

from ctportal.access import Role
from dashboards.models import Dashboard
from tests import factories as f
from tests.assistance.test_browser import current_code
from tests.test_browser import CHROMIUM, SCREENSHOTS, page, sync_api  # noqa: F401

PASSWORD = "correct horse battery staple"
expect = sync_api.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def funded(transactional_db):
    """Two donors with a project each; trained: 3 women, 20 men, 12 not stated in Egypt, 55 in
    Lebanon."""
    egypt = f.CountryFactory(code="EG", name_en="Egypt", name_ar="مصر", name_fr="Égypte")
    lebanon = f.CountryFactory(code="LB", name_en="Lebanon", name_ar="لبنان", name_fr="Liban")
    donor = f.DonorFactory(name="Kingdom of the Netherlands", acronym="NL")
    other = f.DonorFactory(name="Swiss Confederation", acronym="CH")
    ours = f.ProjectFactory(title="Protection of victims in Egypt")
    theirs = f.ProjectFactory(title="Border management in Lebanon")
    f.RecipientCountryFactory(project=ours, country=egypt)
    f.RecipientCountryFactory(project=theirs, country=lebanon)
    f.FundingFactory(project=ours, donor=donor)
    f.FundingFactory(project=theirs, donor=other)
    session = f.TrainingSessionFactory(project=ours, host_country=egypt)
    f.ParticipantCountFactory(session=session, sex="female", count=3)
    f.ParticipantCountFactory(session=session, sex="male", count=20)
    f.ParticipantCountFactory(session=session, sex="other", count=12)
    session = f.TrainingSessionFactory(project=theirs, host_country=lebanon)
    f.ParticipantCountFactory(session=session, sex="female", count=30)
    f.ParticipantCountFactory(session=session, sex="male", count=25)
    for _ in range(3):
        f.CaseFactory(country_office=egypt, project=ours)
    for _ in range(20):
        f.CaseFactory(country_office=lebanon, project=theirs)
    admin = f.UserFactory(
        username="amina", role=Role.ADMINISTRATOR, is_staff=True, first_name="Amina"
    )
    return {
        "donor": donor,
        "admin": admin,
        "device": f.confirmed_device(admin),
        "reader": f.UserFactory(
            username="nora", role=Role.DONOR, organisation=donor, first_name="Nora"
        ),
    }


def test_a_donor_dashboard_from_the_admin_to_the_donor_in_arabic(browser, page, funded):  # noqa: F811
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    metric, dimension = "people_trained", "sex"

    page.goto("/admin/login/")
    page.fill("#id_username", "amina")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    # Administrators confirm the sign-in with their authenticator app before the admin.
    page.goto("/admin/dashboards/dashboard/add/")
    page.wait_for_url("**/accounts/second-factor/verify/**")
    page.fill("#id_token", current_code(funded["device"]))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/admin/dashboards/dashboard/add/")
    page.fill("#id_title_en", "What the Netherlands fund")
    page.select_option("#id_audience", "donor")
    page.select_option("#id_donor", str(funded["donor"].pk))
    page.check("#id_is_published")
    for index, (kind, width, chosen, by) in enumerate(
        [
            ("bar", "half", metric, dimension),
            ("kpi", "third", "projects", ""),
            ("kpi", "third", "cases_identified", ""),
        ]
    ):
        if index:  # a new dashboard opens with its first widget row
            page.click("#widgets-group .add-row a")
        page.fill(f"#id_widgets-{index}-position", str(index + 1))
        page.select_option(f"#id_widgets-{index}-kind", kind)
        page.select_option(f"#id_widgets-{index}-width", width)
        page.select_option(f"#id_widgets-{index}-metric", chosen)
        page.select_option(f"#id_widgets-{index}-dimension", by)
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    # The address follows the English title unless typed in.
    dashboard = Dashboard.objects.get(slug="what-the-netherlands-fund")
    assert dashboard.widgets.count() == 3
    page.screenshot(path=str(SCREENSHOTS / "dashboard-admin-change.png"), full_page=True)

    page.click(".object-tools a:has-text('Preview')")
    expect(page.locator("h1")).to_contain_text("Preview")
    expect(page.locator(".dash-widget")).to_have_count(3)
    page.select_option("#id_donor", str(funded["donor"].pk))
    page.click(".dash-preview-as input[type=submit]")
    expect(page.locator(".dash-preview")).to_contain_text("only the projects it funds")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-admin-preview.png"), full_page=True)

    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("#id_username", "nora")
    page.fill("#id_password", PASSWORD)
    page.click("form[action$='/login/'] button[type=submit]")
    page.wait_for_url("**/projects/**")
    page.goto("/dashboards/")
    page.click("text=What the Netherlands fund")
    page.wait_for_url(f"**/dashboards/{dashboard.slug}/")

    html = page.locator("html")
    assert html.get_attribute("dir") == "ltr"
    kpi = page.locator(".dash-kind-kpi .dash-kpi")
    expect(kpi.nth(0)).to_have_text("1")  # one project funded, not the other donor's
    expect(kpi.nth(1)).to_have_text("<11")  # three victims: a case count this small is hidden
    chart = page.locator(".dash-kind-bar")
    chart.locator("details summary").click()
    table = chart.locator("table.dash-table")
    expect(table).to_be_visible()
    expect(table.locator("td.suppressed", has_text="<5")).to_have_count(1)
    expect(chart.locator("svg text.suppressed", has_text="<5")).to_have_count(1)
    expect(chart).to_contain_text("a count this small is not shown")
    for figure in ("30", "25", "55"):
        expect(table.locator("td", has_text=figure)).to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-donor-en.png"), full_page=True)

    page.click("form.lang button[value=ar]")
    page.wait_for_selector("html[dir=rtl]")
    assert html.get_attribute("lang") == "ar"
    chart = page.locator(".dash-kind-bar")
    chart.locator("details summary").click()
    expect(chart.locator("td.suppressed", has_text="<5")).to_have_count(1)
    # Bars start from the right: the label column sits right of the bars.
    label = chart.locator("svg text.label").first.bounding_box()
    bar = chart.locator("svg rect.mark").first.bounding_box()
    assert label["x"] > bar["x"] + bar["width"] - 1
    page.screenshot(path=str(SCREENSHOTS / "dashboard-donor-ar.png"), full_page=True)
