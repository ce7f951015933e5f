import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from assistance import care_services as care
from assistance import services
from assistance.models import (
    Case,
    CaseNote,
    Identity,
    IdentityAccess,
    Referral,
    Service,
    ShelterStay,
)
from ctportal.audit import StaleVersion
from tests import factories as f
from tests.assistance.conftest import case_data

D = datetime.date


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def test_register_a_case_in_the_case_workers_office(case_workers, portfolio):
    case = services.case_register(user=case_workers["lb"], data=case_data(portfolio))

    assert case.country_office == portfolio["lebanon"]
    assert case.registered_by == case_workers["lb"]
    assert re.fullmatch(r"CT-[0-9A-HJKMNP-TV-Z]{10}", case.reference)
    assert case.exploitation_types == ["isForcedLabour"]
    assert set(case.means_of_control) == {
        "meansOfControlWithholdsDocuments",
        "meansOfControlThreats",
    }
    assert case.vulnerabilities == ["vulnerableIrregularStatus"]
    assert case.age_band == "24--26"
    assert [c.code for c in case.transit_countries] == ["SD", "EG"]
    assert case.history.get().history_user == case_workers["lb"]


def test_register_with_identity_in_one_transaction(case_workers, portfolio):
    case = services.case_register(
        user=case_workers["lb"],
        data=case_data(portfolio, age_at_identification=None),
        identity={"given_name": "Amina", "date_of_birth": D(1990, 3, 1)},
    )

    assert case.identity.given_name == "Amina"
    case.refresh_from_db()
    assert case.age_at_identification == 31
    assert IdentityAccess.objects.get().action == "write"


def test_the_reference_never_comes_from_the_name(case_workers, portfolio):
    refs = {
        services.case_register(
            user=case_workers["lb"], data=case_data(portfolio), identity={"given_name": "Amina"}
        ).reference
        for _ in range(3)
    }
    assert len(refs) == 3
    assert not any("AMINA" in ref for ref in refs)


@pytest.mark.parametrize("who", ["lb_unverified", "no_office"])
def test_only_verified_case_workers_with_an_office_register(case_workers, portfolio, who):
    with pytest.raises(PermissionDenied):
        services.case_register(user=case_workers[who], data=case_data(portfolio))
    assert not Case.objects.exists()


