"""The figures page and API must not let donors and analysts count a small group by subtraction.

Two key figures side by side (victims identified, victims assisted) give the
victims not assisted; a breakdown by type of exploitation next to the total
gives the one hidden type whenever victims have one type each, as most do.
"""

import re

import pytest

from assistance import selectors
from tests import factories as f

AGGREGATE_VIEWERS = ["analyst", "donor_b"]


def lebanon_cases(portfolio, count, *, services=0, **fields):
    made = [
        f.CaseFactory(country_office=portfolio["lebanon"], project=portfolio["p_lb"], **fields)
        for _ in range(count)
    ]
    for case in made[:services]:
        f.ServiceFactory(case=case)
    return made


def both_shown(a, b) -> bool:
    return not a.suppressed and not b.suppressed


@pytest.mark.parametrize("who", AGGREGATE_VIEWERS)
def test_victims_not_assisted_do_not_follow_from_the_key_figures(portfolio, users, who):
    lebanon_cases(portfolio, 15, services=12)
    figures = selectors.case_figures(user=users[who])
    assert figures.identified.shown == 15
    # 15 identified and 12 assisted would give the 3 victims without any service.
    assert figures.assisted.suppressed


@pytest.mark.parametrize("who", AGGREGATE_VIEWERS)
def test_the_api_and_the_page_hide_the_assisted_too(client, portfolio, users, who):
    lebanon_cases(portfolio, 15, services=12)
    client.force_login(users[who])
    data = client.get("/api/v1/assistance/figures/").json()
    assert data["identified"] == {"count": 15, "suppressed": False}
    assert data["assisted"] == {"count": None, "suppressed": True}
    page = client.get("/assistance/figures/").content.decode()
    tiles = page.split('class="kpis"', 1)[1].split("</section>", 1)[0]
    values = re.findall(r'<div class="kpi-value">(.*?)</div>', tiles, re.S)
    assert [re.sub(r"<[^>]+>", "", v).strip() for v in values] == ["15", "*"]


def test_staff_and_case_workers_see_both(portfolio, users, case_workers):
    lebanon_cases(portfolio, 15, services=12)
    for user in (users["me"], case_workers["lb"]):
        figures = selectors.case_figures(user=user)
        assert (figures.identified.shown, figures.assisted.shown) == (15, 12)


def test_a_large_gap_hides_nothing(portfolio, users):
    lebanon_cases(portfolio, 40, services=12)
    figures = selectors.case_figures(user=users["analyst"])
    assert (figures.identified.shown, figures.assisted.shown) == (40, 12)


@pytest.mark.parametrize("who", AGGREGATE_VIEWERS)
def test_a_hidden_type_of_exploitation_is_not_the_total_less_the_others(portfolio, users, who):
    lebanon_cases(portfolio, 15)
    lebanon_cases(portfolio, 3, is_forced_labour=False, labour_sector="", is_sexual_exploit=True)
    figures = selectors.case_figures(user=users[who])
    by_type = figures.by_exploitation
    assert figures.identified.shown == 18 and by_type["isSexualExploit"].suppressed
    # 18 identified less 15 of forced labour: the 3 victims of sexual exploitation.
    assert by_type["isForcedLabour"].suppressed
