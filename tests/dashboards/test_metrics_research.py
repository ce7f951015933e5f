import datetime

import pytest
from django.utils import translation

from dashboards.figures import figures
from dashboards.registry import Filters
from research.selectors import research_figures
from tests import factories as f


def values(figure) -> dict:
    return {row.keys: row.cell.value for row in figure.rows}


def total(figure):
    return figure.totals[0].cell.value if figure.totals else None


@pytest.fixture
def knowledge(portfolio):
    """Outputs, instruments and campaigns of the portfolio.

    Outputs: an English assessment of p_eg on Egypt (2021); its Arabic handbook of
    p_eg and p_lb on Egypt and Lebanon (2022); a study of p_lb in progress; a French
    brief of no project (2021). Instruments: Egypt's law (p_eg) drafted in 2020 and
    adopted in 2022; Lebanon's referral mechanism (p_lb) drafted in 2021; a regional
    framework (p_both) with no stage. Campaigns: 500 people in Egypt (p_eg, 2021), 300
    migrants in Egypt and Lebanon (p_lb and p_both, 2022), one reach not counted (p_lb).
    """
    egypt, lebanon = portfolio["egypt"], portfolio["lebanon"]
    p_eg, p_lb, p_both = portfolio["p_eg"], portfolio["p_lb"], portfolio["p_both"]
    assessment = f.ResearchOutputFactory(projects=[p_eg])
    assessment.countries.set([egypt])
    handbook = f.ResearchOutputFactory(
        projects=[p_eg, p_lb],
        kind="handbook",
        language="ar",
        translation_of=assessment,
        publication_date=datetime.date(2022, 3, 1),
    )
    handbook.countries.set([egypt, lebanon])
    f.ResearchOutputFactory(projects=[p_lb], kind="study", status="in_progress")
    f.ResearchOutputFactory(kind="policy_brief", language="fr", countries=[])
    law = f.LegislativeSupportFactory(projects=[p_eg], country=egypt, instrument="law")
    f.LegislativeStageFactory(support=law, stage="drafting", date=datetime.date(2020, 3, 1))
    f.LegislativeStageFactory(support=law, stage="adopted", date=datetime.date(2022, 6, 1))
    nrm = f.LegislativeSupportFactory(projects=[p_lb], country=lebanon, instrument="nrm")
    f.LegislativeStageFactory(support=nrm, stage="drafting", date=datetime.date(2021, 2, 1))
    f.LegislativeSupportFactory(projects=[p_both], country=None, instrument="regional")
    public = f.AwarenessActivityFactory(projects=[p_eg], people_reached=500)
    public.countries.set([egypt])
    migrants = f.AwarenessActivityFactory(
        projects=[p_lb, p_both],
        people_reached=300,
        audience="migrants",
        channel="community",
        start_date=datetime.date(2022, 1, 10),
        end_date=None,
    )
    migrants.countries.set([egypt, lebanon])
    f.AwarenessActivityFactory(projects=[p_lb], people_reached=None, audience_estimate=10_000)
    return {"law": law, "nrm": nrm}


@pytest.mark.parametrize("who", ["admin", "me", "analyst", "donor_a", "donor_b", "officer_eg"])
def test_totals_match_research_figures(knowledge, users, who):
    user = users[who]
    expected = research_figures(user=user)
    assert total(figures("outputs_published", user=user)) == expected["outputs_published"]
    assert total(figures("laws_supported", user=user)) == expected["instruments"]
    assert total(figures("awareness_reach", user=user)) == expected["reach"]["people"]


def test_outputs_published(knowledge, users):
    admin = users["admin"]
    assert total(figures("outputs_published", user=admin)) == 3
    kinds = figures("outputs_published", user=admin, dimensions=["output_kind"])
    assert values(kinds) == {("assessment",): 1, ("handbook",): 1, ("policy_brief",): 1}
    languages = figures("outputs_published", user=admin, dimensions=["language"])
    assert {row.keys[0]: row.label for row in languages.rows} == {
        "en": "English",
        "ar": "Arabic",
        "fr": "French",
    }
    with translation.override("fr"):
        french = figures("outputs_published", user=admin, dimensions=["language"])
    assert {row.keys[0]: row.label for row in french.rows}["ar"] == "Arabe"
    countries = figures("outputs_published", user=admin, dimensions=["country"])
    assert values(countries) == {("EG",): 2, ("LB",): 1, (None,): 1}
    assert values(figures("outputs_published", user=admin, dimensions=["year"])) == {
        (2021,): 2,
        (2022,): 1,
    }