@pytest.mark.parametrize("who", ["officer_eg", "me", "donor_a", "analyst", "admin", "norole"])
def test_other_roles_cannot_register(users, portfolio, who):
    with pytest.raises(PermissionDenied):
        services.case_register(user=users[who], data=case_data(portfolio))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"exploitation_types": ["isForcedLabour", "isAlienAbduction"]}, "exploitation_types"),
        ({"means_of_control": ["meansOfControlMagic"]}, "means_of_control"),
        ({"vulnerabilities": ["tall"]}, "vulnerabilities"),
        ({"sex": "F"}, "sex"),
        ({"citizenship": "XX"}, "citizenship"),
        ({"identified_by": "oracle"}, "identified_by"),
        ({"recruiter_relation": "Neighbour"}, "recruiter_relation"),
        ({"labour_sector": "typeOfLabourSpace"}, "labour_sector"),
        ({"identification_date": D(2999, 1, 1)}, "identification_date"),
        ({"consent_date": None}, "consent_date"),
        ({"consent_date": D(2999, 1, 1)}, "consent_date"),
        ({"exploitation_types": ["isSexualExploit"]}, "labour_sector"),
        ({"age_at_identification": 130}, "age_at_identification"),
        ({"status": "closed"}, "status"),
    ],
)
def test_bad_case_input_is_refused_with_a_field_message(case_workers, portfolio, overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        services.case_register(user=case_workers["lb"], data=case_data(portfolio, **overrides))

    assert field in errors_of(excinfo)
    assert not Case.objects.exists()


def test_a_project_outside_the_case_workers_scope_is_refused(case_workers, portfolio):
    with pytest.raises(ValidationError) as excinfo:
        services.case_register(
            user=case_workers["lb"], data=case_data(portfolio, project=portfolio["p_eg"])
        )
    assert errors_of(excinfo)["project"] == ["Pick a project you work on."]


def test_identification_before_birth_is_refused_and_nothing_written(case_workers, cases):
    case = cases["lb"]
    with pytest.raises(ValidationError) as excinfo:
        services.identity_save(
            user=case_workers["lb"],
            case=case,
            data={"given_name": "Amina", "date_of_birth": case.identification_date + D.resolution},
        )

    assert "before the date of birth" in errors_of(excinfo)["date_of_birth"][0]
    assert not Identity.objects.exists()
    assert not IdentityAccess.objects.exists()


def test_a_date_of_birth_contradicting_the_age_is_refused(case_workers, cases):
    with pytest.raises(ValidationError) as excinfo:
        services.identity_save(
            user=case_workers["lb"], case=cases["lb"], data={"date_of_birth": D(1960, 1, 1)}
        )
    assert "age of 61" in errors_of(excinfo)["date_of_birth"][0]


def test_moving_identification_before_birth_is_refused(case_workers, cases):
    case = cases["lb"]
    services.identity_save(
        user=case_workers["lb"], case=case, data={"date_of_birth": D(1996, 1, 1)}
    )

    with pytest.raises(ValidationError) as excinfo:
        services.case_update(
            user=case_workers["lb"],
            case=case,
            data={"identification_date": D(1995, 1, 1), "age_at_identification": None},
        )
    assert "identification_date" in errors_of(excinfo)


@pytest.mark.parametrize("value", ["31/02/1990", "1990-02-31", D(2999, 1, 1)])
def test_impossible_dates_of_birth_are_refused(case_workers, cases, value):
    with pytest.raises(ValidationError) as excinfo:
        services.identity_save(
            user=case_workers["lb"], case=cases["lb"], data={"date_of_birth": value}
        )
    assert "date_of_birth" in errors_of(excinfo)
    assert not Identity.objects.exists()


def test_identity_fields_too_long_are_refused(case_workers, cases):
    with pytest.raises(ValidationError) as excinfo:
        services.identity_save(user=case_workers["lb"], case=cases["lb"], data={"phone": "1" * 101})
    assert "phone" in errors_of(excinfo)


def test_update_checks_the_version(case_workers, cases):
    case = cases["lb"]
    services.case_update(
        user=case_workers["lb"], case=case, data={"status": "assessment"}, expected_version=1
    )

    with pytest.raises(StaleVersion):
        services.case_update(
            user=case_workers["lb"], case=case, data={"status": "case_plan"}, expected_version=1
        )

    case.refresh_from_db()
    assert (case.status, case.version) == ("assessment", 2)
    assert case.history.count() == 2  # created, then the one update that went through


def test_update_replaces_a_code_list(case_workers, cases):
    case = services.case_update(
        user=case_workers["lb"],
        case=cases["lb"],
        data={"exploitation_types": ["isSexualExploit"], "labour_sector": ""},
    )
    assert case.exploitation_types == ["isSexualExploit"]
    assert not case.is_forced_labour


def test_closing_needs_a_reason_and_a_possible_date(case_workers, cases):
    case, user = cases["lb"], case_workers["lb"]
    with pytest.raises(ValidationError) as excinfo:
        services.case_close(user=user, case=case, closure_reason="")
    assert "closure_reason" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.case_close(user=user, case=case, closure_reason="moon")
    assert "closure_reason" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.case_close(
            user=user, case=case, closure_reason="returned", closed_on=D(2020, 1, 1)
        )
    assert "closed_on" in errors_of(excinfo)
    with pytest.raises(ValidationError):
        services.case_update(user=user, case=case, data={"status": "closed"})
    case.refresh_from_db()
    assert case.status == "open"

    closed = services.case_close(
        user=user, case=case, closure_reason="returned", expected_version=1
    )

    assert (closed.status, closed.closure_reason, closed.version) == ("closed", "returned", 2)
    with pytest.raises(ValidationError):
        services.case_update(user=user, case=case, data={"status": "open"})


def test_record_a_service(case_workers, cases, orgs):
    service = care.service_record(
        user=case_workers["lb"],
        case=cases["lb"],
        data={
            "kind": "legal",
            "provider": orgs["ngo"],
            "start_date": D(2021, 6, 1),
            "end_date": D(2021, 7, 1),
            "cost": Decimal("120.50"),
            "currency": "LBP",
        },
    )
    assert service.history.get().history_user == case_workers["lb"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"end_date": D(2021, 5, 1)}, "end_date"),
        ({"cost": Decimal("-1")}, "cost"),
        ({"currency": "XYZ"}, "currency"),
        ({"kind": "spa"}, "kind"),
        ({"start_date": D(2999, 1, 1), "end_date": None}, "start_date"),
    ],
)
def test_bad_service_input(case_workers, cases, data, field):
    base = {"kind": "medical", "start_date": D(2021, 6, 1), "currency": "USD"}
    with pytest.raises(ValidationError) as excinfo:
        care.service_record(user=case_workers["lb"], case=cases["lb"], data={**base, **data})
    assert field in errors_of(excinfo)
    assert not Service.objects.exists()


