"""Care forms of a case: services, referrals, shelter stays and notes with attachments."""

import datetime

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assistance import care_services as care
from assistance import services
from assistance.models import Case, CaseNote, Referral, Service, ShelterStay

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n(Passport of Zahra-Unique-Name)\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.IDENTITY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]


@pytest.fixture
def worker(client, case_workers):
    client.force_login(case_workers["lb"])
    return client


def url(name, case, *more):
    return reverse(f"assistance:{name}", args=[case.pk, *more])


def test_record_a_service(worker, cases, orgs):
    case = cases["lb"]
    response = worker.post(
        url("service_add", case),
        {
            "kind": "legal",
            "provider": orgs["ngo"].pk,
            "start_date": "2021-06-01",
            "end_date": "2021-06-30",
            "cost": "120.50",
            "currency": "usd",
        },
    )

    assert response.status_code == 302
    service = Service.objects.get(case=case)
    assert service.kind == "legal" and service.currency == "USD"
    assert str(service.cost) == "120.50"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "legal", "start_date": "2021-06-30", "end_date": "2021-06-01"}, "end_date"),
        ({"kind": "legal", "start_date": "2999-01-01"}, "start_date"),
        ({"kind": "massage", "start_date": "2021-06-01"}, "kind"),
        ({"kind": "legal", "start_date": "2021-06-01", "cost": "-5"}, "cost"),
    ],
)
def test_service_bad_input(worker, cases, data, field):
    response = worker.post(url("service_add", cases["lb"]), {"currency": "USD", **data})

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Service.objects.exists()


def test_no_service_on_a_closed_case(worker, cases, case_workers):
    case = services.case_close(
        user=case_workers["lb"], case=cases["lb"], closure_reason="completed"
    )

    response = worker.post(
        url("service_add", case), {"kind": "legal", "start_date": "2021-06-01", "currency": "USD"}
    )

    assert response.status_code == 400
    assert "This case is closed." in response.content.decode()
    assert not Service.objects.exists()


def test_referral_without_consent_needs_a_reason(worker, cases, orgs):
    case = cases["lb"]
    data = {
        "from_organisation": orgs["ngo"].pk,
        "to_organisation": orgs["un"].pk,
        "sent_on": "2021-06-02",
    }
    page = worker.get(url("referral_send", case))
    assert "override_reason" in page.context["form"].fields

    refused = worker.post(url("referral_send", case), data)
    assert refused.status_code == 400
    assert "override_reason" in refused.context["form"].errors
    assert not Referral.objects.exists()

    sent = worker.post(url("referral_send", case), {**data, "override_reason": "Medical emergency"})
    assert sent.status_code == 302
    referral = Referral.objects.get()
    assert referral.consent_override and referral.override_reason == "Medical emergency"


def test_referral_with_consent_has_no_override_field(worker, cases, orgs):
    case = cases["lb"]
    Case.objects.filter(pk=case.pk).update(consent_referral=True, consent_date=D(2021, 5, 10))
    page = worker.get(url("referral_send", case))
    assert "override_reason" not in page.context["form"].fields

    same = worker.post(
        url("referral_send", case),
        {
            "from_organisation": orgs["ngo"].pk,
            "to_organisation": orgs["ngo"].pk,
            "sent_on": "2021-06-02",
        },
    )
    assert same.status_code == 400
    assert "to_organisation" in same.context["form"].errors
    assert not Referral.objects.exists()


def test_referral_status_follows_the_workflow(worker, cases, case_workers, orgs):
    case = cases["lb"]
    referral = care.referral_send(
        user=case_workers["lb"],
        case=case,
        data={
            "from_organisation": orgs["ngo"],
            "to_organisation": orgs["un"],
            "sent_on": D(2021, 6, 2),
        },
        override_reason="Urgent",
    )
    status_url = url("referral_status", case, referral.pk)
    choices = [c[0] for c in worker.get(status_url).context["form"].fields["status"].choices]
    assert choices == ["accepted", "declined"]

    wrong = worker.post(status_url, {"status": "completed", "responded_on": "2021-06-05"})
    assert wrong.status_code == 400
    early = worker.post(status_url, {"status": "accepted", "responded_on": "2021-06-01"})
    assert early.status_code == 400 and "responded_on" in early.context["form"].errors
    referral.refresh_from_db()
    assert referral.status == "sent"

    assert (
        worker.post(status_url, {"status": "accepted", "responded_on": "2021-06-05"}).status_code
        == 302
    )
    referral.refresh_from_db()
    assert referral.status == "accepted" and referral.responded_on == D(2021, 6, 5)


