import datetime

import pytest

from assistance.models import Case
from assistance.selectors import case_figures
from ctportal.access import Role
from dashboards.figures import figures
from dashboards.registry import Filters
from tests import factories as f

CASE_METRICS = ("cases_identified", "cases_assisted", "services_delivered")


def values(figure) -> dict:
    return {row.keys: row.cell.value for row in figure.rows}


def shown(figure) -> dict:
    return {row.keys: row.cell.shown for row in figure.rows}


def total(figure):
    return figure.totals[0].cell.value if figure.totals else None


@pytest.fixture
def workers(users, portfolio):
    """Verified case workers of the Lebanon and Egypt offices, and an unverified one."""
    egypt, lebanon = portfolio["egypt"], portfolio["lebanon"]
    return {
        "lb": f.verified(
            f.UserFactory(role=Role.CASE_WORKER, countries=[lebanon], country_office=lebanon)
        ),
        "eg": f.verified(
            f.UserFactory(role=Role.CASE_WORKER, countries=[egypt], country_office=egypt)
        ),
        "lb_unverified": f.UserFactory(
            role=Role.CASE_WORKER, countries=[lebanon], country_office=lebanon
        ),
    }


@pytest.fixture
def caseload(portfolio, workers):
    """17 cases.

    - Lebanon office, p_lb: 12 — 8 women of Ethiopia (2021, forced labour, aged 25,
      6 with a medical service), 4 men of Sudan (2022, forced labour and sexual
      exploitation, aged 30, one with legal aid)
    - Egypt office, p_eg: 3 women of Eritrea (2022-Q1, sexual exploitation, no age)
    - Egypt office, p_both: 2 men of Syria (2021, forced labour), one with shelter
    """

    def case(office, project, **fields):
        return f.CaseFactory(
            country_office=portfolio[office],
            project=portfolio[project],
            registered_by=workers["lb" if office == "lebanon" else "eg"],
            **fields,
        )

    women_lb = [case("lebanon", "p_lb") for _ in range(8)]
    men_lb = [
        case(
            "lebanon",
            "p_lb",
            sex="Male",
            citizenship="SD",
            age_at_identification=30,
            is_sexual_exploit=True,
            identification_date=datetime.date(2022, 8, 1),
        )
        for _ in range(4)
    ]
    for woman in women_lb[:6]:
        f.ServiceFactory(case=woman, kind="medical", start_date=datetime.date(2021, 6, 1))
    f.ServiceFactory(case=women_lb[0], kind="psychosocial", start_date=datetime.date(2022, 1, 5))
    f.ServiceFactory(case=men_lb[0], kind="legal", start_date=datetime.date(2022, 9, 1))
    for _ in range(3):
        case(
            "egypt",
            "p_eg",
            citizenship="ER",
            age_at_identification=None,
            is_forced_labour=False,
            labour_sector="",
            is_sexual_exploit=True,
            identification_date=datetime.date(2022, 2, 1),
        )
    men_eg = [case("egypt", "p_both", sex="Male", citizenship="SY") for _ in range(2)]
    f.ServiceFactory(case=men_eg[0], kind="shelter", start_date=datetime.date(2021, 7, 1))
    return {"women_lb": women_lb, "men_lb": men_lb, "men_eg": men_eg}


def test_every_case_metric_is_case_sensitive():
    from dashboards.registry import get_metric

    assert {get_metric(code).sensitivity for code in CASE_METRICS} == {"case"}


@pytest.mark.parametrize(
    "who", ["admin", "me", "analyst", "donor_a", "donor_b", "officer_eg", "norole"]
)
def test_totals_match_case_figures(caseload, users, who):
    user = users[who]
    expected = case_figures(user=user)
    assert total(figures("cases_identified", user=user)) == expected.identified.value
    assert total(figures("cases_assisted", user=user)) == expected.assisted.value
    by_kind = figures("services_delivered", user=user, dimensions=["service_kind"])
    assert values(by_kind) == {(k,): c.value for k, c in expected.services_by_kind.items()}
    by_sex = figures("cases_identified", user=user, dimensions=["sex"])
    assert values(by_sex) == {(k,): c.value for k, c in expected.by_sex.items() if c.value}


