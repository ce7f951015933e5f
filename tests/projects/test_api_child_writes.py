import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from projects.models import (
    Funding,
    Indicator,
    IndicatorPeriod,
    ParticipatingOrganisation,
    Project,
    RecipientCountry,
    Transaction,
)
from tests import factories as f

ROWS = (Project, Funding, RecipientCountry, ParticipatingOrganisation, Transaction)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def row_counts() -> dict[str, int]:
    models = (*ROWS, Indicator, IndicatorPeriod)
    return {model.__name__: model.objects.count() for model in models}


# Transactions ----------------------------------------------------------------


def transaction_body(project, **changes) -> dict:
    body = {"project": project.code, "kind": 4, "date": "2024-03-31", "value": "1250.50"}
    body.update(changes)
    return body


def test_officer_records_a_transaction(portfolio, users):
    response = client_for(users["officer_eg"]).post(
        "/api/v1/transactions/", transaction_body(portfolio["p_eg"]), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["kind_label"] == "Expenditure"
    record = Transaction.objects.get()
    assert (record.value, record.currency, record.project) == (
        pytest.approx(1250.5),
        "USD",
        portfolio["p_eg"],
    )
    spent = client_for(users["officer_eg"]).get(f"/api/v1/projects/{portfolio['p_eg'].pk}/")
    assert spent.json()["spent"] == "1250.50"


@pytest.mark.parametrize("who", ["me", "donor_a", "analyst"])
def test_roles_that_do_not_edit_projects_get_403_on_transactions(portfolio, users, who):
    response = client_for(users[who]).post(
        "/api/v1/transactions/", transaction_body(portfolio["p_eg"]), format="json"
    )
    assert response.status_code == 403
    assert not Transaction.objects.exists()


def test_transaction_on_a_project_out_of_scope_is_refused_without_saying_it_exists(
    portfolio, users
):
    hidden = client_for(users["officer_eg"]).post(
        "/api/v1/transactions/", transaction_body(portfolio["p_lb"]), format="json"
    )
    missing = client_for(users["officer_eg"]).post(
        "/api/v1/transactions/",
        {**transaction_body(portfolio["p_lb"]), "project": "NO.SUCH"},
        format="json",
    )
    assert hidden.status_code == missing.status_code == 400
    assert list(hidden.json()["error"]["fields"]) == ["project"]
    assert (
        hidden.json()["error"]["fields"]["project"][0].replace(portfolio["p_lb"].code, "NO.SUCH")
        == missing.json()["error"]["fields"]["project"][0]
    )
    assert not Transaction.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"value": "-1"}, "value"),
        ({"value": "ten"}, "value"),
        ({"currency": "XYZ"}, "currency"),
        ({"kind": 99}, "kind"),
        ({"date": "yesterday"}, "date"),
        ({"description": "d" * 256}, "description"),
        ({"provider": "abc"}, "provider"),
    ],
)
def test_bad_transaction_input_is_a_400(portfolio, users, changes, field):
    response = client_for(users["officer_eg"]).post(
        "/api/v1/transactions/", transaction_body(portfolio["p_eg"], **changes), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Transaction.objects.exists()


# Results and indicators ---------------------------------------------------------


def test_me_officer_adds_a_result_and_an_indicator_with_periods(portfolio, users):
    client = client_for(users["me"])
    result = client.post(
        "/api/v1/results/",
        {"project": portfolio["p_lb"].code, "title": "Officials trained", "kind": 1},
        format="json",
    )
    assert result.status_code == 201, result.json()
    response = client.post(
        "/api/v1/indicators/",
        {
            "result": result.json()["id"],
            "title": "Number of prosecutors trained",
            "unit": "prosecutors",
            "periods": [
                {"period_start": "2024-01-01", "period_end": "2024-12-31", "target": 40},
                {"period_start": "2025-01-01", "period_end": "2025-12-31", "target": 60},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["project"] == portfolio["p_lb"].code
    assert [p["target"] for p in body["periods"]] == ["40.00", "60.00"]
    assert IndicatorPeriod.objects.count() == 2


@pytest.mark.parametrize("who", ["donor_a", "analyst"])
def test_readers_cannot_add_indicators(portfolio, users, who):
    result = f.ResultFactory(project=portfolio["p_both"])
    response = client_for(users[who]).post(
        "/api/v1/indicators/", {"result": result.pk, "title": "X"}, format="json"
    )
    assert response.status_code == 403
    assert not Indicator.objects.exists()


def test_indicator_on_a_result_out_of_scope_is_refused(portfolio, users):
    result = f.ResultFactory(project=portfolio["p_lb"])
    response = client_for(users["officer_eg"]).post(
        "/api/v1/indicators/", {"result": result.pk, "title": "X"}, format="json"
    )
    assert response.status_code == 400
    assert "result" in response.json()["error"]["fields"]


def test_indicator_period_ending_before_it_starts_writes_nothing(portfolio, users):
    result = f.ResultFactory(project=portfolio["p_eg"])
    before = row_counts()
    response = client_for(users["officer_eg"]).post(
        "/api/v1/indicators/",
        {
            "result": result.pk,
            "title": "Victims assisted",
            "periods": [
                {"period_start": "2024-01-01", "period_end": "2024-12-31", "target": 10},
                {"period_start": "2025-12-31", "period_end": "2025-01-01", "target": 10},
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert any(name.startswith("periods[1]") for name in response.json()["error"]["fields"])
    assert row_counts() == before


# What IATI refuses ----------------------------------------------------------------


def test_a_transaction_dated_in_the_future_is_a_400(portfolio, users):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client_for(users["officer_eg"]).post(
        "/api/v1/transactions/", transaction_body(portfolio["p_eg"], date=tomorrow), format="json"
    )
    assert response.status_code == 400
    assert "future" in response.json()["error"]["fields"]["date"][0]
    assert not Transaction.objects.exists()


@pytest.mark.parametrize(
    ("indicator", "field"),
    [
        ({"baseline_year": 2020}, "baseline_value"),
        ({"baseline_value": "5"}, "baseline_year"),
        ({"measure": 5, "baseline_year": 2020}, "baseline_comment"),
    ],
)
def test_a_baseline_without_its_value_or_year_is_a_400(portfolio, users, indicator, field):
    result = f.ResultFactory(project=portfolio["p_eg"])
    before = row_counts()
    response = client_for(users["me"]).post(
        "/api/v1/indicators/", {"result": result.pk, "title": "X", **indicator}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert row_counts() == before


def test_a_qualitative_indicator_keeps_its_words(portfolio, users):
    result = f.ResultFactory(project=portfolio["p_eg"])
    response = client_for(users["me"]).post(
        "/api/v1/indicators/",
        {
            "result": result.pk,
            "title": "Anti-trafficking law",
            "measure": 5,
            "baseline_year": 2020,
            "baseline_comment": "No law",
            "periods": [
                {
                    "period_start": "2024-01-01",
                    "period_end": "2024-12-31",
                    "target_comment": "Law drafted",
                    "actual_comment": "Law adopted",
                }
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["baseline_comment"] == "No law"
    assert body["periods"][0]["actual_comment"] == "Law adopted"
