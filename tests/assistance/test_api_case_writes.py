import pytest

from assistance.models import Case, Identity, IdentityAccess
from tests.assistance.test_api import CASES, FIGURES, case_body, role_clients


@pytest.fixture
def clients(users, case_workers):
    return role_clients(users, case_workers)


# Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"identified_by": "aliens"}, "identified_by"),
        ({"exploitation_types": ["isForcedLabour", "isMadeUp"]}, "exploitation_types[1]"),
        ({"means_of_control": ["nothing"]}, "means_of_control[0]"),
        ({"sex": "F"}, "sex"),
        ({"citizenship": "XX"}, "citizenship"),
        ({"transit_countries": ["SD", "ZZ"]}, "transit_countries[1]"),
        ({"labour_sector": "typeOfLabourNothing"}, "labour_sector"),
        ({"status": "lost"}, "status"),
        ({"identification_date": "2021-02-30"}, "identification_date"),
        ({"identification_date": "2999-01-01"}, "identification_date"),
        ({"consent_date": None}, "consent_date"),
        ({"age_at_identification": 130}, "age_at_identification"),
        ({"project": "NOPE"}, "project"),
        ({"status": "closed"}, "status"),
        ({"exploitation_types": ["isSexualExploit"]}, "labour_sector"),
        ({"identity": {"date_of_birth": "2030-01-01"}}, "identity.date_of_birth"),
        ({"identity": {"date_of_birth": "2021-06-01"}}, "identity.date_of_birth"),
        ({"identity": {"email": "not-an-email"}}, "identity.email"),
    ],
)
def test_bad_case_is_refused_with_its_field_and_nothing_written(
    clients, portfolio, cases, change, field
):
    before = (Case.objects.count(), Identity.objects.count(), IdentityAccess.objects.count())
    response = clients["case_worker_lb"].post(CASES, case_body(portfolio, **change), format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    assert before == (
        Case.objects.count(),
        Identity.objects.count(),
        IdentityAccess.objects.count(),
    )


def test_an_unknown_code_names_the_valid_ones(clients, portfolio, cases):
    body = case_body(portfolio, identified_by="aliens")
    response = clients["case_worker_lb"].post(CASES, body, format="json")
    message = response.json()["error"]["fields"]["identified_by"][0]
    assert "aliens" in message
    assert "law_enforcement" in message


def test_a_case_from_a_project_outside_scope_is_refused(clients, portfolio, cases):
    body = case_body(portfolio, project=portfolio["p_eg"].code)
    response = clients["case_worker_lb"].post(CASES, body, format="json")
    assert response.status_code == 400
    assert "project" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "lost"},
        {"exploitation": "isNothing"},
        {"country_office": "XX"},
        {"identified_from": "2021-13-01"},
        {"sex": "F"},
    ],
)
def test_bad_filters_are_400_with_the_parameter(clients, cases, params):
    for path in (CASES, FIGURES):
        response = clients["case_worker_lb"].get(path, params)
        assert response.status_code == 400
        assert set(params) <= set(response.json()["error"]["fields"])


# Updates and the version --------------------------------------------------------------


