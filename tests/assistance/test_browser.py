"""Victim assistance in a real browser, from a case worker's sign-in to a donor's figures.

A Lebanon case worker signs in with a password and a code from their
authenticator app, registers a case with the victim's identity, opens the
identity (logged), records a service, a referral and a shelter stay; a donor
of the project then sees only the suppressed aggregate, in English and in
Arabic, and no case.
"""

import datetime
import re

import pytest
from django.utils import timezone
from django_otp.oath import TOTP

from accounts.models import AuthenticatorDevice
from assistance.models import Case, Identity, IdentityAccess, Referral, Service
from ctportal.access import Role
from tests import factories as f
from tests.test_browser import CHROMIUM, SCREENSHOTS, page, sync_api  # noqa: F401

PASSWORD = "Cedars of Lebanon 2021"
# A fixed key, as an authenticator app would hold it after scanning the QR code.
TOTP_KEY = "6c6562616e6f6e2d636173652d776f726b6572"
GIVEN_NAME = "Marta-Zenebech"
FAMILY_NAME = "Haileselassie-Walkthrough"
expect = sync_api.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def lebanon_office(transactional_db):
    """A Lebanon project funded by a donor, a shelter, a partner NGO, a case worker and a donor."""
    lebanon = f.CountryFactory(code="LB", name_en="Lebanon", name_ar="لبنان", name_fr="Liban")
    donor = f.DonorFactory(name="Kingdom of the Netherlands", acronym="NL")
    project = f.ProjectFactory(
        code="LB.0042", title="Protection and assistance to victims in Lebanon"
    )
    f.RecipientCountryFactory(project=project, country=lebanon)
    f.FundingFactory(project=project, donor=donor)
    ngo = f.OrganisationFactory(name="Caritas Lebanon Migrant Centre", acronym="CLMC")
    office = f.OrganisationFactory(name="IOM Lebanon", acronym="IOM-LB")
    shelter = f.ShelterFactory(
        name="Beirut safe house", organisation=ngo, country=lebanon, capacity=12
    )
    worker = f.UserFactory(
        username="rania.caseworker",
        password=PASSWORD,
        role=Role.CASE_WORKER,
        countries=[lebanon],
        country_office=lebanon,
        first_name="Rania",
    )
    device = AuthenticatorDevice.objects.create(
        user=worker, name="Authenticator app", key=TOTP_KEY, confirmed=True
    )
    reader = f.UserFactory(
        username="nora.donor",
        password=PASSWORD,
        role=Role.DONOR,
        organisation=donor,
        first_name="Nora",
    )
    return {
        "project": project,
        "ngo": ngo,
        "office": office,
        "shelter": shelter,
        "worker": worker,
        "device": device,
        "reader": reader,
    }