def test_no_service_on_a_closed_case(case_workers, cases):
    services.case_close(user=case_workers["lb"], case=cases["lb"], closure_reason="completed")
    with pytest.raises(ValidationError) as excinfo:
        care.service_record(
            user=case_workers["lb"],
            case=cases["lb"],
            data={"kind": "medical", "start_date": D(2021, 6, 1)},
        )
    assert "case" in errors_of(excinfo)


def referral_data(orgs, **overrides):
    return {
        "from_organisation": orgs["ngo"],
        "to_organisation": orgs["un"],
        "service_kind": "legal",
        "sent_on": D(2021, 6, 1),
        **overrides,
    }


def test_a_referral_needs_consent_or_an_override_with_reason(case_workers, cases, orgs):
    case = cases["lb"]
    assert not case.consent_referral
    with pytest.raises(ValidationError) as excinfo:
        care.referral_send(user=case_workers["lb"], case=case, data=referral_data(orgs))
    assert "not consented" in errors_of(excinfo)["override_reason"][0]
    assert not Referral.objects.exists()

    referral = care.referral_send(
        user=case_workers["lb"],
        case=case,
        data=referral_data(orgs),
        override_reason="Urgent medical care; the victim is unconscious.",
    )

    assert referral.consent_override
    assert referral.override_reason.startswith("Urgent")


def test_a_referral_with_consent_needs_no_override(case_workers, cases, orgs):
    case = services.case_update(
        user=case_workers["lb"],
        case=cases["lb"],
        data={"consent_referral": True, "consent_date": D(2021, 5, 10)},
    )
    referral = care.referral_send(user=case_workers["lb"], case=case, data=referral_data(orgs))
    assert not referral.consent_override
    assert referral.status == "sent"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"to_organisation": "same"}, "to_organisation"),
        ({"sent_on": D(2021, 1, 1)}, "sent_on"),
        ({"service_kind": "spa"}, "service_kind"),
    ],
)
def test_bad_referral_input(case_workers, cases, orgs, overrides, field):
    if overrides.get("to_organisation") == "same":
        overrides["to_organisation"] = orgs["ngo"]
    with pytest.raises(ValidationError) as excinfo:
        care.referral_send(
            user=case_workers["lb"],
            case=cases["lb"],
            data=referral_data(orgs, **overrides),
            override_reason="Reason",
        )
    assert field in errors_of(excinfo)
    assert not Referral.objects.exists()


