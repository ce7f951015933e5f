import csv
import datetime
import io

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from rest_framework.test import APIClient

from assistance import services
from assistance.models import Case, CaseNote, Identity, IdentityAccess
from tests import factories as f

CASES = "/api/v1/assistance/cases/"
FIGURES = "/api/v1/assistance/figures/"

# Distinctive values: none of them may reach anyone but the case workers of the office.
IDENTITY = {
    "given_name": "Zahra-Unique-Name",
    "family_name": "Qasim-Unique-Family",
    "other_names": "Zuzu-Unique-Alias",
    "date_of_birth": datetime.date(1996, 4, 2),
    "phone": "+961-555-0199-77",
    "email": "zahra.unique@example.org",
    "address": "Unique-Street 42, Beirut",
    "documents": "PASSPORT-X7654321",
}
SECRETS = [value for value in IDENTITY.values() if isinstance(value, str)] + ["1996-04-02"]

# Who gets which case rows through the API, and who may write (session users).
ROWS = {
    "case_worker_lb": {"lb"},
    "case_worker_eg": {"eg"},
    "case_worker_lb_token": set(),
    "admin": {"lb", "eg"},
    "officer_eg": set(),
    "officer_lb_project": set(),
    "me": set(),
    "donor_a": set(),
    "donor_b": set(),
    "analyst": set(),
}
WRITERS = {"case_worker_lb", "case_worker_eg"}
# Cases each role counts in the figures (test_access.EXPECTED_COUNTED).
COUNTED = {
    **ROWS,
    "officer_eg": {"eg"},
    "officer_lb_project": {"lb"},
    "me": {"lb", "eg"},
    "donor_a": {"eg"},
    "donor_b": {"lb"},
    "analyst": {"lb", "eg"},
}


def role_users(users, case_workers) -> dict:
    return {
        **users,
        "case_worker_lb": case_workers["lb"],
        "case_worker_eg": case_workers["eg"],
        "case_worker_lb_token": case_workers["lb"],
    }


def client_for(who: str, user) -> APIClient:
    """Case workers and everyone else through a signed-in session; ``*_token`` with a token."""
    client = APIClient()
    if who.endswith("_token"):
        client.credentials(HTTP_AUTHORIZATION=f"Token {f.api_token(user)[1]}")
    else:
        client.force_login(user)
    return client


def role_clients(users, case_workers) -> dict[str, APIClient]:
    """One API client per entry of ROWS."""
    everyone = role_users(users, case_workers)
    return {who: client_for(who, everyone[who]) for who in ROWS}


def record_identities(cases, author) -> dict:
    """An identity and a note on each case."""
    for key, case in cases.items():
        Identity.objects.create(case=case, updated_by=author, **IDENTITY)
        CaseNote.objects.create(case=case, author=author, text=f"Note-Unique-{key}")
    return cases


@pytest.fixture
def clients(users, case_workers):
    return role_clients(users, case_workers)


@pytest.fixture
def identities(cases, users):
    return record_identities(cases, users["admin"])


def refs(response, cases) -> set[str]:
    ids = {row["id"] for row in response.json()["results"]}
    return {key for key, case in cases.items() if case.pk in ids}


def case_body(portfolio, **overrides) -> dict:
    body = {
        "project": portfolio["p_lb"].code,
        "identification_date": "2021-05-10",
        "identified_by": "law_enforcement",
        "sex": "Female",
        "age_at_identification": 24,
        "citizenship": "et",
        "country_of_origin": "ET",
        "transit_countries": ["SD", "eg"],
        "country_of_exploitation": "LB",
        "exploitation_types": ["isForcedLabour"],
        "labour_sector": "typeOfLabourDomesticWork",
        "means_of_control": ["meansOfControlWithholdsDocuments"],
        "vulnerabilities": ["vulnerableIrregularStatus"],
        "consent_assistance": True,
        "consent_referral": True,
        "consent_date": "2021-05-10",
    }
    return {**body, **overrides}


