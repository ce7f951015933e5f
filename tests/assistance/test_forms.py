"""Forms of the victim-assistance pages: fields, choices and the values handed to services."""

import datetime

from assistance.forms import (
    CaseForm,
    IdentityForm,
    NoteForm,
    ReferralForm,
    ReferralStatusForm,
    ShelterForm,
)
from assistance.models import Referral
from tests import factories as f

D = datetime.date


def test_case_form_offers_only_the_users_projects(case_workers, portfolio):
    form = CaseForm(user=case_workers["lb"])

    assert set(form.fields["project"].queryset) == {portfolio["p_lb"], portfolio["p_both"]}
    assert "closed" not in dict(form.fields["status"].choices)


def test_case_form_round_trips_a_case(case_workers, portfolio):
    case = f.CaseFactory(
        country_office=portfolio["lebanon"],
        project=portfolio["p_lb"],
        transit_countries=["SD", "EG"],
        means_of_control_threats=True,
        vulnerable_pregnancy=True,
    )
    initial = CaseForm.initial_for(case)
    data = {k: v for k, v in initial.items() if v not in (None, False, "")}

    form = CaseForm(data, user=case_workers["lb"], case=case)

    assert form.is_valid(), form.errors
    cleaned = form.case_data()
    assert "version" not in cleaned
    assert cleaned["project"] == portfolio["p_lb"]
    assert cleaned["transit_countries"] == ["SD", "EG"]
    assert cleaned["exploitation_types"] == ["isForcedLabour"]
    assert cleaned["means_of_control"] == ["meansOfControlThreats"]
    assert cleaned["vulnerabilities"] == ["vulnerablePregnancy"]
    assert form.cleaned_data["version"] == case.version


def test_case_form_refuses_unknown_codes(case_workers, portfolio):
    form = CaseForm(
        {
            "project": portfolio["p_lb"].pk,
            "identification_date": "2021-05-10",
            "identified_by": "aliens",
            "exploitation_types": ["isForcedLabour", "isNothing"],
            "status": "open",
        },
        user=case_workers["lb"],
    )

    assert not form.is_valid()
    assert {"identified_by", "exploitation_types"} <= set(form.errors)


def test_a_closed_case_form_has_no_status(case_workers, portfolio):
    case = f.CaseFactory(
        country_office=portfolio["lebanon"],
        project=portfolio["p_lb"],
        status="closed",
        closure_reason="completed",
        closed_on=D(2021, 9, 1),
    )

    assert "status" not in CaseForm(user=case_workers["lb"], case=case).fields


def test_an_empty_identity_section_means_no_identity():
    empty = IdentityForm({"identity-given_name": ""}, prefix="identity")
    filled = IdentityForm(
        {"identity-given_name": "Zahra", "identity-date_of_birth": "1997-01-02"},
        prefix="identity",
    )

    assert empty.is_valid() and empty.identity_data() is None
    assert filled.is_valid()
    assert filled.identity_data()["given_name"] == "Zahra"
    assert filled.identity_data()["date_of_birth"] == D(1997, 1, 2)


def test_identity_form_checks_email_and_dates():
    form = IdentityForm({"email": "not-an-email", "date_of_birth": "1997-13-40"})

    assert not form.is_valid()
    assert {"email", "date_of_birth"} <= set(form.errors)


def test_referral_form_asks_for_an_override_only_without_consent(portfolio):
    without = f.CaseFactory(country_office=portfolio["lebanon"], project=portfolio["p_lb"])
    with_consent = f.CaseFactory(
        country_office=portfolio["lebanon"],
        project=portfolio["p_lb"],
        consent_referral=True,
        consent_date=D(2021, 5, 10),
    )

    assert "override_reason" in ReferralForm(case=without).fields
    assert "override_reason" not in ReferralForm(case=with_consent).fields


def test_referral_status_form_offers_the_next_steps_only(portfolio, orgs):
    case = f.CaseFactory(country_office=portfolio["lebanon"], project=portfolio["p_lb"])
    referral = Referral(
        case=case,
        from_organisation=orgs["ngo"],
        to_organisation=orgs["un"],
        sent_on=D(2021, 6, 1),
        status="accepted",
    )

    form = ReferralStatusForm({"status": "sent"}, referral=referral)

    assert [c[0] for c in form.fields["status"].choices] == ["declined", "completed"]
    assert not form.is_valid() and "status" in form.errors


def test_shelter_form_keeps_a_case_worker_in_their_country(portfolio, orgs):
    for_worker = ShelterForm(office=portfolio["lebanon"].pk)
    for_admin = ShelterForm()

    assert list(for_worker.fields["country"].queryset) == [portfolio["lebanon"]]
    assert set(for_admin.fields["country"].queryset) >= {portfolio["lebanon"], portfolio["egypt"]}


def test_note_form_states_the_upload_policy():
    field = NoteForm().fields["attachment"]

    assert ".pdf" in field.widget.attrs["accept"]
    assert "PDF" in str(field.help_text)