def test_referral_status_follows_the_workflow(case_workers, cases, orgs):
    user = case_workers["lb"]
    referral = care.referral_send(
        user=user, case=cases["lb"], data=referral_data(orgs), override_reason="Reason"
    )
    with pytest.raises(ValidationError) as excinfo:
        care.referral_update_status(user=user, referral=referral, status="completed")
    assert "cannot become" in errors_of(excinfo)["status"][0]
    with pytest.raises(ValidationError) as excinfo:
        care.referral_update_status(
            user=user, referral=referral, status="accepted", responded_on=D(2021, 5, 1)
        )
    assert "responded_on" in errors_of(excinfo)
    with pytest.raises(ValidationError):
        care.referral_update_status(user=user, referral=referral, status="lost")

    care.referral_update_status(user=user, referral=referral, status="accepted")
    done = care.referral_update_status(user=user, referral=referral, status="completed")

    assert done.status == "completed"
    with pytest.raises(ValidationError):
        care.referral_update_status(user=user, referral=referral, status="declined")


def test_a_shelter_over_capacity_refuses_admission(case_workers, portfolio, shelter):
    user = case_workers["lb"]
    admitted = [
        f.CaseFactory(country_office=portfolio["lebanon"], project=portfolio["p_lb"])
        for _ in range(3)
    ]
    care.stay_admit(user=user, case=admitted[0], shelter=shelter, admitted_on=D(2021, 6, 1))
    care.stay_admit(user=user, case=admitted[1], shelter=shelter, admitted_on=D(2021, 6, 2))

    with pytest.raises(ValidationError) as excinfo:
        care.stay_admit(user=user, case=admitted[2], shelter=shelter, admitted_on=D(2021, 6, 3))

    assert "full" in errors_of(excinfo)["shelter"][0]
    assert ShelterStay.objects.count() == 2
    # A back-dated admission still runs on: it would overfill the shelter from 2 June.
    with pytest.raises(ValidationError) as excinfo:
        care.stay_admit(user=user, case=admitted[2], shelter=shelter, admitted_on=D(2021, 5, 20))
    assert "2021-06-02" in errors_of(excinfo)["shelter"][0]
    assert ShelterStay.objects.count() == 2


def test_a_back_dated_admission_fits_when_places_free_up(case_workers, portfolio, shelter):
    user = case_workers["lb"]
    first, second, third = (
        f.CaseFactory(country_office=portfolio["lebanon"], project=portfolio["p_lb"])
        for _ in range(3)
    )
    stay = care.stay_admit(user=user, case=first, shelter=shelter, admitted_on=D(2021, 6, 1))
    care.stay_discharge(user=user, stay=stay, discharged_on=D(2021, 6, 10))
    care.stay_admit(user=user, case=second, shelter=shelter, admitted_on=D(2021, 6, 5))

    care.stay_admit(user=user, case=third, shelter=shelter, admitted_on=D(2021, 6, 12))

    assert ShelterStay.objects.filter(shelter=shelter, discharged_on__isnull=True).count() == 2


def test_a_back_dated_stay_cannot_overlap_a_later_stay_of_the_victim(
    case_workers, portfolio, shelter
):
    user = case_workers["lb"]
    case = f.CaseFactory(country_office=portfolio["lebanon"], project=portfolio["p_lb"])
    care.stay_admit(user=user, case=case, shelter=shelter, admitted_on=D(2021, 6, 1))
    other = f.ShelterFactory(country=portfolio["lebanon"], capacity=5)

    with pytest.raises(ValidationError) as excinfo:
        care.stay_admit(user=user, case=case, shelter=other, admitted_on=D(2021, 5, 1))

    assert "already staying" in errors_of(excinfo)["admitted_on"][0]


def test_a_discharge_frees_the_place(case_workers, portfolio, shelter):
    user = case_workers["lb"]
    first, second, third = (
        f.CaseFactory(country_office=portfolio["lebanon"], project=portfolio["p_lb"])
        for _ in range(3)
    )
    stay = care.stay_admit(user=user, case=first, shelter=shelter, admitted_on=D(2021, 6, 1))
    care.stay_admit(user=user, case=second, shelter=shelter, admitted_on=D(2021, 6, 1))
    care.stay_discharge(user=user, stay=stay, discharged_on=D(2021, 6, 10))

    care.stay_admit(user=user, case=third, shelter=shelter, admitted_on=D(2021, 6, 10))

    assert ShelterStay.objects.count() == 3


