import pytest

from reports.models import DonorReport

# Who sees reports of the Lebanon project (portfolio fixture), by their status.
SEES_DRAFTS = {"officer_lb_project", "case_worker_lb", "me", "analyst", "admin"}
SEES_DONE = SEES_DRAFTS | {"donor_b"}
ALL_USERS = SEES_DONE | {"officer_eg", "donor_a", "norole"}


@pytest.fixture
def reports(make_report):
    return {
        "draft": make_report("en"),
        "failed": make_report("fr", status="failed"),
        "done": make_report("ar", status="done"),
    }


@pytest.mark.parametrize("name", sorted(ALL_USERS))
def test_reports_are_visible_by_project_scope_and_to_donors_when_done(users, reports, name):
    visible = set(DonorReport.objects.visible_to(users[name]))

    expected = set()
    if name in SEES_DRAFTS:
        expected = set(reports.values())
    elif name in SEES_DONE:
        expected = {reports["done"]}
    assert visible == expected


def test_a_report_of_another_project_is_not_visible_to_the_lebanon_donor(
    users, portfolio, make_report
):
    egypt = make_report("en", project=portfolio["p_eg"], status="done")

    assert egypt not in DonorReport.objects.visible_to(users["donor_b"])
    assert egypt in DonorReport.objects.visible_to(users["donor_a"])
