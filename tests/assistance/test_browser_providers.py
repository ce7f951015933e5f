"""A case worker finds a provider in the directory and refers a victim to it, in a real browser."""

import datetime

import pytest

from accounts.models import AuthenticatorDevice
from assistance.models import Referral
from assistance.providers import services
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
def office(transactional_db):
    lebanon = f.CountryFactory(code="LB", name_en="Lebanon", name_ar="لبنان", name_fr="Liban")
    egypt = f.CountryFactory(code="EG", name_en="Egypt", name_ar="مصر", name_fr="Égypte")
    admin = f.UserFactory(role=Role.ADMINISTRATOR, is_staff=True)
    for name, country, kind, offered in (
        ("Beirut women's shelter (demo)", lebanon, "shelter", ["shelter", "psychosocial"]),
        ("Beirut legal aid clinic (demo)", lebanon, "lawyer", ["legal"]),
        ("Cairo community health clinic (demo)", egypt, "clinic", ["medical"]),
    ):
        services.provider_save(
            user=admin,
            data={
                "organisation": f.OrganisationFactory(name=name),
                "country": country,
                "kind": kind,
                "city": "Beirut" if country == lebanon else "Cairo",
                "services": offered,
                "contact": "Referral desk (demo)",
            },
        )
    other = f.OrganisationFactory(name="Austrian Development Agency")
    project = f.ProjectFactory(code="LB.0042")
    f.RecipientCountryFactory(project=project, country=lebanon)
    worker = f.UserFactory(
        username="rania", role=Role.CASE_WORKER, countries=[lebanon], country_office=lebanon
    )
    f.confirmed_device(worker)
    case = f.CaseFactory(
        country_office=lebanon,
        project=project,
        registered_by=worker,
        consent_referral=True,
        consent_date=datetime.date(2021, 5, 10),
        identification_date=datetime.date(2021, 5, 10),
    )
    return {"worker": worker, "case": case, "other": other}


@pytest.fixture
def tab(browser, live_server):
    with browser_context(browser, live_server.url, width=1366) as context:
        yield context.new_page()


def test_a_case_worker_refers_to_a_provider_of_the_case_s_country(tab, office):
    page = tab
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto("/accounts/login/")
    page.fill("#id_username", "rania")
    page.fill("#id_password", PASSWORD)
    page.click(LOGIN_SUBMIT)
    page.wait_for_url("**/second-factor/verify/**")
    page.fill("#id_token", current_code(AuthenticatorDevice.objects.get(user=office["worker"])))
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/assistance/cases/")

    page.locator(".mainnav").get_by_role("link", name="Service providers").click()
    page.wait_for_url("**/assistance/providers/")
    assert page.locator("main section h2").all_inner_texts() == ["Lebanon", "Egypt"]
    expect(page.locator("main")).not_to_contain_text("Austrian Development Agency")
    assert_accessible(page, "directory")
    page.screenshot(path=str(SCREENSHOTS / "providers-en.png"), full_page=True)
    for code in ("ar", "fr"):
        page.click(f"form.lang button[value={code}]")
        page.wait_for_load_state()
        assert_accessible(page, f"directory in {code}")
        page.screenshot(path=str(SCREENSHOTS / f"providers-{code}.png"), full_page=True)
    page.click("form.lang button[value=en]")
    page.wait_for_load_state()

    case = office["case"]
    page.goto(f"/assistance/cases/{case.pk}/referrals/new/")
    groups = page.locator("#id_to_organisation optgroup").evaluate_all(
        "groups => groups.map(g => g.label)"
    )
    assert groups[:2] == ["Lebanon", "Egypt"]
    assert groups[-1].startswith("Other organisations")
    assert_accessible(page, "referral form")
    page.select_option("#id_from_organisation", value=str(office["other"].pk))
    shelter = page.locator("#id_to_organisation option", has_text="Beirut women's shelter")
    page.select_option("#id_to_organisation", value=shelter.get_attribute("value"))
    page.select_option("#id_service_kind", "legal")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("main")).to_contain_text("without this service")
    assert not Referral.objects.exists()
    page.select_option("#id_service_kind", "shelter")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"**/assistance/cases/{case.pk}/")
    assert Referral.objects.get().to_organisation.name == "Beirut women's shelter (demo)"
