import datetime

import pytest

from research import selectors
from research.models import AwarenessActivity, LegislativeSupport, ResearchOutput
from tests import factories as f
from tests.conftest import EXPECTED_PROJECTS

PORTFOLIO_WIDE = {"me", "analyst", "admin"}
LINKS = {"p_eg": {"p_eg"}, "p_lb": {"p_lb"}, "p_both": {"p_both"}, "two": {"p_eg", "p_lb"}}


def expected(name: str, keys) -> set[str]:
    """The records of the ``research`` fixture ``name`` may see."""
    scope = EXPECTED_PROJECTS[name]
    seen = {key for key in keys if key in LINKS and LINKS[key] & scope}
    if name in PORTFOLIO_WIDE and "none" in keys:
        seen.add("none")
    return seen


@pytest.mark.parametrize("name", list(EXPECTED_PROJECTS))
def test_each_role_sees_the_records_of_its_projects(users, research, name):
    user = users[name]
    for model, key in (
        (ResearchOutput, "outputs"),
        (LegislativeSupport, "supports"),
        (AwarenessActivity, "activities"),
    ):
        by_pk = {record.pk: k for k, record in research[key].items()}
        seen = {by_pk[pk] for pk in model.objects.visible_to(user).values_list("pk", flat=True)}
        assert seen == expected(name, research[key]), (model.__name__, name)


@pytest.mark.parametrize("name", ["officer_eg", "admin"])
def test_editors_edit_what_they_see(users, research, name):
    output = research["outputs"]["p_eg"]
    assert selectors.can_edit(users[name], output)
    assert selectors.can_edit(users[name], research["outputs"]["none"]) == (name == "admin")


@pytest.mark.parametrize("name", ["me", "donor_a", "analyst", "norole"])
def test_other_roles_edit_nothing(users, research, name):
    assert not selectors.can_edit(users[name], research["outputs"]["p_eg"])
    assert not selectors.can_create(users[name])


def test_figures_by_kind_language_stage_and_reach(users, research, portfolio):
    research["outputs"]["p_lb"].status = "planned"
    research["outputs"]["p_lb"].save()
    figures = selectors.research_figures(user=users["admin"])
    assert figures["outputs_published"] == 4
    assert {row["label"]: row["value"] for row in figures["by_kind"]} == {
        "Assessment": 3,
        "Study": 1,
    }
    assert {row["label"]: row["value"] for row in figures["by_language"]} == {
        "English": 3,
        "French": 1,
    }
    assert {row["label"]: row["value"] for row in figures["by_stage"]} == {
        "Drafting": 3,
        "Adopted": 1,
    }
    assert figures["reach"]["people"] == 4 * 500
    assert figures["reach"]["activities"] == 4


def test_figures_follow_the_donors_scope_and_the_project(users, research, portfolio):
    figures = selectors.research_figures(user=users["donor_b"])
    # p_lb, p_both and the output linked to p_eg and p_lb.
    assert figures["outputs_published"] == 3
    assert figures["reach"]["people"] == 1000
    project = selectors.research_figures(user=users["donor_b"], project=portfolio["p_lb"])
    assert project["outputs_published"] == 2
    assert project["instruments"] == 1


def test_figures_cost_three_queries(users, research, django_assert_num_queries):
    with django_assert_num_queries(3):
        selectors.research_figures(user=users["officer_eg"])


def test_timeline_groups_by_country_with_regional_last(users, research, portfolio):
    f.LegislativeSupportFactory(
        title="Lebanese bylaw", country=portfolio["lebanon"], projects=[portfolio["p_lb"]]
    )
    supports = LegislativeSupport.objects.visible_to(users["admin"])
    groups = selectors.legislative_timeline(supports=supports)
    assert [g["country"].code if g["country"] else None for g in groups] == ["EG", "LB", None]
    law = next(s for s in groups[0]["supports"] if s.title == "Law p_eg")
    assert [stage.stage for stage in law.stages.all()] == ["drafting", "adopted"]


def test_timeline_costs_two_queries(users, research, django_assert_num_queries):
    supports = LegislativeSupport.objects.visible_to(users["officer_eg"])
    with django_assert_num_queries(2):
        groups = selectors.legislative_timeline(supports=supports)
        [list(s.stages.all()) for g in groups for s in g["supports"]]


def test_current_stage_is_the_latest_dated(users, research):
    support = research["supports"]["p_eg"]
    f.LegislativeStageFactory(support=support, stage="in_force", date=datetime.date(2022, 6, 1))
    row = LegislativeSupport.objects.with_stage().get(pk=support.pk)
    assert (row.current_stage, row.stage_date) == ("in_force", datetime.date(2022, 6, 1))


def test_linked_projects_outside_scope_are_not_listed(users, research):
    _filter, outputs = selectors.output_list(user=users["officer_eg"], params={})
    two = next(o for o in outputs if o.title == "Output two")
    assert [p.title for p in two.projects.all()] == ["Egypt project"]


def test_history_is_hidden_from_donors(users, research):
    output = research["outputs"]["p_eg"]
    assert selectors.record_history(record=output, user=users["donor_a"]) is None
    entries = selectors.record_history(record=output, user=users["me"])
    assert entries[0]["action"] == "created"