def test_admit_and_discharge(worker, cases, shelter, case_workers, portfolio):
    case = cases["lb"]
    page = worker.get(url("stay_admit", case))
    assert "Safe house (2 of 2 places free)" in page.content.decode()

    admitted = worker.post(
        url("stay_admit", case), {"shelter": shelter.pk, "admitted_on": "2021-06-03"}
    )
    assert admitted.status_code == 302
    stay = ShelterStay.objects.get()

    early = worker.post(url("stay_discharge", case, stay.pk), {"discharged_on": "2021-06-01"})
    assert early.status_code == 400 and "discharged_on" in early.context["form"].errors
    stay.refresh_from_db()
    assert stay.discharged_on is None

    done = worker.post(url("stay_discharge", case, stay.pk), {"discharged_on": "2021-07-01"})
    assert done.status_code == 302
    stay.refresh_from_db()
    assert stay.discharged_on == D(2021, 7, 1)


def test_admission_over_capacity_is_refused(worker, cases, shelter, portfolio):
    from tests import factories as f

    for _ in range(2):
        f.ShelterStayFactory(
            shelter=shelter,
            admitted_on=D(2021, 6, 1),
            case=f.CaseFactory(country_office=portfolio["lebanon"], project=portfolio["p_lb"]),
        )

    response = worker.post(
        url("stay_admit", cases["lb"]), {"shelter": shelter.pk, "admitted_on": "2021-06-03"}
    )

    assert response.status_code == 400
    assert "full" in str(response.context["form"].errors["shelter"])
    assert ShelterStay.objects.filter(case=cases["lb"]).count() == 0


def test_admission_to_another_countrys_shelter_is_not_offered(worker, cases, portfolio, orgs):
    from tests import factories as f

    egyptian = f.ShelterFactory(
        name="Cairo house", organisation=orgs["un"], country=portfolio["egypt"]
    )

    page = worker.get(url("stay_admit", cases["lb"]))
    response = worker.post(
        url("stay_admit", cases["lb"]), {"shelter": egyptian.pk, "admitted_on": "2021-06-03"}
    )

    assert "Cairo house" not in page.content.decode()
    assert response.status_code == 400 and "shelter" in response.context["form"].errors
    assert not ShelterStay.objects.exists()


def test_note_with_attachment_and_protected_download(worker, cases, users, case_workers):
    case = cases["lb"]
    response = worker.post(
        url("note_add", case),
        {
            "text": "Passport copy received",
            "attachment": SimpleUploadedFile("passport.pdf", PDF, "application/pdf"),
            "attachment_title": "Passport",
        },
    )
    assert response.status_code == 302
    assert response.wsgi_request.sensitive_post_parameters == "__ALL__"
    note = CaseNote.objects.get()
    download = url("note_attachment", case, note.pk)

    got = worker.get(download)
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == PDF
    assert got["Content-Disposition"].startswith("attachment")

    for other in (users["admin"], case_workers["eg"], users["donor_b"]):
        client = Client()
        client.force_login(other)
        assert client.get(download).status_code == 404
    wrong_case = reverse("assistance:note_attachment", args=[cases["eg"].pk, note.pk])
    assert worker.get(wrong_case).status_code == 404


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "x", "attachment": SimpleUploadedFile("run.exe", b"MZ\x90\x00")}, "attachment"),
        (
            {"text": "x", "attachment": SimpleUploadedFile("fake.pdf", b"not a pdf at all")},
            "attachment",
        ),
    ],
)
def test_note_bad_input(worker, cases, data, field):
    response = worker.post(url("note_add", cases["lb"]), data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not CaseNote.objects.exists()


def test_referral_and_stay_of_another_case_are_404(worker, cases, case_workers, orgs, portfolio):
    from tests import factories as f

    eg_case = cases["eg"]
    referral = care.referral_send(
        user=case_workers["eg"],
        case=eg_case,
        data={"from_organisation": orgs["ngo"], "to_organisation": orgs["un"]},
        override_reason="Urgent",
    )
    stay = f.ShelterStayFactory(case=eg_case, shelter=f.ShelterFactory(country=portfolio["egypt"]))

    for case in (eg_case, cases["lb"]):
        assert worker.get(url("referral_status", case, referral.pk)).status_code == 404
        assert worker.get(url("stay_discharge", case, stay.pk)).status_code == 404
    referral.refresh_from_db()
    assert referral.status == "sent"
