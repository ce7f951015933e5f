import datetime
from decimal import Decimal

import pytest

from dashboards.figures import figures
from dashboards.registry import Filters, get_metric
from projects.models import IndicatorMeasure
from tests import factories as f


def values(figure) -> dict:
    return {row.keys: row.cell.value for row in figure.rows}


def total(figure):
    return figure.totals[0].cell.value if figure.totals else None


@pytest.fixture
def indicators(portfolio):
    """Officials trained (p_eg): 100/80 in 2021, 120/130 in 2022; shelters (p_lb): 50/none
    in 2021; a percentage indicator of p_eg, left out of sums."""
    trained = f.IndicatorFactory(result=f.ResultFactory(project=portfolio["p_eg"]))
    f.IndicatorPeriodFactory(indicator=trained, target=Decimal("100"), actual=Decimal("80"))
    f.IndicatorPeriodFactory(
        indicator=trained,
        period_start=datetime.date(2022, 1, 1),
        period_end=datetime.date(2022, 12, 31),
        target=Decimal("120"),
        actual=Decimal("130"),
    )
    shelters = f.IndicatorFactory(
        result=f.ResultFactory(project=portfolio["p_lb"]), title="Shelters supported"
    )
    f.IndicatorPeriodFactory(indicator=shelters, target=Decimal("50"), actual=None)
    share = f.IndicatorFactory(
        result=f.ResultFactory(project=portfolio["p_eg"]),
        title="Share of victims referred",
        measure=IndicatorMeasure.PERCENTAGE,
    )
    f.IndicatorPeriodFactory(indicator=share, target=Decimal("90"), actual=Decimal("60"))
    return {"trained": trained, "shelters": shelters, "share": share}


def test_targets_and_actuals_share_their_dimensions():
    target, actual = get_metric("indicator_target"), get_metric("indicator_actual")
    assert target.dimensions == actual.dimensions == ("indicator", "project", "year")
    assert target.app == actual.app == "projects"


def test_targets_and_actuals_by_indicator(indicators, users, portfolio):
    admin = users["admin"]
    trained, shelters = indicators["trained"].pk, indicators["shelters"].pk
    targets = figures("indicator_target", user=admin, dimensions=["indicator"])
    assert values(targets) == {(trained,): Decimal("220"), (shelters,): Decimal("50")}
    assert total(targets) == Decimal("270")
    code = portfolio["p_eg"].code
    assert {row.keys: row.label for row in targets.rows}[(trained,)] == (
        f"Number of officials trained ({code})"
    )
    actuals = figures("indicator_actual", user=admin, dimensions=["indicator"])
    assert values(actuals) == {(trained,): Decimal("210")}
    by_year = figures("indicator_actual", user=admin, dimensions=["year"])
    assert values(by_year) == {(2021,): Decimal("80"), (2022,): Decimal("130")}


def test_scope_and_filters(indicators, users, portfolio):
    assert total(figures("indicator_target", user=users["donor_b"])) == Decimal("50")
    # donor_b's only indicator has no actual yet: nothing to show, not a zero.
    assert figures("indicator_actual", user=users["donor_b"]).totals == []
    assert figures("indicator_target", user=users["norole"]).totals == []
    admin = users["admin"]
    in_2022 = figures("indicator_target", user=admin, filters=Filters(year=2022))
    assert total(in_2022) == Decimal("120")
    lebanon = figures("indicator_target", user=admin, filters=Filters(country="LB"))
    assert total(lebanon) == Decimal("50")
    by_project = figures(
        "indicator_target",
        user=admin,
        dimensions=["project"],
        filters=Filters(donor=portfolio["donor_a"].pk),
    )
    assert values(by_project) == {(portfolio["p_eg"].pk,): Decimal("220")}


def test_indicator_progress_puts_target_and_actual_side_by_side(portfolio, users):
    indicator = f.IndicatorFactory(result__project=portfolio["p_lb"], measure=IndicatorMeasure.UNIT)
    f.IndicatorPeriodFactory(
        indicator=indicator,
        period_start=datetime.date(2021, 1, 1),
        period_end=datetime.date(2021, 12, 31),
        target=100,
        actual=80,
    )
    figure = figures("indicator_progress", user=users["me"], dimensions=["indicator", "measure"])
    values = {row.keys[1]: row.cell.value for row in figure.rows}
    assert values == {"target": 100, "actual": 80}
    assert {row.labels[1] for row in figure.rows} == {"Target", "Actual"}
    # No total: targets and actuals do not add up.
    assert figure.totals == []
    # Without the breakdown: the actuals.
    plain = figures("indicator_progress", user=users["me"], dimensions=["indicator"])
    assert [row.cell.value for row in plain.rows] == [80]
    by_year = figures("indicator_progress", user=users["donor_b"], dimensions=["measure", "year"])
    assert {row.keys: row.cell.value for row in by_year.rows} == {
        ("target", 2021): 100,
        ("actual", 2021): 80,
    }
    assert not figures("indicator_progress", user=users["donor_a"], dimensions=["measure"]).rows
