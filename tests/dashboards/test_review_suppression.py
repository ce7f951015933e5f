"""Small cells that figures of case data must not let an aggregate-only viewer work out.

Each test builds a caseload where one count from 1 to 10 would follow by
subtraction from what the figures show (the total, a one-way breakdown
shown next to a two-way one, the victims identified next to those
assisted), and checks that it cannot.
"""

import datetime
import re

import pytest

from dashboards.figures import figures
from tests import factories as f

LIMIT = 10


def small(number) -> bool:
    return number is not None and 0 < number <= LIMIT


def shown(cell):
    return None if cell.suppressed else cell.value


def cells(figure) -> dict:
    return {row.keys: row.cell for row in figure.rows}


def total(figure):
    return figure.totals[0].cell


def make_cases(portfolio, count, *, services=0, **fields):
    made = [
        f.CaseFactory(country_office=portfolio["lebanon"], project=portfolio["p_lb"], **fields)
        for _ in range(count)
    ]
    for case in made[:services]:
        f.ServiceFactory(case=case)
    return made


def only(kind: str) -> dict:
    """Fields of a case of one type of exploitation."""
    return {
        "is_forced_labour": kind == "labour",
        "labour_sector": "typeOfLabourDomesticWork" if kind == "labour" else "",
        "is_sexual_exploit": kind == "sexual",
    }


@pytest.fixture
def single_types(portfolio):
    """15 victims of forced labour only (12 women, 3 men), 12 of sexual exploitation only."""
    make_cases(portfolio, 12, sex="Female", **only("labour"))
    make_cases(portfolio, 3, sex="Male", **only("labour"))
    make_cases(portfolio, 12, sex="Female", **only("sexual"))


@pytest.mark.parametrize("who", ["analyst", "donor_b"])
def test_a_type_of_exploitation_cannot_be_found_from_the_total(single_types, users, who):
    figure = figures("cases_identified", user=users[who], dimensions=["exploitation_type"])
    by_type = cells(figure)
    assert by_type[("isForcedLabour",)].value == 15 and by_type[("isSexualExploit",)].value == 12
    # Nothing small here: nothing hidden.
    assert not any(cell.suppressed for cell in by_type.values())
    assert total(figure).shown == 27


@pytest.mark.parametrize("who", ["analyst", "donor_b"])
def test_one_hidden_type_is_not_the_total_minus_the_others(portfolio, users, who):
    # Most victims have one type of exploitation: the types then add up to the total.
    make_cases(portfolio, 15, **only("labour"))
    make_cases(portfolio, 3, **only("sexual"))
    figure = figures("cases_identified", user=users[who], dimensions=["exploitation_type"])
    by_type = cells(figure)
    assert by_type[("isSexualExploit",)].suppressed
    hidden = [cell for cell in by_type.values() if cell.suppressed]
    if shown(total(figure)) is not None:
        # total 18 - forced labour 15 = 3 victims of sexual exploitation
        assert len(hidden) >= 2


@pytest.mark.parametrize("who", ["analyst", "donor_b"])
def test_a_two_way_table_with_an_overlapping_dimension_keeps_its_other_axis(
    single_types, users, who
):
    user = users[who]
    by_type = cells(figures("cases_identified", user=user, dimensions=["exploitation_type"]))
    grid = cells(figures("cases_identified", user=user, dimensions=["exploitation_type", "sex"]))
    assert grid[("isForcedLabour", "Male")].suppressed
    # Shown on the same dashboard: 15 victims of forced labour, 12 of them women.
    labour = shown(by_type[("isForcedLabour",)])
    women = shown(grid[("isForcedLabour", "Female")])
    assert labour is None or women is None, f"{labour} - {women} gives the hidden men"


def leaks(identified, assisted) -> list[str]:
    """Counts of victims not assisted, from 1 to 10, that follow from the two figures."""
    found = []
    whole, part = cells(identified), cells(assisted)
    for keys, cell in whole.items():
        own = part.get(keys)
        both = shown(cell) is not None and own is not None and shown(own) is not None
        if both and small(cell.value - own.value):
            found.append(f"cell {keys}")
    if shown(total(identified)) is not None and shown(total(assisted)) is not None:
        if small(total(identified).value - total(assisted).value):
            found.append("total")
        # The assisted cells hidden add up to the total less those shown.
        hidden = [k for k, c in part.items() if c.suppressed]
        if hidden and all(shown(whole[k]) is not None for k in hidden):
            rest_of_hidden = sum(whole[k].value for k in hidden) - (
                total(assisted).value - sum(c.value for c in part.values() if not c.suppressed)
            )
            if small(rest_of_hidden):
                found.append(f"hidden cells {hidden}")
    return found