def test_outputs_by_project_show_only_the_projects_in_scope(knowledge, users, portfolio):
    p_eg, p_lb = portfolio["p_eg"].pk, portfolio["p_lb"].pk
    analyst = figures("outputs_published", user=users["analyst"], dimensions=["project"])
    assert values(analyst) == {(p_eg,): 2, (p_lb,): 1, (None,): 1}
    # donor_a funds p_eg, not p_lb: the handbook shows under p_eg only.
    donor = figures("outputs_published", user=users["donor_a"], dimensions=["project"])
    assert values(donor) == {(p_eg,): 2}
    assert [row.label for row in donor.rows] == ["Egypt project"]
    assert total(figures("outputs_published", user=users["norole"])) == 0


def test_laws_supported_at_their_latest_stage(knowledge, users):
    admin = users["admin"]
    stages = figures("laws_supported", user=admin, dimensions=["stage"])
    assert values(stages) == {("adopted",): 1, ("drafting",): 1, (None,): 1}
    assert {row.keys: row.label for row in stages.rows}[(None,)] == "No stage recorded"
    assert values(figures("laws_supported", user=admin, dimensions=["year"])) == {
        (2022,): 1,
        (2021,): 1,
        (None,): 1,
    }
    instruments = figures("laws_supported", user=admin, dimensions=["instrument"])
    assert {row.label for row in instruments.rows} == {
        "Law",
        "National referral mechanism",
        "Regional action plan or framework",
    }
    countries = figures("laws_supported", user=admin, dimensions=["country"])
    assert values(countries) == {("EG",): 1, ("LB",): 1, (None,): 1}


def test_laws_supported_in_a_year_at_the_stage_reached_by_its_end(knowledge, users):
    admin = users["admin"]

    def stages(year):
        return values(
            figures("laws_supported", user=admin, dimensions=["stage"], filters=Filters(year=year))
        )

    assert stages(2020) == {("drafting",): 1}
    assert stages(2021) == {("drafting",): 1}
    assert stages(2022) == {("adopted",): 1}
    assert stages(2023) == {}


def test_awareness_reach(knowledge, users, portfolio):
    admin = users["admin"]
    assert total(figures("awareness_reach", user=admin)) == 800
    # A campaign in two countries reaches people in each.
    assert values(figures("awareness_reach", user=admin, dimensions=["country"])) == {
        ("EG",): 800,
        ("LB",): 300,
    }
    audiences = figures("awareness_reach", user=admin, dimensions=["audience"])
    assert {row.label: row.cell.value for row in audiences.rows} == {
        "General public": 500,
        "Migrants and migrant workers": 300,
    }
    channels = figures("awareness_reach", user=admin, dimensions=["channel", "year"])
    assert values(channels) == {("media", 2021): 500, ("community", 2022): 300}
    assert total(figures("awareness_reach", user=users["donor_a"])) == 800
    assert total(figures("awareness_reach", user=users["officer_lb_project"])) == 300


def test_filters(knowledge, users, portfolio):
    admin = users["admin"]

    def figure(code, **filters):
        return total(figures(code, user=admin, filters=Filters(**filters)))

    assert figure("outputs_published", country="LB") == 1
    assert figure("outputs_published", project=portfolio["p_eg"].pk) == 2
    assert figure("outputs_published", year=2022) == 1
    assert figure("outputs_published", donor=portfolio["donor_b"].pk) == 1
    assert figure("laws_supported", country="EG") == 1
    assert figure("laws_supported", donor=portfolio["donor_b"].pk) == 2
    assert figure("awareness_reach", country="LB") == 300
    assert figure("awareness_reach", year=2021) == 500
    assert figure("awareness_reach", project=portfolio["p_both"].pk) == 300
    assert figure("awareness_reach", country="JO") is None
