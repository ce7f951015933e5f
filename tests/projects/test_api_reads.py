import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIClient

from projects.models import TransactionKind
from tests import factories as f
from tests.conftest import EXPECTED_PROJECTS

ROLE_USERS = sorted(who for who in EXPECTED_PROJECTS if EXPECTED_PROJECTS[who])


def client_for(user) -> APIClient:
    client = APIClient()
    if not isinstance(user, AnonymousUser):
        client.force_authenticate(user)
    return client


def codes_of(response) -> set[str]:
    return {row["code"] for row in response.json()["results"]}


@pytest.mark.parametrize("who", sorted(EXPECTED_PROJECTS))
def test_each_role_lists_exactly_its_projects(portfolio, users, who):
    response = client_for(users[who]).get("/api/v1/projects/")
    if not EXPECTED_PROJECTS[who]:
        assert response.status_code == 403
        assert "results" not in response.json()
        return
    assert response.status_code == 200
    assert codes_of(response) == {portfolio[key].code for key in EXPECTED_PROJECTS[who]}


@pytest.mark.parametrize("who", ROLE_USERS)
def test_out_of_scope_project_is_404(portfolio, users, who):
    client = client_for(users[who])
    for key in ("p_eg", "p_lb", "p_both"):
        response = client.get(f"/api/v1/projects/{portfolio[key].pk}/")
        expected = 200 if key in EXPECTED_PROJECTS[who] else 404
        assert response.status_code == expected, key
        if expected == 404:
            assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("who", ROLE_USERS)
def test_transactions_follow_project_scope(portfolio, users, who):
    records = {
        key: f.TransactionFactory(project=portfolio[key]) for key in portfolio if "p_" in key
    }
    client = client_for(users[who])
    listed = client.get("/api/v1/transactions/").json()["results"]
    assert {row["project"] for row in listed} == {
        portfolio[key].code for key in EXPECTED_PROJECTS[who]
    }
    for key, record in records.items():
        response = client.get(f"/api/v1/transactions/{record.pk}/")
        assert response.status_code == (200 if key in EXPECTED_PROJECTS[who] else 404)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/projects/",
        "/api/v1/transactions/",
        "/api/v1/indicators/",
        "/api/v1/documents/",
        "/api/v1/countries/",
        "/api/v1/organisations/",
    ],
)
def test_anonymous_and_roleless_get_no_data(portfolio, users, path):
    anonymous = APIClient().get(path)
    assert anonymous.status_code == 401
    assert set(anonymous.json()) == {"error"}
    roleless = client_for(users["norole"]).get(path)
    assert roleless.status_code == 403
    assert set(roleless.json()) == {"error"}


def test_anonymous_and_roleless_get_no_project_detail(portfolio, users):
    path = f"/api/v1/projects/{portfolio['p_eg'].pk}/"
    assert APIClient().get(path).status_code == 401
    assert client_for(users["norole"]).get(path).status_code == 403
    assert APIClient().get(f"{path}?format=csv").status_code == 401


def test_session_authentication_works(portfolio, users):
    client = APIClient()
    client.force_login(users["donor_a"])
    response = client.get("/api/v1/projects/")
    assert response.status_code == 200
    assert codes_of(response) == {portfolio["p_eg"].code, portfolio["p_both"].code}


def test_project_detail_carries_its_parts(portfolio, users):
    project = portfolio["p_both"]
    theme = f.pm.ThematicArea.objects.get(code="prosecution")
    project.thematic_areas.add(theme)
    f.ParticipatingOrganisationFactory(project=project, organisation=portfolio["donor_a"], role=1)
    f.TransactionFactory(project=project, kind=TransactionKind.EXPENDITURE, value=Decimal("300"))
    f.TransactionFactory(project=project, kind=TransactionKind.DISBURSEMENT, value=Decimal("200"))
    f.TransactionFactory(project=project, kind=TransactionKind.COMMITMENT, value=Decimal("900"))
    f.TransactionFactory(project=project, value=Decimal("5000"), currency="EUR")

    response = client_for(users["analyst"]).get(f"/api/v1/projects/{project.pk}/")

    assert response.status_code == 200
    assert response["ETag"] == f'"{project.version}"'
    body = response.json()
    assert body["status"] == 2
    assert body["status_label"] == "Implementation"
    assert body["planned_start"] == "2020-01-01"
    assert body["actual_start"] is None
    assert body["budget"] == "1000000.00"
    assert body["currency"] == "USD"
    assert body["spent"] == "500.00"  # disbursed + spent in USD; commitments and EUR left out
    assert body["thematic_areas"] == [{"code": "prosecution", "name": "Prosecution"}]
    assert {c["country"]: c["percentage"] for c in body["countries"]} == {
        "EG": "60.00",
        "LB": "40.00",
    }
    assert body["fundings"][0]["amount"] == "250000.00"
    assert body["fundings"][0]["currency"] == "USD"
    assert body["fundings"][0]["share"] == "25.0"
    assert {row["donor"]["name"] for row in body["fundings"]} == {"Donor A", "Donor B"}
    assert body["participating_organisations"] == [
        {
            "organisation": {
                "id": portfolio["donor_a"].pk,
                "name": "Donor A",
                "name_ar": "",
                "name_fr": "",
                "acronym": portfolio["donor_a"].acronym,
            },
            "role": 1,
            "role_label": "Funding",
        }
    ]


def test_country_lookup_by_iso_code_with_names(portfolio, users):
    client = client_for(users["donor_a"])
    response = client.get("/api/v1/countries/eg/")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "EG"
    assert (body["name_en"], body["name_ar"], body["name_fr"]) == ("Egypt", "مصر", "Égypte")
    assert body["region"] == "nile_valley"
    assert client.get("/api/v1/countries/ZZ/").status_code == 404
    regional = client.get("/api/v1/countries/?region=nile_valley").json()["results"]
    assert [row["code"] for row in regional] == ["EG"]


