import csv
import datetime
import io
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from dashboards.registry import METRICS
from tests import factories as f

LIST = "/api/v1/metrics/"


def data_url(code: str) -> str:
    return f"{LIST}{code}/data/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def people(portfolio, *, extra: int = 0) -> None:
    """p_eg's session in Egypt: 6 women, 2 (+ ``extra``) men; p_lb's in Lebanon: 12 by totals."""
    s_eg = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    for sex, n in (("female", 6), ("male", 2 + extra)):
        for _ in range(n):
            f.AttendanceFactory(session=s_eg, person=f.PersonFactory(sex=sex))
    s_lb = f.TrainingSessionFactory(
        project=portfolio["p_lb"],
        host_country=portfolio["lebanon"],
        start_date=datetime.date(2022, 2, 1),
        end_date=datetime.date(2022, 2, 2),
    )
    f.ParticipantCountFactory(session=s_lb, sex="female", count=3)
    f.ParticipantCountFactory(session=s_lb, sex="male", count=9)


@pytest.fixture
def trained(portfolio):
    people(portfolio)


def test_the_list_describes_every_metric(users):
    response = client_for(users["analyst"]).get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(METRICS)
    metrics = {m["code"]: m for m in body["results"]}
    assert {"people_trained", "cases_identified", "awareness_reach", "budget"} <= set(metrics)
    trained = metrics["people_trained"]
    assert trained["label"] == "People trained"
    assert trained["unit"] == "count" and trained["sensitivity"] == "training"
    assert {"code": "sex", "label": "sex"} in trained["dimensions"]
    assert trained["overlapping"] == ["audience", "donor"]
    assert [x["code"] for x in trained["filters"]] == ["project", "country", "donor", "year"]
    assert trained["data"] == "http://testserver/api/v1/metrics/people_trained/data/"
    assert metrics["budget"]["dimensions"][0]["code"] == "currency"
    assert metrics["budget"]["sensitivity"] is None


def test_the_list_is_paginated(users):
    body = client_for(users["me"]).get(LIST, {"page_size": 2, "page": 2}).json()
    assert len(body["results"]) == 2 and body["previous"] and body["next"]


def test_one_metric_and_an_unknown_one(users):
    client = client_for(users["donor_a"])
    detail = client.get(f"{LIST}cases_identified/")
    assert detail.status_code == 200
    assert detail.json()["sensitivity"] == "case"
    assert "exploitation_type" in {d["code"] for d in detail.json()["dimensions"]}
    for url in (f"{LIST}nope/", data_url("nope")):
        missing = client.get(url)
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"


def test_signed_out_callers_and_users_without_a_role_are_refused(db, users):
    for url in (LIST, f"{LIST}people_trained/", data_url("people_trained")):
        assert APIClient().get(url).status_code == 401
        assert client_for(users["norole"]).get(url).status_code == 403