def shot(tab, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.evaluate("window.scrollTo(0, 0)")
    tab.screenshot(path=str(SCREENSHOTS / f"assistance-{name}.png"), full_page=True)


def current_code(device: AuthenticatorDevice) -> str:
    """What the authenticator app shows now."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def sign_in(tab, username: str, *, next_url: str) -> None:
    tab.goto(f"/accounts/login/?next={next_url}")
    tab.fill("#id_username", username)
    tab.fill("#id_password", PASSWORD)
    tab.click("form[action$='/login/'] button[type=submit]")


def test_case_worker_registers_a_case_and_a_donor_sees_only_the_suppressed_figure(
    page,  # noqa: F811
    lebanon_office,
):
    worker, device = lebanon_office["worker"], lebanon_office["device"]
    ngo, office = lebanon_office["ngo"], lebanon_office["office"]
    today = timezone.localdate()

    # 1. Password, then the second factor, then the case list.
    sign_in(page, "rania.caseworker", next_url="/assistance/cases/")
    page.wait_for_url("**/accounts/second-factor/verify/**")
    expect(page.locator("h1")).to_have_text("Confirm your sign-in")
    # Nothing beyond this page before the code: the case list sends back here.
    page.goto("/assistance/cases/")
    page.wait_for_url("**/accounts/second-factor/verify/**")
    page.fill("#id_token", current_code(device))
    shot(page, "0-second-factor")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/assistance/cases/")
    expect(page.locator("main h1")).to_have_text("Cases")
    expect(page.locator("table.cases tbody")).to_contain_text("No case matches these filters.")
    shot(page, "1-case-list")

    # 2. Register a case in CTDC terms, with the identity section filled.
    page.get_by_role("main").get_by_role("link", name="Register a case").click()
    page.wait_for_url("**/assistance/cases/new/")
    page.select_option("#id_project", label=str(lebanon_office["project"]))
    page.fill("#id_identification_date", (today - datetime.timedelta(days=20)).isoformat())
    page.select_option("#id_identified_by", "law_enforcement")
    page.select_option("#id_sex", "Female")
    page.fill("#id_age_at_identification", "24")
    page.select_option("#id_citizenship", "ET")
    page.select_option("#id_country_of_exploitation", "LB")
    page.get_by_role("checkbox", name="Forced labour", exact=True).check()
    page.get_by_label("Consents to assistance").check()
    page.get_by_label("Consents to referral").check()
    page.fill("#id_consent_date", (today - datetime.timedelta(days=20)).isoformat())
    page.fill("#id_identity-given_name", GIVEN_NAME)
    page.fill("#id_identity-family_name", FAMILY_NAME)
    page.fill("#id_identity-phone", "+961 3 555 010")
    shot(page, "2-register")
    page.get_by_role("button", name="Register the case").click()
    page.wait_for_url(re.compile(r"/assistance/cases/\d+/$"))

    case = Case.objects.get()
    assert case.country_office_id == worker.country_office_id
    assert case.exploitation_types == ["isForcedLabour"]
    assert case.consent_assistance and case.consent_referral and not case.consent_share_data
    assert Identity.objects.filter(case=case).exists()
    expect(page.locator(".messages")).to_contain_text(f"Case {case.reference} has been registered.")
    expect(page.locator("h1 .reference")).to_have_text(case.reference)
    main = page.get_by_role("main")
    expect(main).not_to_contain_text(GIVEN_NAME)
    expect(main).not_to_contain_text(FAMILY_NAME)
    reads = IdentityAccess.objects.filter(case=case, user=worker, action="read")
    assert not reads.exists()
    shot(page, "3-case")

    page.get_by_role("button", name="Show identity").click()
    page.wait_for_url(f"**/assistance/cases/{case.pk}/identity/")
    identity = page.locator(".identity-shown")
    expect(identity).to_contain_text(GIVEN_NAME)
    expect(identity).to_contain_text(FAMILY_NAME)
    expect(identity).to_contain_text("This reading has been logged.")
    read = reads.get()
    assert read.ip_address == "127.0.0.1"
    shot(page, "4-identity")
    page.get_by_role("link", name="Hide the identity").click()
    page.wait_for_url(f"**/assistance/cases/{case.pk}/")
    expect(page.get_by_role("main")).not_to_contain_text(GIVEN_NAME)

    # 3. A medical service, a referral to the partner NGO, a shelter stay: all on the timeline.
    page.get_by_role("link", name="Record a service").click()
    page.wait_for_url(f"**/assistance/cases/{case.pk}/services/new/")
    page.select_option("#id_kind", "medical")
    page.select_option("#id_provider", label=str(office))
    page.fill("#id_cost", "180")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"**/assistance/cases/{case.pk}/")
    expect(page.locator(".messages")).to_contain_text("The service has been recorded.")

    page.get_by_role("link", name="Send a referral").click()
    page.wait_for_url(f"**/assistance/cases/{case.pk}/referrals/new/")
    # Consent to referral was given: no override is asked for.
    expect(page.locator("#id_override_reason")).to_have_count(0)
    page.select_option("#id_from_organisation", label=str(office))
    page.select_option("#id_to_organisation", label=str(ngo))
    page.select_option("#id_service_kind", "psychosocial")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"**/assistance/cases/{case.pk}/")
    expect(page.locator(".messages")).to_contain_text("The referral has been recorded.")

    # The shelter offered shows its free places; the stay joins the timeline too.
    page.get_by_role("link", name="Admit to a shelter").click()
    page.wait_for_url(f"**/assistance/cases/{case.pk}/stays/new/")
    page.select_option("#id_shelter", label="Beirut safe house (12 of 12 places free)")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"**/assistance/cases/{case.pk}/")
    expect(page.locator(".messages")).to_contain_text("The admission has been recorded.")

    timeline = page.locator("ol.timeline")
    stay_entry = timeline.locator("li.entry-stay")
    expect(stay_entry).to_have_count(1)
    expect(stay_entry).to_contain_text(lebanon_office["shelter"].name)
    service_entry = timeline.locator("li.entry-service")
    expect(service_entry).to_have_count(1)
    expect(service_entry).to_contain_text("Medical care")
    expect(service_entry).to_contain_text(str(office))
    referral_entry = timeline.locator("li.entry-referral")
    expect(referral_entry).to_have_count(1)
    expect(referral_entry).to_contain_text(str(ngo))
    expect(referral_entry).to_contain_text("Sent")
    service = Service.objects.get(case=case)
    assert (service.kind, service.provider, service.start_date) == ("medical", office, today)
    referral = Referral.objects.get(case=case)
    assert (referral.to_organisation, referral.status, referral.consent_override) == (
        ngo,
        "sent",
        False,
    )
    shot(page, "5-timeline")

    # 4. Signed out; a user of the donor sees the figure suppressed, and no case.
    page.get_by_role("button", name="Sign out").click()
    page.goto("/assistance/cases/")
    page.wait_for_url("**/accounts/login/**")

    sign_in(page, "nora.donor", next_url="/assistance/figures/")
    page.wait_for_url("**/assistance/figures/")
    main = page.get_by_role("main")
    expect(main.locator("h1")).to_have_text("Victim assistance figures")
    for label in ("Victims identified", "Victims assisted"):
        tile = main.locator(".kpi").filter(has=page.locator(".kpi-label", has_text=label))
        expect(tile.locator(".kpi-value")).to_have_text("<11")
    expect(main.locator("section[aria-labelledby=by-exploitation]")).to_contain_text("<11")
    expect(main.locator("section[aria-labelledby=services]")).to_contain_text("<11")
    for secret in (case.reference, GIVEN_NAME, FAMILY_NAME):
        expect(page.locator("body")).not_to_contain_text(secret)
    assert case.reference not in page.content()
    shot(page, "6-donor-figures-en")

    page.click("form.lang button[value=ar]")
    page.wait_for_selector("html[dir=rtl]")
    assert page.url.endswith("/assistance/figures/")
    assert page.locator("html").get_attribute("lang") == "ar"
    main = page.get_by_role("main")
    expect(main.locator(".kpi .kpi-value")).to_have_text(["<11", "<11"])
    for secret in (case.reference, GIVEN_NAME, FAMILY_NAME):
        expect(page.locator("body")).not_to_contain_text(secret)
    shot(page, "7-donor-figures-ar")

    for path in ("/assistance/cases/", f"/assistance/cases/{case.pk}/"):
        response = page.goto(path)
        assert response.status == 404, path
        assert case.reference not in page.content()
        assert GIVEN_NAME not in page.content()