def assert_no_identity(response) -> None:
    text = response.content.decode("utf-8", errors="replace")
    for secret in SECRETS:
        assert secret not in text, (response.request["PATH_INFO"], secret)


# Rows per role -----------------------------------------------------------------------


@pytest.mark.parametrize("who", sorted(ROWS))
def test_case_list_per_role(clients, identities, who):
    response = clients[who].get(CASES)
    assert response.status_code == 200
    assert refs(response, identities) == ROWS[who]
    assert_no_identity(response)


@pytest.mark.parametrize("who", sorted(ROWS))
def test_case_detail_per_role_out_of_scope_is_404(clients, identities, who):
    for key, case in identities.items():
        response = clients[who].get(f"{CASES}{case.pk}/")
        assert response.status_code == (200 if key in ROWS[who] else 404)
        assert_no_identity(response)
        if response.status_code == 200:
            assert response.json()["reference"] == case.reference
            assert response["ETag"] == f'"{case.version}"'
        else:
            assert response.json()["error"]["code"] == "not_found"


def test_a_missing_case_answers_like_one_out_of_scope(clients, identities):
    missing = clients["case_worker_lb"].get(f"{CASES}999999/")
    foreign = clients["case_worker_lb"].get(f"{CASES}{identities['eg'].pk}/")
    assert missing.status_code == foreign.status_code == 404
    assert missing.json() == foreign.json()


@pytest.mark.parametrize("who", sorted(ROWS))
def test_identity_only_for_the_case_workers_of_the_office(clients, identities, who):
    for key, case in identities.items():
        response = clients[who].get(f"{CASES}{case.pk}/identity/")
        allowed = key in ROWS[who] and who.startswith("case_worker")
        assert response.status_code == (200 if allowed else 404)
        if allowed:
            body = response.json()
            assert body["given_name"] == IDENTITY["given_name"]
            assert body["date_of_birth"] == "1996-04-02"
            assert body["recorded"] is True
            assert response["Cache-Control"] == "no-store"
        else:
            assert_no_identity(response)
    reads = IdentityAccess.objects.filter(action="read")
    expected = 1 if who in WRITERS else 0
    assert reads.count() == expected


def test_an_identity_read_is_logged_with_who_and_where(clients, identities, case_workers):
    clients["case_worker_lb"].get(
        f"{CASES}{identities['lb'].pk}/identity/",
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT="Field tablet",
    )
    entry = IdentityAccess.objects.get()
    assert (entry.user, entry.case, entry.action) == (case_workers["lb"], identities["lb"], "read")
    assert (entry.ip_address, entry.user_agent) == ("203.0.113.9", "Field tablet")


@pytest.mark.parametrize("who", sorted(ROWS))
def test_figures_per_role(clients, identities, who):
    response = clients[who].get(FIGURES)
    assert response.status_code == 200
    body = response.json()
    counted = len(COUNTED[who])
    limit = 10 if who in {"donor_a", "donor_b", "analyst"} else 0
    assert body["small_cell_limit"] == limit
    if limit and counted:
        assert body["identified"] == {"count": None, "suppressed": True}
    else:
        assert body["identified"] == {"count": counted, "suppressed": False}
    assert_no_identity(response)


@pytest.mark.parametrize("who", sorted(ROWS))
def test_only_case_workers_of_an_office_register_cases(clients, portfolio, cases, who):
    project = portfolio["p_eg"] if who == "case_worker_eg" else portfolio["p_lb"]
    before = Case.objects.count()
    response = clients[who].post(CASES, case_body(portfolio, project=project.code), format="json")
    if who in WRITERS:
        assert response.status_code == 201, response.json()
        case = Case.objects.get(pk=response.json()["id"])
        office = "egypt" if who == "case_worker_eg" else "lebanon"
        assert case.country_office == portfolio[office]
        assert response["Location"].endswith(f"{CASES}{case.pk}/")
    else:
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
        assert Case.objects.count() == before


