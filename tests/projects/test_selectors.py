import datetime
from decimal import Decimal

import pytest
from django.http import QueryDict

from projects import selectors
from projects.models import ProjectStatus
from tests import factories as f
from tests.conftest import EXPECTED_PROJECTS


def test_percent():
    assert selectors.percent(Decimal("25"), Decimal("200")) == Decimal("12.5")
    assert selectors.percent(None, Decimal("1")) is None
    assert selectors.percent(Decimal("1"), Decimal("0")) is None


@pytest.mark.parametrize("name", list(EXPECTED_PROJECTS))
def test_project_list_is_scoped(users, portfolio, name):
    _, projects = selectors.project_list(user=users[name], params=QueryDict())
    assert {p.pk for p in projects} == {portfolio[k].pk for k in EXPECTED_PROJECTS[name]}


def test_project_list_spend_is_not_multiplied_by_filter_joins(users, portfolio):
    project = portfolio["p_both"]
    f.TransactionFactory(project=project, value=Decimal("100"))
    f.TransactionFactory(project=project, value=Decimal("50"), kind=3)
    f.TransactionFactory(project=project, value=Decimal("70"), kind=2)
    params = QueryDict(f"country=LB&donor={portfolio['donor_a'].pk}")
    _, projects = selectors.project_list(user=users["admin"], params=params)
    assert [p.spent for p in projects] == [Decimal("150")]


def test_project_list_donor_choices_are_scoped(users, portfolio):
    other = f.FundingFactory(donor=f.DonorFactory(name="Unrelated donor"))
    filterset, _ = selectors.project_list(user=users["donor_a"], params=QueryDict())
    donors = set(filterset.filters["donor"].queryset)
    assert other.donor not in donors
    assert portfolio["donor_a"] in donors


def test_project_get_is_404_outside_scope(users, portfolio):
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.project_get(user=users["donor_a"], pk=portfolio["p_lb"].pk)
    assert selectors.project_get(user=users["donor_a"], pk=portfolio["p_eg"].pk)


def test_project_transactions_are_latest_first_and_limited(portfolio):
    project = portfolio["p_eg"]
    for day in range(1, 26):
        f.TransactionFactory(project=project, date=datetime.date(2021, 1, day))
    rows = selectors.project_transactions(project=project)
    assert len(rows) == 20
    assert rows[0].date == datetime.date(2021, 1, 25)


def test_project_dashboard_figures(portfolio):
    project = portfolio["p_both"]  # USD 1,000,000, two USD fundings of 250,000
    f.FundingFactory(project=project, amount=Decimal("90000"), currency="EUR")
    f.TransactionFactory(project=project, value=Decimal("200000"), date=datetime.date(2020, 5, 1))
    f.TransactionFactory(project=project, value=Decimal("50000"), date=datetime.date(2021, 5, 1))
    f.TransactionFactory(project=project, value=Decimal("7000"), currency="EUR")
    f.TransactionFactory(project=project, value=Decimal("999"), kind=2)  # a commitment
    f.IndicatorPeriodFactory(indicator__result__project=project, target=200, actual=50)
    figures = selectors.project_dashboard(project=project, today=datetime.date(2021, 7, 2))
    assert figures["funded"] == [
        {"currency": "USD", "amount": Decimal("500000")},
        {"currency": "EUR", "amount": Decimal("90000")},
    ]
    assert figures["funded_percent"] == Decimal("50.0")
    assert figures["spent"] == Decimal("250000")
    assert figures["spent_percent"] == Decimal("25.0")
    assert figures["other_spend"] == [{"currency": "EUR", "amount": Decimal("7000")}]
    assert figures["spend_by_year"] == [
        {"label": "2020", "value": Decimal("200000")},
        {"label": "2021", "value": Decimal("50000")},
    ]
    assert figures["elapsed_percent"] == Decimal("50.0")
    assert [g["currency"] for g in figures["funding_by_currency"]] == ["USD", "EUR"]
    assert figures["indicators"][0]["percent"] == Decimal("25.0")
    assert [rc.percentage for rc in figures["countries"]] == [Decimal("60"), Decimal("40")]


def test_project_dashboard_elapsed_is_capped(portfolio):
    figures = selectors.project_dashboard(
        project=portfolio["p_eg"], today=datetime.date(2030, 1, 1)
    )
    assert figures["elapsed_percent"] == Decimal("100.0")


def test_portfolio_dashboard_by_country_donor_year_status(users, portfolio):
    f.TransactionFactory(project=portfolio["p_eg"], value=Decimal("10"))
    f.TransactionFactory(project=portfolio["p_both"], value=Decimal("5"))
    f.TransactionFactory(project=portfolio["p_lb"], value=Decimal("3"), currency="EUR")
    portfolio["p_lb"].status = ProjectStatus.CLOSED
    portfolio["p_lb"].save()
    figures = selectors.portfolio_dashboard(user=users["admin"])
    assert figures["project_count"] == 3
    assert {row["label"]: row["value"] for row in figures["by_status"]} == {
        "Implementation": 2,
        "Closed": 1,
    }
    (usd,) = figures["by_country"]
    by_country = {row["label"]: row["value"] for row in usd["rows"]}
    assert by_country == {"Egypt": Decimal("1600000"), "Lebanon": Decimal("1400000")}
    (donors,) = figures["by_donor"]
    assert {row["value"] for row in donors["rows"]} == {Decimal("500000")}
    years = {group["currency"]: group["rows"] for group in figures["by_year"]}
    assert years["USD"] == [{"label": "2021", "value": Decimal("15"), "projects": None, "url": ""}]
    assert years["EUR"][0]["value"] == Decimal("3")
    assert figures["budgets"] == [{"currency": "USD", "amount": Decimal("3000000")}]


def test_portfolio_dashboard_is_scoped(users, portfolio):
    figures = selectors.portfolio_dashboard(user=users["officer_lb_project"])
    assert figures["project_count"] == 1
    (usd,) = figures["by_country"]
    assert [row["label"] for row in usd["rows"]] == ["Lebanon"]
    assert selectors.portfolio_dashboard(user=users["norole"])["project_count"] == 0


def test_country_names_follow_the_language(users, portfolio):
    from django.utils import translation

    with translation.override("ar"):
        figures = selectors.portfolio_dashboard(user=users["admin"])
    labels = {row["label"] for group in figures["by_country"] for row in group["rows"]}
    assert labels == {"مصر", "لبنان"}


def test_project_history_lists_project_and_child_changes(users, portfolio):
    from projects import services

    project = portfolio["p_eg"]
    services.project_save(
        user=users["admin"],
        project=project,
        data={"title": "New title", "budget": Decimal("5")},
        expected_version=project.version,
        fundings=[{"donor": portfolio["donor_b"], "amount": Decimal("1"), "currency": "USD"}],
    )
    history = selectors.project_history(project=project)
    changed = next(entry for entry in history if entry["changes"])
    assert changed["who"] == users["admin"]
    assert ("title", "Egypt project", "New title") in changed["changes"]
    subjects = [entry["subject"] for entry in history]
    assert any(s.startswith("Funding: ") and "Donor B" in s for s in subjects)
    assert {entry["action"] for entry in history} >= {"created", "changed", "deleted"}


def test_project_history_of_a_project_loaded_without_history(portfolio):
    project = portfolio["p_eg"]
    project.history.all().delete()
    history = selectors.project_history(project=project)
    assert all(entry["subject"] != str(project) for entry in history)