def test_discharge_before_admission_is_refused(case_workers, cases, shelter):
    stay = care.stay_admit(
        user=case_workers["lb"], case=cases["lb"], shelter=shelter, admitted_on=D(2021, 6, 1)
    )
    with pytest.raises(ValidationError) as excinfo:
        care.stay_discharge(user=case_workers["lb"], stay=stay, discharged_on=D(2021, 5, 31))

    assert "before the admission" in errors_of(excinfo)["discharged_on"][0]
    stay.refresh_from_db()
    assert stay.discharged_on is None


def test_admission_to_another_countrys_shelter_or_twice_is_refused(
    case_workers, cases, shelter, portfolio
):
    user = case_workers["lb"]
    elsewhere = f.ShelterFactory(country=portfolio["egypt"])
    with pytest.raises(ValidationError) as excinfo:
        care.stay_admit(user=user, case=cases["lb"], shelter=elsewhere, admitted_on=D(2021, 6, 1))
    assert "shelter" in errors_of(excinfo)

    care.stay_admit(user=user, case=cases["lb"], shelter=shelter, admitted_on=D(2021, 6, 1))
    with pytest.raises(ValidationError) as excinfo:
        care.stay_admit(user=user, case=cases["lb"], shelter=shelter, admitted_on=D(2021, 6, 5))
    assert "already staying" in errors_of(excinfo)["admitted_on"][0]


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_add_a_note_with_an_attachment(case_workers, cases):
    note = care.note_add(
        user=case_workers["lb"],
        case=cases["lb"],
        text="Medical check done.",
        attachment=SimpleUploadedFile("report.pdf", PDF),
    )
    assert note.attachment.name.endswith("-report.pdf")
    assert CaseNote.objects.get().text == "Medical check done."


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"text": "  "}, "text"),
        ({"text": "x", "attachment": SimpleUploadedFile("a.pdf", b"<html>")}, "attachment"),
        ({"text": "x", "attachment": SimpleUploadedFile("a.exe", b"MZ")}, "attachment"),
    ],
)
def test_bad_notes_are_refused(case_workers, cases, kwargs, field):
    with pytest.raises(ValidationError) as excinfo:
        care.note_add(user=case_workers["lb"], case=cases["lb"], **kwargs)
    assert field in errors_of(excinfo)
    assert not CaseNote.objects.exists()


def test_shelter_save_keeps_case_workers_to_their_country(case_workers, portfolio, orgs):
    data = {"name": "House", "organisation": orgs["ngo"], "capacity": 4}
    shelter = care.shelter_save(
        user=case_workers["lb"], data={**data, "country": portfolio["lebanon"]}
    )
    assert shelter.pk
    with pytest.raises(ValidationError) as excinfo:
        care.shelter_save(
            user=case_workers["lb"], data={**data, "name": "Other", "country": portfolio["egypt"]}
        )
    assert "country" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        care.shelter_save(user=case_workers["lb"], shelter=shelter, data={"capacity": 0})
    assert "capacity" in errors_of(excinfo)


def test_a_crash_while_saving_an_identity_reports_no_name(case_workers, cases, monkeypatch, rf):
    import sys

    from django.views.debug import ExceptionReporter

    def broken_save(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Identity, "save", broken_save)
    request = rf.get("/")
    try:
        services.identity_save(
            user=case_workers["lb"], case=cases["lb"], data={"given_name": "Zenebech"}
        )
    except RuntimeError:
        report = ExceptionReporter(request, *sys.exc_info()).get_traceback_text()

    assert "disk full" in report
    assert "Zenebech" not in report