def test_no_role_reaches_nothing(users, identities):
    client = client_for("norole", users["norole"])
    for path in (CASES, f"{CASES}{identities['lb'].pk}/", FIGURES):
        assert client.get(path).status_code == 403
    assert APIClient().get(CASES).status_code == 401


def test_a_case_worker_without_the_second_factor_is_stopped(case_workers, identities):
    client = APIClient()
    client.force_login(case_workers["lb_unverified"])
    session = client.session
    del session[DEVICE_ID_SESSION_KEY]
    session.save()
    for path in (CASES, f"{CASES}{identities['lb'].pk}/identity/", FIGURES):
        response = client.get(path)
        assert response.status_code == 403
        assert_no_identity(response)
    assert not IdentityAccess.objects.exists()


def test_a_token_carries_no_second_factor(clients, identities, portfolio):
    client = clients["case_worker_lb_token"]
    case = identities["lb"]
    assert client.get(CASES).json()["results"] == []
    assert client.get(f"{CASES}{case.pk}/").status_code == 404
    assert client.get(f"{CASES}{case.pk}/identity/").status_code == 404
    assert client.put(f"{CASES}{case.pk}/identity/", {}, HTTP_IF_MATCH="*").status_code == 404
    patch = client.patch(f"{CASES}{case.pk}/", {"sex": "Male"}, HTTP_IF_MATCH='"1"')
    assert patch.status_code == 403
    assert client.post(CASES, case_body(portfolio), format="json").status_code == 403
    assert client.get(FIGURES).json()["identified"]["count"] == 0
    assert not IdentityAccess.objects.exists()


def test_case_list_filters(clients, identities, portfolio):
    client = clients["admin"]
    lb, eg = identities["lb"], identities["eg"]
    eg.is_sexual_exploit, eg.sex = True, "Male"
    eg.save()
    assert refs(client.get(CASES, {"country_office": "EG"}), identities) == {"eg"}
    assert refs(client.get(CASES, {"exploitation": "isSexualExploit"}), identities) == {"eg"}
    assert refs(client.get(CASES, {"sex": "Female"}), identities) == {"lb"}
    assert refs(client.get(CASES, {"project": portfolio["p_lb"].code}), identities) == {"lb"}
    assert refs(client.get(CASES, {"reference": lb.reference}), identities) == {"lb"}
    assert refs(client.get(CASES, {"identified_from": "2021-05-11"}), identities) == set()
    # A note written today is recent activity; without it the case needs following up.
    assert refs(client.get(CASES, {"follow_up": "true"}), identities) == set()
    CaseNote.objects.filter(case=lb).delete()
    assert refs(client.get(CASES, {"status": "open", "follow_up": "true"}), identities) == {"lb"}


def test_figures_narrow_by_filters_but_never_by_reference(clients, identities):
    client = clients["admin"]
    reference = identities["lb"].reference
    assert client.get(FIGURES, {"country_office": "LB"}).json()["identified"]["count"] == 1
    assert client.get(FIGURES, {"reference": reference}).json()["identified"]["count"] == 2


# Identity strings never leave the case workers' scope ---------------------------------


def test_identity_values_reach_no_other_response(clients, identities):
    lb, eg = identities["lb"], identities["eg"]
    paths = [
        CASES,
        f"{CASES}?format=csv",
        f"{CASES}{lb.pk}/",
        f"{CASES}{eg.pk}/",
        f"{CASES}{lb.pk}/?format=csv",
        FIGURES,
        f"{FIGURES}?format=csv",
        f"{CASES}?format=api",
        f"{CASES}{lb.pk}/?format=api",
        f"{FIGURES}?format=api",
        "/api/v1/assistance/notes/",
        "/api/v1/assistance/services/?format=csv",
        "/api/schema/?format=json",
    ]
    for who, client in clients.items():
        for path in paths:
            response = client.get(path)
            assert response.status_code in (200, 404), (who, path, response.status_code)
            assert_no_identity(response)