def test_case_workers_count_their_office_and_only_once_verified(caseload, workers):
    assert total(figures("cases_identified", user=workers["lb"])) == 12
    assert total(figures("cases_identified", user=workers["eg"])) == 5
    assert total(figures("cases_identified", user=workers["lb_unverified"])) == 0
    assert case_figures(user=workers["lb"]).identified.value == 12
    # Their counts are their own rows: nothing hidden.
    by_sex = figures("cases_identified", user=workers["eg"], dimensions=["sex"])
    assert shown(by_sex) == {("Female",): 3, ("Male",): 2}


def test_donors_count_the_cases_of_the_projects_they_fund(caseload, users):
    # donor_a: p_eg and p_both; donor_b: p_lb and p_both.
    assert total(figures("cases_identified", user=users["donor_a"])) == 5
    assert total(figures("cases_identified", user=users["donor_b"])) == 14
    assert total(figures("cases_identified", user=users["norole"])) == 0


def test_the_breakdowns(caseload, users):
    admin = users["admin"]
    assert values(figures("cases_identified", user=admin, dimensions=["nationality"])) == {
        ("ET",): 8,
        ("SD",): 4,
        ("ER",): 3,
        ("SY",): 2,
    }
    labels = {
        row.keys: row.label
        for row in figures("cases_identified", user=admin, dimensions=["nationality"]).rows
    }
    assert labels[("ET",)] == "Ethiopia"
    ages = figures("cases_identified", user=admin, dimensions=["age_band"])
    assert values(ages) == {("24--26",): 10, ("30--38",): 4, ("",): 3}
    assert {row.keys: row.label for row in ages.rows}[("",)] == "—"
    assert values(figures("cases_identified", user=admin, dimensions=["quarter"])) == {
        ("2021-Q2",): 10,
        ("2022-Q1",): 3,
        ("2022-Q3",): 4,
    }
    assert values(figures("cases_identified", user=admin, dimensions=["country", "sex"])) == {
        ("LB", "Female"): 8,
        ("LB", "Male"): 4,
        ("EG", "Female"): 3,
        ("EG", "Male"): 2,
    }
    status = figures("cases_identified", user=admin, dimensions=["case_status"])
    assert [row.label for row in status.rows] == ["Open"]


def test_a_case_of_several_types_of_exploitation_counts_under_each(caseload, users):
    admin = users["admin"]
    figure = figures("cases_identified", user=admin, dimensions=["exploitation_type"])
    assert values(figure) == {("isForcedLabour",): 14, ("isSexualExploit",): 7}
    assert total(figure) == 17
    by_year = figures("cases_identified", user=admin, dimensions=["year", "exploitation_type"])
    assert values(by_year) == {
        (2021, "isForcedLabour"): 10,
        (2022, "isForcedLabour"): 4,
        (2022, "isSexualExploit"): 7,
    }
    labels = {row.keys: row.labels for row in by_year.rows}
    assert labels[(2022, "isSexualExploit")] == ("2022", "Sexual exploitation")


def test_assisted_cases_and_services(caseload, users):
    admin = users["admin"]
    assert total(figures("cases_assisted", user=admin)) == 8
    assisted = figures("cases_assisted", user=admin, dimensions=["country"])
    assert values(assisted) == {("LB",): 7, ("EG",): 1}
    services = figures("services_delivered", user=admin, dimensions=["service_kind"])
    assert values(services) == {
        ("medical",): 6,
        ("psychosocial",): 1,
        ("legal",): 1,
        ("shelter",): 1,
    }
    assert {row.keys: row.label for row in services.rows}[("medical",)] == "Medical care"
    # A service's year is when it started, not when the victim was identified.
    in_2022 = figures("services_delivered", user=admin, filters=Filters(year=2022))
    assert total(in_2022) == 2


