"""Services, referrals, shelter stays, notes and shelters (assistance.care_services)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from assistance import care_services as care
from assistance import services
from assistance.models import CaseNote, Referral, Service, ShelterStay
from tests import factories as f

D = datetime.date


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


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