@pytest.mark.parametrize("who", ["analyst", "donor_b"])
def test_victims_not_assisted_cannot_be_counted_from_two_key_figures(portfolio, users, who):
    make_cases(portfolio, 15, services=12)
    user = users[who]
    identified, assisted = (
        figures("cases_identified", user=user),
        figures("cases_assisted", user=user),
    )
    assert total(identified).value == 15 and total(assisted).value == 12
    assert leaks(identified, assisted) == []


@pytest.mark.parametrize("who", ["analyst", "donor_b"])
def test_victims_not_assisted_cannot_be_counted_cell_by_cell(portfolio, users, who):
    make_cases(portfolio, 20, services=20, sex="Female")
    make_cases(portfolio, 15, services=12, sex="Male")
    make_cases(
        portfolio, 30, services=30, sex="Female", identification_date=datetime.date(2022, 3, 1)
    )
    user = users[who]
    for dims in (["sex"], ["year"], ["sex", "year"]):
        identified = figures("cases_identified", user=user, dimensions=dims)
        assisted = figures("cases_assisted", user=user, dimensions=dims)
        assert leaks(identified, assisted) == [], dims


@pytest.mark.parametrize("who", ["analyst", "donor_b"])
def test_a_group_nobody_in_was_assisted_does_not_give_the_others_away(portfolio, users, who):
    # No woman assisted: the women have no row of their own among the victims assisted.
    make_cases(portfolio, 20, sex="Female")
    make_cases(portfolio, 15, services=12, sex="Male")
    make_cases(portfolio, 15, services=15, sex="Transgender/NonConforming")
    user = users[who]
    identified = figures("cases_identified", user=user, dimensions=["sex"])
    assisted = figures("cases_assisted", user=user, dimensions=["sex"])
    assert leaks(identified, assisted) == []
    part = cells(assisted)
    assert part[("Male",)].suppressed
    # 27 assisted, 15 of them transgender: 12 men, 3 not assisted, unless another cell is hidden.
    shown_sum = sum(c.value for c in part.values() if not c.suppressed)
    if shown(total(assisted)) is not None:
        hidden_keys = [k for k, c in part.items() if c.suppressed]
        assert len(hidden_keys) >= 2, hidden_keys
        assert total(assisted).value - shown_sum != 12


def test_staff_still_see_both_figures_in_full(portfolio, users):
    make_cases(portfolio, 15, services=12)
    me = users["me"]
    assert total(figures("cases_identified", user=me)).shown == 15
    assert total(figures("cases_assisted", user=me)).shown == 12


def test_a_dashboard_of_both_key_figures_shows_no_victims_not_assisted(client, portfolio, users):
    make_cases(portfolio, 15, services=12)
    dashboard = f.DashboardFactory(slug="victims", audience="portfolio")
    for position, metric in enumerate(("cases_identified", "cases_assisted")):
        f.WidgetFactory(dashboard=dashboard, position=position, kind="kpi", metric=metric)
    client.force_login(users["donor_b"])
    page = client.get("/dashboards/victims/").content.decode()
    tiles = re.findall(r'<p class="dash-kpi[^"]*">(.*?)</p>', page, re.S)
    assert [re.sub(r"<[^>]+>", "", tile).strip() for tile in tiles] == ["15", "*"]


@pytest.mark.parametrize("who", ["analyst", "donor_b"])
def test_a_hidden_quarter_is_not_its_year_less_the_other_quarters(portfolio, users, who):
    make_cases(portfolio, 20, identification_date=datetime.date(2021, 2, 1))
    make_cases(portfolio, 3, identification_date=datetime.date(2021, 8, 1))
    make_cases(portfolio, 15, identification_date=datetime.date(2022, 2, 1))
    user = users[who]
    years = cells(figures("cases_identified", user=user, dimensions=["year"]))
    quarters = cells(figures("cases_identified", user=user, dimensions=["quarter"]))
    assert quarters[("2021-Q3",)].suppressed
    # A line by year beside a line by quarter: 23 in 2021, 20 of them in its first quarter.
    year_2021 = shown(years[(2021,)])
    first = shown(quarters[("2021-Q1",)])
    assert year_2021 is None or first is None, f"{year_2021} - {first} gives 2021-Q3"
