import datetime

import pytest

from assistance import care_services, selectors
from assistance.models import Case
from tests import factories as f


@pytest.fixture
def caseload(portfolio, case_workers):
    """Lebanon: 12 women (forced labour, 2021) and 3 men (sexual exploitation, 2022), all
    Ethiopian; Egypt: 1 Sudanese woman. Services for 4 Lebanese cases and the Egyptian one."""
    lebanon = {"country_office": portfolio["lebanon"], "project": portfolio["p_lb"]}
    women = [f.CaseFactory(**lebanon, age_at_identification=25) for _ in range(12)]
    men = [
        f.CaseFactory(
            **lebanon,
            sex="Male",
            age_at_identification=16,
            identification_date=datetime.date(2022, 2, 1),
            is_forced_labour=False,
            labour_sector="",
            is_sexual_exploit=True,
        )
        for _ in range(3)
    ]
    egyptian = f.CaseFactory(
        country_office=portfolio["egypt"], project=portfolio["p_eg"], citizenship="SD"
    )
    for case in women[:3] + men[:1]:
        f.ServiceFactory(case=case, kind="medical")
    f.ServiceFactory(case=women[0], kind="legal")
    f.ServiceFactory(case=egyptian, kind="shelter")
    return {"women": women, "men": men, "egyptian": egyptian}


def shown(cells: dict) -> dict:
    return {key: cell.shown for key, cell in cells.items()}


def test_case_workers_see_their_offices_figures_unsuppressed(caseload, case_workers):
    figures = selectors.case_figures(user=case_workers["lb"])

    assert figures.identified.shown == 15
    assert figures.assisted.shown == 4
    assert shown(figures.by_exploitation) == {"isSexualExploit": 3, "isForcedLabour": 12}
    assert shown(figures.by_sex) == {"Female": 12, "Male": 3}
    assert shown(figures.by_age_band) == {"24--26": 12, "9--17": 3}
    assert shown(figures.by_nationality) == {"ET": 15}
    assert shown(figures.by_year) == {2021: 12, 2022: 3}
    assert shown(figures.services_by_kind) == {"legal": 1, "medical": 4}


def test_analysts_get_small_cells_suppressed(caseload, users):
    figures = selectors.case_figures(user=users["analyst"])

    assert figures.identified.shown == 16
    assert figures.assisted.shown == "<11"
    # 16 identified less 13 of forced labour would give the 3 of sexual exploitation.
    assert shown(figures.by_exploitation) == {"isSexualExploit": "<11", "isForcedLabour": "*"}
    # One small cell next to a shown total: its neighbour is hidden too.
    assert shown(figures.by_sex) == {"Female": "*", "Male": "<11"}
    assert shown(figures.by_nationality) == {"ET": "*", "SD": "<11"}
    assert all(cell.shown == "<11" for cell in figures.services_by_kind.values())


def test_donors_count_the_cases_of_the_projects_they_fund(caseload, users):
    donor_b = selectors.case_figures(user=users["donor_b"])
    donor_a = selectors.case_figures(user=users["donor_a"])

    assert donor_b.identified.shown == 15
    assert donor_a.identified.shown == "<11"
    assert donor_a.identified.value == 1


@pytest.mark.parametrize("who", ["me", "officer_lb_project", "admin"])
def test_other_roles_see_exact_counts_of_their_scope(caseload, users, who):
    expected = {"me": 16, "officer_lb_project": 15, "admin": 16}[who]
    assert selectors.case_figures(user=users[who]).identified.shown == expected


def test_nobody_without_a_role_counts_anything(caseload, users, case_workers):
    for user in (users["norole"], case_workers["lb_unverified"]):
        assert selectors.case_figures(user=user).identified.value == 0


def test_figures_cost_the_same_queries_whatever_the_rows(
    caseload, users, django_assert_num_queries
):
    # One more for the whole scope: its summary is looked for first (none built here).
    with django_assert_num_queries(8):
        selectors.case_figures(user=users["analyst"])
    f.CaseFactory.create_batch(20)
    with django_assert_num_queries(7):
        selectors.case_figures(user=users["analyst"], cases=Case.objects.all())


def test_shelter_occupancy(case_workers, portfolio, shelter, cases):
    other = f.CaseFactory(country_office=portfolio["lebanon"], project=portfolio["p_lb"])
    user = case_workers["lb"]
    day = datetime.date(2021, 6, 1)
    stay = care_services.stay_admit(user=user, case=cases["lb"], shelter=shelter, admitted_on=day)
    care_services.stay_admit(user=user, case=other, shelter=shelter, admitted_on=day)
    care_services.stay_discharge(user=user, stay=stay, discharged_on=datetime.date(2021, 6, 5))

    on = {
        when: selectors.shelter_occupancy(user=user, on=when).get().occupancy
        for when in (datetime.date(2021, 5, 31), day, datetime.date(2021, 6, 5))
    }

    assert on == {datetime.date(2021, 5, 31): 0, day: 2, datetime.date(2021, 6, 5): 1}
    assert not selectors.shelter_occupancy(user=case_workers["eg"]).exists()


def test_case_timeline_in_fixed_queries(case_workers, cases, shelter, django_assert_num_queries):
    user, case = case_workers["lb"], cases["lb"]
    for _ in range(3):
        f.ServiceFactory(case=case)
    care_services.note_add(user=user, case=case, text="First contact.")
    care_services.stay_admit(
        user=user, case=case, shelter=shelter, admitted_on=case.identification_date
    )

    with django_assert_num_queries(5):
        found, entries = selectors.case_timeline(user=user, pk=case.pk)

    assert found == case
    assert [e.kind for e in entries].count("service") == 3
    assert {"note", "stay"} <= {e.kind for e in entries}


def test_administrators_get_the_timeline_without_notes(users, case_workers, cases):
    care_services.note_add(user=case_workers["lb"], case=cases["lb"], text="First contact.")

    _case, entries = selectors.case_timeline(user=users["admin"], pk=cases["lb"].pk)

    assert "note" not in {e.kind for e in entries}


@pytest.mark.parametrize("who", ["me", "donor_b", "analyst", "officer_lb_project"])
def test_the_timeline_is_404_for_aggregate_readers(users, cases, who):
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.case_timeline(user=users[who], pk=cases["lb"].pk)
