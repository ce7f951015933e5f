import csv
import datetime
import io

import pytest

from assistance import services
from assistance.models import CaseNote, Referral, Service, Shelter, ShelterStay
from tests import factories as f
from tests.assistance.test_api import (
    ROWS,
    assert_no_identity,
    record_identities,
    role_clients,
)

API = "/api/v1/assistance/"
SERVICES, REFERRALS, STAYS = f"{API}services/", f"{API}referrals/", f"{API}stays/"
NOTES, SHELTERS = f"{API}notes/", f"{API}shelters/"
NOTE_READERS = {"case_worker_lb", "case_worker_eg"}


@pytest.fixture
def clients(users, case_workers):
    return role_clients(users, case_workers)


@pytest.fixture
def care(cases, users, orgs, portfolio, shelter):
    """An identity, a note, a service, a referral and a stay on each case; a shelter in
    each country."""
    identities = record_identities(cases, users["admin"])
    records = {"shelter_lb": shelter}
    records["shelter_eg"] = f.ShelterFactory(
        name="Cairo house", organisation=orgs["un"], country=portfolio["egypt"]
    )
    for key, case in identities.items():
        records[f"service_{key}"] = f.ServiceFactory(case=case, provider=orgs["ngo"])
        records[f"referral_{key}"] = Referral.objects.create(
            case=case,
            from_organisation=orgs["ngo"],
            to_organisation=orgs["un"],
            sent_on=datetime.date(2021, 6, 2),
            sent_by=case.registered_by,
        )
        records[f"stay_{key}"] = f.ShelterStayFactory(case=case, shelter=records[f"shelter_{key}"])
    return records


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


# Reads per role ------------------------------------------------------------------------


@pytest.mark.parametrize("who", sorted(ROWS))
@pytest.mark.parametrize(("path", "kind"), [(SERVICES, "service"), (REFERRALS, "referral")])
def test_care_rows_follow_their_case(clients, care, who, path, kind):
    response = clients[who].get(path)
    assert response.status_code == 200
    assert ids(response) == {care[f"{kind}_{key}"].pk for key in ROWS[who]}
    for key in ("lb", "eg"):
        detail = clients[who].get(f"{path}{care[f'{kind}_{key}'].pk}/")
        assert detail.status_code == (200 if key in ROWS[who] else 404)
        assert_no_identity(detail)


@pytest.mark.parametrize("who", sorted(ROWS))
def test_stays_follow_their_case(clients, care, who):
    response = clients[who].get(STAYS)
    assert ids(response) == {care[f"stay_{key}"].pk for key in ROWS[who]}
    row = clients[who].get(f"{STAYS}{care['stay_lb'].pk}/")
    assert row.status_code == (200 if "lb" in ROWS[who] else 404)


@pytest.mark.parametrize("who", sorted(ROWS))
def test_notes_only_for_the_case_workers_of_the_office(clients, care, who):
    response = clients[who].get(NOTES)
    assert response.status_code == 200
    texts = {row["text"] for row in response.json()["results"]}
    expected = {f"Note-Unique-{key}" for key in ROWS[who]} if who in NOTE_READERS else set()
    assert texts == expected
    note = CaseNote.objects.get(case=care["service_lb"].case)
    detail = clients[who].get(f"{NOTES}{note.pk}/")
    assert detail.status_code == (200 if who == "case_worker_lb" else 404)
    if who != "case_worker_lb":
        assert "Note-Unique-lb" not in detail.content.decode()


def test_notes_are_not_offered_as_csv(clients, care):
    response = clients["case_worker_lb"].get(NOTES, {"format": "csv"})
    assert response.status_code == 404
    assert "Note-Unique" not in response.content.decode()


@pytest.mark.parametrize("who", sorted(ROWS))
def test_shelters_for_administrators_and_local_case_workers(clients, care, who):
    response = clients[who].get(SHELTERS)
    assert response.status_code == 200
    expected = {
        "admin": {"shelter_lb", "shelter_eg"},
        "case_worker_lb": {"shelter_lb"},
        "case_worker_eg": {"shelter_eg"},
    }.get(who, set())
    assert ids(response) == {care[key].pk for key in expected}
    detail = clients[who].get(f"{SHELTERS}{care['shelter_lb'].pk}/")
    assert detail.status_code == (200 if "shelter_lb" in expected else 404)


