"""The figures page: counts for everyone who may count cases, small cells hidden from some."""

import datetime

import pytest
from django.urls import reverse

from assistance import services
from tests import factories as f
from tests.assistance.test_views import ROLES, role_clients

URL = reverse("assistance:figures")


@pytest.fixture
def clients(users, case_workers):
    return role_clients(users, case_workers)


@pytest.fixture
def caseload(portfolio, case_workers):
    """Lebanon: 12 Ethiopian women in forced labour (2021), 3 Syrian men (2022); Egypt: 2."""
    lebanon = {"country_office": portfolio["lebanon"], "project": portfolio["p_lb"]}
    women = [f.CaseFactory(**lebanon) for _ in range(12)]
    men = [
        f.CaseFactory(
            **lebanon,
            sex="Male",
            citizenship="SY",
            identification_date=datetime.date(2022, 2, 1),
            is_forced_labour=False,
            labour_sector="",
            is_sexual_exploit=True,
        )
        for _ in range(3)
    ]
    for case in women:
        f.ServiceFactory(case=case, kind="medical")
    egypt = [
        f.CaseFactory(country_office=portfolio["egypt"], project=portfolio["p_eg"])
        for _ in range(2)
    ]
    services.identity_save(
        user=case_workers["lb"], case=women[0], data={"given_name": "Zahra-Unique-Name"}
    )
    return {"women": women, "men": men, "egypt": egypt}


@pytest.mark.parametrize("role", ROLES)
def test_figures_per_role(role, clients, caseload):
    response = clients[role].get(URL)

    assert response.status_code == (302 if role == "unverified" else 200)
    content = response.content.decode()
    assert "Zahra-Unique-Name" not in content
    for case in caseload["women"] + caseload["men"]:
        assert case.reference not in content


def test_case_workers_see_their_office_unsuppressed(clients, caseload):
    response = clients["case_worker_lb"].get(URL)

    figures = response.context["figures"]
    assert (figures.identified.shown, figures.assisted.shown) == (15, 12)
    content = response.content.decode()
    assert "&lt;11" not in content
    sexes = {row["label"]: row["cell"].shown for row in response.context["rows"]["sex"]}
    assert sexes == {"Female": 12, "Male": 3}


def test_donors_get_small_cells_as_less_than_11(clients, caseload):
    response = clients["donor"].get(URL)

    content = response.content.decode()
    figures = response.context["figures"]
    assert figures.identified.shown == 15
    assert figures.by_sex["Male"].shown == "<11"
    assert '<bdi dir="ltr">&lt;11</bdi>' in content
    assert "are shown as" in content  # the small-cell explanation
    nationality = {
        row["label"]: row["cell"].shown for row in response.context["rows"]["nationality"]
    }
    assert nationality["Syria"] == "<11"


def test_programme_officers_count_the_cases_of_their_projects(clients, caseload):
    lb_officer = clients["programme_officer"].get(URL).context["figures"]
    me = clients["me_officer"].get(URL).context["figures"]

    assert lb_officer.identified.shown == 15
    assert me.identified.shown == 17
    assert me.by_sex["Male"].shown == 3


def test_figures_are_labelled_in_arabic(clients, caseload):
    client = clients["case_worker_lb"]
    client.cookies["django_language"] = "ar"

    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="ar")

    assert response.content.decode().count('dir="rtl"') >= 1
    labels = [row["label"] for row in response.context["rows"]["nationality"]]
    assert "Ethiopia" not in labels and labels


def test_figures_cost_a_fixed_number_of_queries(
    clients,
    caseload,
    portfolio,
    django_assert_max_num_queries,
):
    client = clients["donor"]
    client.get(URL)
    with django_assert_max_num_queries(14) as few:
        client.get(URL)
    for _ in range(20):
        f.ServiceFactory(
            case=f.CaseFactory(country_office=portfolio["lebanon"], project=portfolio["p_lb"]),
            kind="legal",
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL)