def test_indicators_with_periods_and_disaggregations(portfolio, users):
    period = f.IndicatorPeriodFactory(indicator__result__project=portfolio["p_lb"])
    f.pm.Disaggregation.objects.create(period=period, sex="female", target=60, actual=50)
    f.pm.Disaggregation.objects.create(period=period, country=portfolio["lebanon"], target=100)

    rows = client_for(users["me"]).get("/api/v1/indicators/").json()["results"]

    assert len(rows) == 1
    assert rows[0]["project"] == portfolio["p_lb"].code
    [listed] = rows[0]["periods"]
    assert (listed["target"], listed["actual"]) == ("100.00", "80.00")
    assert {(d["sex"], d["country"]) for d in listed["disaggregations"]} == {
        ("female", None),
        ("", "LB"),
    }
    hidden = client_for(users["donor_a"]).get("/api/v1/indicators/").json()["results"]
    assert hidden == []


def test_documents_follow_scope(portfolio, users):
    f.DocumentFactory(project=portfolio["p_eg"])
    f.DocumentFactory(project=portfolio["p_lb"])
    rows = client_for(users["donor_b"]).get("/api/v1/documents/").json()["results"]
    assert [row["project"] for row in rows] == [portfolio["p_lb"].code]


def test_filtering_ordering_and_page_size(portfolio, users):
    client = client_for(users["admin"])
    in_lebanon = client.get("/api/v1/projects/?country=LB")
    assert codes_of(in_lebanon) == {portfolio["p_lb"].code, portfolio["p_both"].code}
    by_donor = client.get(f"/api/v1/projects/?donor={portfolio['donor_a'].pk}")
    assert codes_of(by_donor) == {portfolio["p_eg"].code, portfolio["p_both"].code}

    ordered = client.get("/api/v1/projects/?ordering=-code").json()["results"]
    assert [row["code"] for row in ordered] == sorted(
        (row["code"] for row in ordered), reverse=True
    )

    page = client.get("/api/v1/projects/?page_size=2&ordering=code").json()
    assert page["count"] == 3
    assert len(page["results"]) == 2
    assert page["next"]


def test_ordering_by_a_field_not_offered_is_refused(portfolio, users):
    response = client_for(users["admin"]).get(
        "/api/v1/projects/?ordering=reporting_organisation__users__password"
    )
    assert response.status_code == 400
    assert "password" not in str(response.json()["error"]["fields"]["ordering"])


def test_page_size_is_capped_at_1000(portfolio, users):
    response = client_for(users["admin"]).get("/api/v1/countries/?page_size=5000")
    assert response.status_code == 200
    assert response.json()["count"] == 2


def test_bad_filter_value_is_a_400(portfolio, users):
    response = client_for(users["admin"]).get("/api/v1/projects/?year=abc&status=99")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"year", "status"}


def test_csv_output_of_a_list(portfolio, users):
    f.TransactionFactory(project=portfolio["p_eg"], description="=HYPERLINK(evil)")
    response = client_for(users["analyst"]).get("/api/v1/transactions/?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="transaction.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0]["project"] == portfolio["p_eg"].code
    assert rows[0]["value"] == "1000.00"
    assert rows[0]["description"] == "'=HYPERLINK(evil)"


def test_csv_of_projects_flattens_nested_parts(portfolio, users):
    response = client_for(users["admin"]).get("/api/v1/projects/?format=csv&ordering=code")
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {"code", "budget", "spent", "donors", "recipient_countries"} <= set(header)


def _grow_portfolio(portfolio, count: int) -> None:
    theme = f.pm.ThematicArea.objects.get(code="protection")
    for _ in range(count):
        project = f.ProjectFactory()
        project.thematic_areas.add(theme)
        f.RecipientCountryFactory(project=project, country=portfolio["egypt"])
        f.FundingFactory(project=project, donor=portfolio["donor_a"])
        f.ParticipatingOrganisationFactory(project=project)
        f.TransactionFactory(project=project)
        period = f.IndicatorPeriodFactory(indicator__result__project=project)
        f.pm.Disaggregation.objects.create(period=period, sex="male", target=1)
        f.DocumentFactory(project=project)


LIST_PATHS = [
    "/api/v1/projects/",
    "/api/v1/transactions/",
    "/api/v1/results/",
    "/api/v1/indicators/",
    "/api/v1/documents/",
    "/api/v1/organisations/",
    "/api/v1/countries/",
]


@pytest.mark.parametrize("rows", [5, 40])
@pytest.mark.parametrize("path", LIST_PATHS)
@pytest.mark.parametrize("who", ["officer_eg", "donor_a", "admin"])
def test_lists_cost_a_bounded_number_of_queries(
    portfolio, users, django_assert_max_num_queries, rows, path, who
):
    _grow_portfolio(portfolio, rows)
    client = APIClient()
    client.force_login(users[who])  # session auth: its own queries count too
    # 13: a project row also lists its sectors (one prefetch for the whole page).
    with django_assert_max_num_queries(13):
        response = client.get(f"{path}?page_size=1000")
    assert response.status_code == 200
    assert response.json()["count"] >= (rows if path != "/api/v1/countries/" else 2)


@pytest.mark.parametrize("path", LIST_PATHS)
def test_query_count_does_not_grow_with_rows(portfolio, users, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(users["officer_eg"])
    counts = []
    for rows in (5, 35):
        _grow_portfolio(portfolio, rows)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{path}?page_size=1000").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