def test_case_csv_has_no_identity_field(clients, identities):
    for who in ("admin", "case_worker_lb"):
        response = clients[who].get(CASES, {"format": "csv"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert {row["reference"] for row in rows} == {
            identities[key].reference for key in ROWS[who]
        }
        assert "exploitation_types" in rows[0]
        for field in services.IDENTITY_FIELDS:
            assert field not in rows[0]


def test_the_schema_documents_the_second_factor_and_no_identity_value(clients, identities):
    response = clients["admin"].get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    description = schema["paths"]["/api/v1/assistance/cases/"]["get"]["description"]
    assert "API token carries no second factor" in description
    assert "VictimSexEnum" in schema["components"]["schemas"]
    assert_no_identity(response)


def test_registering_with_an_identity_never_echoes_it(clients, portfolio):
    body = case_body(
        portfolio, age_at_identification=None, identity={**IDENTITY, "date_of_birth": "1996-04-02"}
    )
    response = clients["case_worker_lb"].post(CASES, body, format="json")
    assert response.status_code == 201, response.json()
    assert_no_identity(response)
    case = Case.objects.get(pk=response.json()["id"])
    assert case.identity.family_name == IDENTITY["family_name"]
    assert response.json()["age_at_identification"] == 25
    assert IdentityAccess.objects.get().action == "write"


# Query counts ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "case_worker_lb"])
def test_case_list_costs_the_same_for_2_or_30_cases(
    clients, portfolio, identities, who, django_assert_max_num_queries
):
    client = clients[who]
    with django_assert_max_num_queries(8):
        assert client.get(CASES).status_code == 200
    org = f.OrganisationFactory()
    for _ in range(28):
        f.CaseFactory(
            country_office=portfolio["lebanon"],
            project=portfolio["p_lb"],
            referring_organisation=org,
            transit_countries=["SD", "EG"],
        )
    with django_assert_max_num_queries(8):
        response = client.get(CASES)
    assert response.json()["count"] == 28 + len(ROWS[who])


def test_figures_cost_a_fixed_number_of_queries(
    clients, portfolio, identities, django_assert_max_num_queries
):
    for _ in range(20):
        f.ServiceFactory(
            case=f.CaseFactory(country_office=portfolio["egypt"], project=portfolio["p_both"])
        )
    with django_assert_max_num_queries(14):
        response = clients["donor_a"].get(FIGURES, {"identified_from": "2020-01-01"})
    assert response.json()["identified"] == {"count": 21, "suppressed": False}


@pytest.mark.parametrize("who", ["donor_b", "analyst"])
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sex": "Female"}, "sex"),
        ({"status": "open"}, "status"),
        ({"follow_up": "true"}, "follow_up"),
        ({"exploitation": "isForcedLabour"}, "exploitation"),
        ({"identified_from": "2021-05-01"}, "identified_from"),
        ({"identified_to": "2021-05-31"}, "identified_to"),
    ],
)
def test_aggregate_viewers_narrow_figures_by_project_office_and_year_only(
    users, cases, who, params, field
):
    client = APIClient()
    client.force_authenticate(users[who])
    response = client.get("/api/v1/assistance/figures/", params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize("who", ["donor_b", "analyst"])
def test_aggregate_viewers_may_take_a_whole_year_and_an_office(users, cases, who):
    client = APIClient()
    client.force_authenticate(users[who])
    response = client.get(
        "/api/v1/assistance/figures/",
        {"identified_from": "2021-01-01", "identified_to": "2021-12-31", "country_office": "LB"},
    )
    assert response.status_code == 200


def test_staff_keep_every_figure_filter(users, cases):
    client = APIClient()
    client.force_authenticate(users["me"])
    response = client.get(
        "/api/v1/assistance/figures/", {"sex": "Female", "identified_from": "2021-05-01"}
    )
    assert response.status_code == 200
