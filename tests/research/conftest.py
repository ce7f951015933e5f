import datetime

import pytest

from tests import factories as f


@pytest.fixture
def research(portfolio):
    """Records of each kind per project, one linked to two projects and one to none.

    Who sees what follows EXPECTED_PROJECTS: a record is visible when any of its
    projects is; the unlinked ones only to portfolio-wide roles.
    """
    outputs = {
        key: f.ResearchOutputFactory(title=f"Output {key}", projects=[portfolio[key]])
        for key in ("p_eg", "p_lb", "p_both")
    }
    outputs["two"] = f.ResearchOutputFactory(
        title="Output two", projects=[portfolio["p_eg"], portfolio["p_lb"]], kind="study"
    )
    outputs["none"] = f.ResearchOutputFactory(title="Output none", language="fr")
    supports = {
        key: f.LegislativeSupportFactory(
            title=f"Law {key}", country=portfolio["egypt"], projects=[portfolio[key]]
        )
        for key in ("p_eg", "p_lb", "p_both")
    }
    supports["none"] = f.LegislativeSupportFactory(title="Law none", country=None)
    for support in supports.values():
        f.LegislativeStageFactory(support=support, stage="drafting")
    f.LegislativeStageFactory(
        support=supports["p_eg"], stage="adopted", date=datetime.date(2022, 3, 1)
    )
    activities = {
        key: f.AwarenessActivityFactory(title=f"Campaign {key}", projects=[portfolio[key]])
        for key in ("p_eg", "p_lb", "p_both")
    }
    activities["none"] = f.AwarenessActivityFactory(title="Campaign none")
    return {"outputs": outputs, "supports": supports, "activities": activities}


def visible_keys(user_projects: set[str], linked: list[str]) -> bool:
    return bool(user_projects & set(linked))