def test_figures_in_long_format(trained, users):
    response = client_for(users["admin"]).get(
        data_url("people_trained"), {"dimensions": "country,sex"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["metric"] == "people_trained"
    assert body["dimensions"] == ["country", "sex"]
    assert body["small_cell_limit"] == 0
    assert body["filters"] == {}
    cells = {(r["country"], r["sex"]): r for r in body["results"]}
    assert cells[("EG", "female")] == {
        "metric": "people_trained",
        "country": "EG",
        "country_label": "Egypt",
        "sex": "female",
        "sex_label": "Female",
        "value": 6,
        "suppressed": False,
        "display": "6",
    }
    assert cells[("LB", "male")]["value"] == 9
    assert body["totals"] == [{"value": 20, "suppressed": False, "display": "20"}]


def test_filters_and_repeated_dimension_parameters(trained, users, portfolio):
    client = client_for(users["me"])
    body = client.get(
        data_url("attendances"),
        {"dimensions": ["sex", "year"], "country": "lb", "year": "2022"},
    ).json()
    assert body["filters"] == {"country": "LB", "year": 2022}
    assert {(r["sex"], r["year"]): r["value"] for r in body["results"]} == {
        ("female", 2022): 3,
        ("male", 2022): 9,
    }
    donor = client.get(data_url("sessions_held"), {"donor": portfolio["donor_a"].pk}).json()
    assert donor["totals"][0]["value"] == 1


def test_labels_follow_the_language_asked_for(trained, users):
    response = client_for(users["me"]).get(
        data_url("people_trained"), {"dimensions": "country"}, HTTP_ACCEPT_LANGUAGE="ar"
    )
    assert {r["country_label"] for r in response.json()["results"]} == {"مصر", "لبنان"}


def test_csv_has_the_cells_then_the_totals(trained, users):
    client = client_for(users["me"])
    response = client.get(data_url("people_trained"), {"dimensions": "sex", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="metric-people_trained.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["sex"] for r in rows] == ["male", "female", ""]
    assert rows[0] == {
        "metric": "people_trained",
        "sex": "male",
        "sex_label": "Male",
        "value": "11",
        "suppressed": "False",
        "display": "11",
        "total": "False",
    }
    assert rows[-1]["total"] == "True" and rows[-1]["value"] == "20"
    assert rows[-1]["sex_label"] == "Total"
    accepted = client.get(data_url("people_trained"), HTTP_ACCEPT="text/csv")
    assert accepted.status_code == 200 and accepted["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize(
    "params, fields",
    [
        ({"dimensions": "colour"}, {"dimensions"}),
        ({"dimensions": "donor"}, {"dimensions"}),  # not a dimension of cases
        ({"dimensions": "sex,sex"}, {"dimensions"}),
        ({"dimensions": "sex,year,quarter,country"}, {"dimensions"}),
        ({"year": "last"}, {"year"}),
        ({"country": "Egypt", "project": "x", "donor": "1.5"}, {"country", "project", "donor"}),
    ],
)
def test_bad_dimensions_and_filters_are_400_with_field_errors(users, params, fields):
    response = client_for(users["analyst"]).get(data_url("cases_identified"), params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == fields
    assert all(error["fields"][name] for name in fields)


@pytest.mark.parametrize(
    "params, fields",
    [
        ({"year": "10000"}, {"year"}),
        ({"year": "-5"}, {"year"}),
        ({"year": "0"}, {"year"}),
        ({"year": "3000000000"}, {"year"}),
        ({"project": "99999999999999999999", "donor": "-1"}, {"project", "donor"}),
        ({"project": "1" + "0" * 5000}, {"project"}),
    ],
)
@pytest.mark.parametrize("code", ["cases_identified", "people_trained", "budget"])
def test_numbers_out_of_range_are_400_with_field_errors(users, params, fields, code):
    for fmt in ("json", "csv"):
        response = client_for(users["analyst"]).get(data_url(code), {**params, "format": fmt})
        assert response.status_code == 400, response.content[:200]
        if fmt == "json":
            assert set(response.json()["error"]["fields"]) == fields


def test_csv_errors_keep_the_error_format(users):
    response = client_for(users["analyst"]).get(
        data_url("cases_identified"), {"dimensions": "colour", "format": "csv"}
    )
    assert response.status_code == 400
    assert "Content-Disposition" not in response
    assert b"dimensions" in response.content


def test_donors_get_small_cells_suppressed(trained, users):
    body = (
        client_for(users["donor_a"]).get(data_url("people_trained"), {"dimensions": "sex"}).json()
    )
    assert body["small_cell_limit"] == 4
    cells = {r["sex"]: r for r in body["results"]}
    assert cells["male"] == {
        "metric": "people_trained",
        "sex": "male",
        "sex_label": "Male",
        "value": None,
        "suppressed": True,
        "display": "<5",
    }
    # The total shows 8, so the 6 women are hidden as well.
    assert cells["female"]["value"] is None and cells["female"]["display"] == "*"
    assert body["totals"][0]["value"] == 8


def test_case_figures_for_analysts_are_suppressed_below_11(portfolio, users):
    for n, office in ((12, "lebanon"), (4, "egypt")):
        project = portfolio["p_lb" if office == "lebanon" else "p_eg"]
        for _ in range(n):
            f.CaseFactory(country_office=portfolio[office], project=project)
    body = (
        client_for(users["analyst"])
        .get(data_url("cases_identified"), {"dimensions": "country"})
        .json()
    )
    assert body["small_cell_limit"] == 10
    assert {r["country"]: r["display"] for r in body["results"]} == {"LB": "*", "EG": "<11"}
    assert all(r["value"] is None for r in body["results"])
    assert body["totals"][0]["display"] == "16"
    assert "reference" not in str(body) and "CT-" not in str(body)


def test_money_comes_by_currency(portfolio, users):
    for key, amount, currency in (("p_eg", "1000", "USD"), ("p_lb", "500", "EUR")):
        project = portfolio[key]
        project.budget, project.currency = Decimal(amount), currency
        project.save()
    portfolio["p_both"].budget = None
    portfolio["p_both"].save()
    body = client_for(users["me"]).get(data_url("budget"), {"dimensions": "country"}).json()
    assert body["dimensions"] == ["currency", "country"]
    assert {(r["currency"], r["country"]): r["value"] for r in body["results"]} == {
        ("USD", "EG"): "1000.00",
        ("EUR", "LB"): "500.00",
    }
    assert {t["currency"]: t["value"] for t in body["totals"]} == {
        "USD": "1000.00",
        "EUR": "500.00",
    }


def test_the_data_endpoint_costs_the_same_whatever_the_rows(
    portfolio, users, django_assert_max_num_queries
):
    client = client_for(users["donor_b"])
    url = data_url("people_trained")
    people(portfolio)
    with django_assert_max_num_queries(8) as small:
        assert client.get(url, {"dimensions": "country,sex"}).status_code == 200
    people(portfolio, extra=40)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url, {"dimensions": "country,sex,year"}).status_code == 200
    # Once computed, a figure comes from the cache: at most the viewer's scope is read.
    with django_assert_max_num_queries(1):
        assert client.get(url, {"dimensions": "country,sex,year"}).status_code == 200