def test_update_needs_the_version_and_refuses_a_stale_one(clients, cases):
    client, case = clients["case_worker_lb"], cases["lb"]
    url = f"{CASES}{case.pk}/"
    etag = client.get(url)["ETag"]

    missing = client.patch(url, {"age_at_identification": 30}, format="json")
    assert missing.status_code == 428
    assert missing.json()["error"]["code"] == "precondition_required"

    changed = client.patch(url, {"age_at_identification": 30}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200, changed.json()
    assert changed.json()["age_at_identification"] == 30
    assert changed["ETag"] != etag

    stale = client.patch(url, {"age_at_identification": 40}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["error"]["status"] == 412
    assert stale.json()["error"]["code"] == "stale_version"
    assert stale.json()["error"]["message"]
    case.refresh_from_db()
    assert case.age_at_identification == 30


def test_update_takes_the_version_in_the_body(clients, cases):
    client, case = clients["case_worker_lb"], cases["lb"]
    body = {"exploitation_types": ["isForcedLabour", "isSexualExploit"], "version": case.version}
    response = client.patch(f"{CASES}{case.pk}/", body, format="json")
    assert response.status_code == 200
    assert set(response.json()["exploitation_types"]) == {"isForcedLabour", "isSexualExploit"}
    stale = client.patch(f"{CASES}{case.pk}/", body, format="json")
    assert stale.status_code == 412


def test_bad_update_writes_nothing(clients, cases):
    client, case = clients["case_worker_lb"], cases["lb"]
    response = client.patch(
        f"{CASES}{case.pk}/",
        {"sex": "Male", "identification_date": "2999-01-01"},
        format="json",
        HTTP_IF_MATCH=f'"{case.version}"',
    )
    assert response.status_code == 400
    assert "identification_date" in response.json()["error"]["fields"]
    case.refresh_from_db()
    assert (case.sex, case.version) == ("Female", 1)


@pytest.mark.parametrize("who", ["admin", "case_worker_eg", "me", "donor_a", "analyst"])
def test_others_cannot_update_or_close(clients, cases, who):
    case = cases["lb"]
    patch = clients[who].patch(
        f"{CASES}{case.pk}/", {"sex": "Male"}, format="json", HTTP_IF_MATCH='"1"'
    )
    close = clients[who].post(
        f"{CASES}{case.pk}/close/", {"closure_reason": "completed"}, HTTP_IF_MATCH='"1"'
    )
    expected = 404 if who == "case_worker_eg" else 403
    assert (patch.status_code, close.status_code) == (expected, expected)
    case.refresh_from_db()
    assert (case.sex, case.status) == ("Female", "open")


def test_close_a_case(clients, cases):
    client, case = clients["case_worker_lb"], cases["lb"]
    url = f"{CASES}{case.pk}/close/"
    assert client.post(url, {"closure_reason": "completed"}).status_code == 428
    bad = client.post(url, {"closure_reason": "bored"}, HTTP_IF_MATCH='"1"')
    assert bad.status_code == 400
    assert "completed" in bad.json()["error"]["fields"]["closure_reason"][0]
    early = client.post(
        url, {"closure_reason": "completed", "closed_on": "2020-01-01"}, HTTP_IF_MATCH='"1"'
    )
    assert "closed_on" in early.json()["error"]["fields"]
    closed = client.post(
        url, {"closure_reason": "returned", "closed_on": "2022-01-03"}, HTTP_IF_MATCH='"1"'
    )
    assert closed.status_code == 200, closed.json()
    assert (closed.json()["status"], closed.json()["closure_reason"]) == ("closed", "returned")
    assert closed["ETag"] == '"2"'
    again = client.post(url, {"closure_reason": "completed"}, HTTP_IF_MATCH='"1"')
    assert again.status_code == 412


# Identity writes ---------------------------------------------------------------------


def test_identity_put_records_then_replaces_with_the_etag(clients, cases):
    client, case = clients["case_worker_lb"], cases["lb"]
    url = f"{CASES}{case.pk}/identity/"
    empty = client.get(url)
    assert empty.json()["recorded"] is False
    assert empty.json()["given_name"] == ""
    assert empty["ETag"] == '"0"'

    body = {"given_name": "Amina", "family_name": "Haddad", "date_of_birth": "1996-04-02"}
    assert client.put(url, body, format="json").status_code == 428
    saved = client.put(url, body, format="json", HTTP_IF_MATCH=empty["ETag"])
    assert saved.status_code == 200, saved.json()
    assert saved.json()["family_name"] == "Haddad"
    assert saved["ETag"] not in ('"0"', empty["ETag"])

    stale = client.put(url, {"given_name": "Other"}, format="json", HTTP_IF_MATCH='"0"')
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "stale_version"

    replaced = client.put(url, {"given_name": "Amina"}, format="json", HTTP_IF_MATCH=saved["ETag"])
    assert replaced.status_code == 200
    identity = Identity.objects.get(case=case)
    assert (identity.given_name, identity.family_name, identity.date_of_birth) == (
        "Amina",
        "",
        None,
    )
    actions = list(IdentityAccess.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["read", "write", "write"]


def test_identity_put_with_an_impossible_birth_writes_nothing(clients, cases):
    client, case = clients["case_worker_lb"], cases["lb"]
    url = f"{CASES}{case.pk}/identity/"
    for birth, field in (("2022-01-01", "date_of_birth"), ("1990-02-31", "date_of_birth")):
        response = client.put(url, {"date_of_birth": birth}, format="json", HTTP_IF_MATCH="*")
        assert response.status_code == 400
        assert field in response.json()["error"]["fields"]
    assert not Identity.objects.exists()
    assert not IdentityAccess.objects.exists()


@pytest.mark.parametrize("who", ["admin", "case_worker_eg", "officer_lb_project", "donor_b"])
def test_identity_put_is_404_for_everyone_else(clients, cases, who):
    url = f"{CASES}{cases['lb'].pk}/identity/"
    response = clients[who].put(url, {"given_name": "X"}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 404
    assert not Identity.objects.exists()
