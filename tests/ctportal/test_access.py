import pytest

from projects.models import Funding, Project, Transaction
from tests import factories as f
from tests.conftest import EXPECTED_PROJECTS


@pytest.mark.parametrize("who", sorted(EXPECTED_PROJECTS))
def test_each_role_sees_exactly_its_projects(portfolio, users, who):
    seen = set(Project.objects.visible_to(users[who]).values_list("pk", flat=True))
    assert seen == {portfolio[key].pk for key in EXPECTED_PROJECTS[who]}


@pytest.mark.parametrize("who", sorted(EXPECTED_PROJECTS))
def test_children_follow_their_project(portfolio, users, who):
    for key in ("p_eg", "p_lb", "p_both"):
        f.TransactionFactory(project=portfolio[key])
    seen = set(Transaction.objects.visible_to(users[who]).values_list("project_id", flat=True))
    assert seen == {portfolio[key].pk for key in EXPECTED_PROJECTS[who]}


def test_anonymous_sees_nothing(portfolio):
    from django.contrib.auth.models import AnonymousUser

    assert not Project.objects.visible_to(AnonymousUser()).exists()
    assert not Funding.objects.visible_to(AnonymousUser()).exists()


def test_inactive_user_sees_nothing(portfolio, users):
    users["admin"].is_active = False
    assert not Project.objects.visible_to(users["admin"]).exists()


def test_donor_without_organisation_sees_nothing(portfolio):
    donor = f.UserFactory(role="donor", organisation=None)
    assert not Project.objects.visible_to(donor).exists()