def test_filters(caseload, users, portfolio):
    admin = users["admin"]

    def identified(**filters):
        return total(figures("cases_identified", user=admin, filters=Filters(**filters)))

    assert identified(country="EG") == 5  # the office, whatever the project's countries
    assert identified(country="LB") == 12
    assert identified(year=2022) == 7
    assert identified(project=portfolio["p_both"].pk) == 2
    assert identified(donor=portfolio["donor_b"].pk) == 14
    assert identified(donor=portfolio["donor_b"].pk, country="EG") == 2
    services = figures("services_delivered", user=admin, filters=Filters(country="EG"))
    assert total(services) == 1


def test_small_case_cells_are_hidden_with_a_complementary_cell(caseload, users):
    figure = figures("cases_identified", user=users["donor_b"], dimensions=["country"])
    assert shown(figure) == {("LB",): "*", ("EG",): "<11"}
    assert figure.totals[0].cell.shown == 14
    # The same figures in full for the M&E officer.
    assert shown(figures("cases_identified", user=users["me"], dimensions=["country"])) == {
        ("LB",): 12,
        ("EG",): 5,
    }
    # 11 women shown next to a total of 17 would give the 6 men away.
    analyst = figures("cases_identified", user=users["analyst"], dimensions=["sex"])
    assert shown(analyst) == {("Female",): "*", ("Male",): "<11"}
    assert analyst.totals[0].cell.shown == 17


def test_small_totals_are_hidden_too(caseload, users):
    # donor_a's projects: one case assisted.
    donor = figures("cases_assisted", user=users["donor_a"])
    assert donor.totals[0].cell.shown == "<11"
    assert donor.long() == [
        {"metric": "cases_assisted", "value": None, "suppressed": True, "display": "<11"}
    ]


def test_overlapping_types_are_protected_like_other_cells(caseload, users):
    # 17 victims, 14 of forced labour: at least 3 of sexual exploitation, and exactly 3
    # had no victim had both. The smallest other type is hidden too.
    figure = figures("cases_identified", user=users["analyst"], dimensions=["exploitation_type"])
    assert shown(figure) == {("isForcedLabour",): "*", ("isSexualExploit",): "<11"}


def test_case_metrics_never_leak_rows(caseload, users):
    references = set(Case.objects.values_list("reference", flat=True))
    for who in ("analyst", "donor_a", "donor_b"):
        figure = figures(
            "cases_identified",
            user=users[who],
            dimensions=["nationality", "sex", "age_band"],
        )
        for record in figure.long():
            assert set(record) == {
                "metric",
                "nationality",
                "nationality_label",
                "sex",
                "sex_label",
                "age_band",
                "age_band_label",
                "value",
                "suppressed",
                "display",
            }
            assert record["value"] is None or record["value"] > 10
            assert not references & {str(v) for v in record.values()}


def test_age_bands_come_youngest_first_whatever_their_counts(portfolio, users):
    from dashboards.charts import _keys_by_size

    for age, number in [(40, 30), (12, 20), (19, 25), (5, 12)]:
        f.CaseFactory.create_batch(
            number,
            country_office=portfolio["egypt"],
            project=portfolio["p_eg"],
            age_at_identification=age,
        )
    ages = figures("cases_identified", user=users["admin"], dimensions=["age_band"])

    # Band order, not the largest first, and not as text ("9--17" after "48+").
    assert [row.keys[0] for row in ages.rows] == ["0--8", "9--17", "18--20", "39--47"]
    assert [key for key, _label in _keys_by_size(ages.rows, 0, "age_band")] == [
        "0--8",
        "9--17",
        "18--20",
        "39--47",
    ]