def test_shelter_occupancy(clients, care, portfolio):
    response = clients["case_worker_lb"].get(f"{SHELTERS}{care['shelter_lb'].pk}/")
    body = response.json()
    assert (body["capacity"], body["occupancy"], body["free_places"]) == (2, 1, 1)
    assert body["country"] == "LB"


def test_care_lists_as_csv(clients, care):
    response = clients["admin"].get(SERVICES, {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row["case_reference"] for row in rows} == {
        care["service_lb"].case.reference,
        care["service_eg"].case.reference,
    }
    assert rows[0]["provider_name"] == "Caritas"
    assert_no_identity(response)


def test_filters_on_care_rows(clients, care):
    client = clients["admin"]
    lb = care["service_lb"].case
    assert ids(client.get(SERVICES, {"case": lb.pk})) == {care["service_lb"].pk}
    assert ids(client.get(SERVICES, {"kind": "legal"})) == set()
    assert ids(client.get(STAYS, {"current": "true", "shelter": care["shelter_eg"].pk})) == {
        care["stay_eg"].pk
    }
    assert client.get(SERVICES, {"kind": "massage"}).status_code == 400
    # An id outside the caller's scope answers like one that does not exist.
    scoped = clients["case_worker_lb"].get(SERVICES, {"case": care["service_eg"].case.pk})
    assert (scoped.status_code, ids(scoped)) == (200, set())


@pytest.mark.parametrize("value", ["-1.127897504957683e+308", "99999999999999999999", "0", "1.5"])
@pytest.mark.parametrize(
    "path, name",
    [
        (SERVICES, "case"),
        (SERVICES, "provider"),
        (REFERRALS, "to_organisation"),
        (STAYS, "shelter"),
        (NOTES, "case"),
        (SHELTERS, "organisation"),
    ],
)
def test_ids_out_of_range_are_400_naming_the_filter(clients, care, path, name, value):
    response = clients["admin"].get(path, {name: value})
    assert response.status_code == 400
    assert name in response.json()["error"]["fields"]


# Services ---------------------------------------------------------------------------------


def service_body(case, overrides=None) -> dict:
    return {"case": case.pk, "kind": "legal", "start_date": "2021-07-01"} | (overrides or {})


@pytest.mark.parametrize("who", sorted(ROWS))
def test_only_case_workers_of_the_office_record_services(clients, care, who):
    case = care["service_lb"].case
    before = Service.objects.count()
    response = clients[who].post(SERVICES, service_body(case, {"cost": "120.50"}), format="json")
    if who == "case_worker_lb":
        assert response.status_code == 201, response.json()
        assert response.json()["kind"] == "legal"
        assert response.json()["cost"] == "120.50"
        assert Service.objects.count() == before + 1
        return
    # Another office's case worker names a case they cannot see; others may not write.
    assert response.status_code == (400 if who == "case_worker_eg" else 403)
    assert Service.objects.count() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "massage"}, "kind"),
        ({"start_date": "2021-02-30"}, "start_date"),
        ({"start_date": "2999-01-01"}, "start_date"),
        ({"end_date": "2021-06-01"}, "end_date"),
        ({"cost": "-5"}, "cost"),
        ({"currency": "ZZZ"}, "currency"),
        ({"case": 999999}, "case"),
    ],
)
def test_bad_service_writes_nothing(clients, care, change, field):
    before = Service.objects.count()
    body = service_body(care["service_lb"].case, change)
    response = clients["case_worker_lb"].post(SERVICES, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert Service.objects.count() == before


def test_no_service_on_a_closed_case(clients, care, case_workers):
    case = services.case_close(
        user=case_workers["lb"], case=care["service_lb"].case, closure_reason="completed"
    )
    response = clients["case_worker_lb"].post(SERVICES, service_body(case), format="json")
    assert response.status_code == 400
    assert "case" in response.json()["error"]["fields"]


# Referrals --------------------------------------------------------------------------------


def referral_body(case, orgs, **overrides) -> dict:
    return {
        "case": case.pk,
        "from_organisation": orgs["ngo"].pk,
        "to_organisation": orgs["un"].pk,
        "service_kind": "legal",
        "sent_on": "2021-07-01",
        **overrides,
    }


def test_referral_without_consent_needs_a_reason(clients, care, orgs):
    case = care["service_lb"].case  # the factory records no consent
    client = clients["case_worker_lb"]
    refused = client.post(REFERRALS, referral_body(case, orgs), format="json")
    assert refused.status_code == 400
    assert "override_reason" in refused.json()["error"]["fields"]
    assert Referral.objects.filter(case=case).count() == 1

    body = referral_body(case, orgs, override_reason="Child at risk; guardian unreachable.")
    sent = client.post(REFERRALS, body, format="json")
    assert sent.status_code == 201, sent.json()
    assert sent.json()["consent_override"] is True
    assert sent.json()["status"] == "sent"


def test_referral_with_consent(clients, care, orgs):
    case = care["service_lb"].case
    case.consent_referral, case.consent_date = True, datetime.date(2021, 5, 10)
    case.save()
    response = clients["case_worker_lb"].post(REFERRALS, referral_body(case, orgs), format="json")
    assert response.status_code == 201
    assert response.json()["consent_override"] is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"service_kind": "massage"}, "service_kind"),
        ({"to_organisation": "ngo"}, "to_organisation"),
        ({"sent_on": "2020-01-01"}, "sent_on"),
        ({"sent_on": "yesterday"}, "sent_on"),
    ],
)
def test_bad_referral_writes_nothing(clients, care, orgs, change, field):
    case = care["service_lb"].case
    if change.get("to_organisation") == "ngo":
        change = {"to_organisation": orgs["ngo"].pk}
    body = referral_body(case, orgs, override_reason="Urgent.", **change)
    response = clients["case_worker_lb"].post(REFERRALS, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert Referral.objects.count() == 2


def test_referral_status_moves_on(clients, care):
    client, referral = clients["case_worker_lb"], care["referral_lb"]
    url = f"{REFERRALS}{referral.pk}/status/"
    unknown = client.post(url, {"status": "lost"}, format="json")
    assert unknown.status_code == 400
    assert "accepted" in unknown.json()["error"]["fields"]["status"][0]
    early = client.post(url, {"status": "accepted", "responded_on": "2021-06-01"}, format="json")
    assert "responded_on" in early.json()["error"]["fields"]
    accepted = client.post(url, {"status": "accepted", "responded_on": "2021-06-05"})
    assert accepted.status_code == 200, accepted.json()
    assert (accepted.json()["status"], accepted.json()["responded_on"]) == (
        "accepted",
        "2021-06-05",
    )
    backwards = client.post(url, {"status": "sent"}, format="json")
    assert backwards.status_code == 400
    referral.refresh_from_db()
    assert referral.status == "accepted"


@pytest.mark.parametrize("who", ["admin", "case_worker_eg", "case_worker_lb_token", "analyst"])
def test_others_cannot_move_a_referral(clients, care, who):
    url = f"{REFERRALS}{care['referral_lb'].pk}/status/"
    response = clients[who].post(url, {"status": "accepted"}, format="json")
    assert response.status_code == (404 if who == "case_worker_eg" else 403)
    care["referral_lb"].refresh_from_db()
    assert care["referral_lb"].status == "sent"


# Stays ------------------------------------------------------------------------------------


def test_admit_and_discharge(clients, care, portfolio):
    client, shelter = clients["case_worker_lb"], care["shelter_lb"]
    case = f.CaseFactory(country_office=portfolio["lebanon"], project=portfolio["p_lb"])
    admitted = client.post(
        STAYS, {"case": case.pk, "shelter": shelter.pk, "admitted_on": "2021-07-01"}
    )
    assert admitted.status_code == 201, admitted.json()
    stay = admitted.json()
    assert stay["shelter_name"] == "Safe house"

    url = f"{STAYS}{stay['id']}/discharge/"
    early = client.post(url, {"discharged_on": "2021-06-01"})
    assert early.status_code == 400
    assert "discharged_on" in early.json()["error"]["fields"]
    assert ShelterStay.objects.get(pk=stay["id"]).discharged_on is None
    done = client.post(url, {"discharged_on": "2021-08-01"})
    assert done.status_code == 200
    assert done.json()["discharged_on"] == "2021-08-01"


def test_a_full_shelter_admits_nobody(clients, care, portfolio):
    shelter = care["shelter_lb"]  # two places, one taken since 2021-06-01
    f.ShelterStayFactory(
        shelter=shelter,
        case=f.CaseFactory(country_office=portfolio["lebanon"], project=portfolio["p_lb"]),
    )
    case = f.CaseFactory(country_office=portfolio["lebanon"], project=portfolio["p_lb"])
    body = {"case": case.pk, "shelter": shelter.pk, "admitted_on": "2021-07-01"}
    response = clients["case_worker_lb"].post(STAYS, body)
    assert response.status_code == 400
    assert "is full" in response.json()["error"]["fields"]["shelter"][0]
    assert not ShelterStay.objects.filter(case=case).exists()


def test_no_admission_to_a_shelter_of_another_country(clients, care, portfolio):
    case = f.CaseFactory(country_office=portfolio["lebanon"], project=portfolio["p_lb"])
    body = {"case": case.pk, "shelter": care["shelter_eg"].pk, "admitted_on": "2021-07-01"}
    response = clients["case_worker_lb"].post(STAYS, body)
    assert response.status_code == 400
    assert "shelter" in response.json()["error"]["fields"]


# Notes ------------------------------------------------------------------------------------


def test_a_case_worker_adds_a_text_note(clients, care):
    case = care["service_lb"].case
    response = clients["case_worker_lb"].post(NOTES, {"case": case.pk, "text": "Called back."})
    assert response.status_code == 201, response.json()
    assert response.json()["text"] == "Called back."
    assert response.json()["has_attachment"] is False
    assert CaseNote.objects.filter(case=case).count() == 2


@pytest.mark.parametrize("who", ["admin", "case_worker_eg", "case_worker_lb_token", "me"])
def test_others_cannot_add_notes(clients, care, who):
    case = care["service_lb"].case
    response = clients[who].post(NOTES, {"case": case.pk, "text": "Hello."})
    assert response.status_code == (400 if who == "case_worker_eg" else 403)
    assert CaseNote.objects.count() == 2


def test_an_empty_note_writes_nothing(clients, care):
    case = care["service_lb"].case
    response = clients["case_worker_lb"].post(NOTES, {"case": case.pk, "text": "  "})
    assert response.status_code == 400
    assert "text" in response.json()["error"]["fields"]
    assert CaseNote.objects.count() == 2


# Shelters ---------------------------------------------------------------------------------


def test_shelters_are_recorded_in_the_country_of_the_office(clients, care, orgs):
    client = clients["case_worker_lb"]
    body = {"name": "New house", "organisation": orgs["ngo"].pk, "country": "lb", "capacity": 6}
    created = client.post(SHELTERS, body)
    assert created.status_code == 201, created.json()
    assert (created.json()["occupancy"], created.json()["free_places"]) == (0, 6)
    abroad = client.post(SHELTERS, {**body, "name": "Abroad", "country": "EG"})
    assert abroad.status_code == 400
    assert "country" in abroad.json()["error"]["fields"]
    empty = client.post(SHELTERS, {**body, "name": "Tiny", "capacity": 0})
    assert "capacity" in empty.json()["error"]["fields"]
    assert clients["donor_a"].post(SHELTERS, body).status_code == 403
    assert set(Shelter.objects.values_list("name", flat=True)) == {
        "Safe house",
        "Cairo house",
        "New house",
    }


# Query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", [SERVICES, REFERRALS, STAYS, NOTES, SHELTERS])
def test_care_lists_cost_the_same_for_2_or_30_rows(
    clients, care, orgs, portfolio, path, django_assert_max_num_queries
):
    client = clients["case_worker_lb"]
    # One more than the list itself: the entry of the case data read log.
    with django_assert_max_num_queries(9):
        assert client.get(path).status_code == 200
    for n in range(28):
        case = f.CaseFactory(country_office=portfolio["lebanon"], project=portfolio["p_lb"])
        f.ServiceFactory(case=case, provider=f.OrganisationFactory())
        Referral.objects.create(
            case=case,
            from_organisation=orgs["ngo"],
            to_organisation=f.OrganisationFactory(),
            sent_on=datetime.date(2021, 6, 2),
            sent_by=case.registered_by,
        )
        f.ShelterStayFactory(case=case, shelter=f.ShelterFactory(country=portfolio["lebanon"]))
        CaseNote.objects.create(case=case, author=case.registered_by, text=f"Note {n}")
    with django_assert_max_num_queries(9):
        response = client.get(path)
    assert response.json()["count"] >= 29
