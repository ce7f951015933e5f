import pytest

from ctportal.access import Role
from tests import factories as f

# The browser tests' shared fixtures (Debian's chromium).
pytest_plugins = ["tests.browser_support"]


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a page asked for in French leaves French
    active in the thread (LocaleMiddleware), and labels of later tests would follow it."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _force_login_gives_the_second_factor(monkeypatch):
    """``client.force_login`` skips the password; for accounts with a second factor, it too.

    Tests of the second factor itself sign in through the real pages instead.
    """
    from django.test.client import ClientMixin
    from django_otp import DEVICE_ID_SESSION_KEY

    from ctportal import access

    force_login = ClientMixin.force_login

    def force_login_verified(self, user, backend=None):
        force_login(self, user, backend)
        if access.requires_second_factor(user):
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = f.confirmed_device(user).persistent_id
            session.save()

    monkeypatch.setattr(ClientMixin, "force_login", force_login_verified)


@pytest.fixture
def portfolio(db):
    """Two countries, two donors, three projects: enough to tell scopes apart.

    - p_eg: in Egypt, funded by donor_a
    - p_lb: in Lebanon, funded by donor_b
    - p_both: Egypt 60% / Lebanon 40%, funded by donor_a and donor_b
    """
    egypt = f.CountryFactory(
        code="EG", name_en="Egypt", name_ar="مصر", name_fr="Égypte", region="nile_valley"
    )
    lebanon = f.CountryFactory(code="LB", name_en="Lebanon", name_ar="لبنان", name_fr="Liban")
    donor_a = f.DonorFactory(name="Donor A")
    donor_b = f.DonorFactory(name="Donor B")
    p_eg = f.ProjectFactory(title="Egypt project")
    p_lb = f.ProjectFactory(title="Lebanon project")
    p_both = f.ProjectFactory(title="Regional project")
    f.RecipientCountryFactory(project=p_eg, country=egypt)
    f.RecipientCountryFactory(project=p_lb, country=lebanon)
    f.RecipientCountryFactory(project=p_both, country=egypt, percentage=60)
    f.RecipientCountryFactory(project=p_both, country=lebanon, percentage=40)
    f.FundingFactory(project=p_eg, donor=donor_a)
    f.FundingFactory(project=p_lb, donor=donor_b)
    f.FundingFactory(project=p_both, donor=donor_a)
    f.FundingFactory(project=p_both, donor=donor_b)
    return {
        "egypt": egypt,
        "lebanon": lebanon,
        "donor_a": donor_a,
        "donor_b": donor_b,
        "p_eg": p_eg,
        "p_lb": p_lb,
        "p_both": p_both,
    }


@pytest.fixture
def users(portfolio):
    """One user per role, scoped on the portfolio fixture."""
    return {
        "officer_eg": f.UserFactory(role=Role.PROGRAMME_OFFICER, countries=[portfolio["egypt"]]),
        "officer_lb_project": f.UserFactory(
            role=Role.PROGRAMME_OFFICER, projects=[portfolio["p_lb"]]
        ),
        "case_worker_lb": f.UserFactory(
            role=Role.CASE_WORKER,
            countries=[portfolio["lebanon"]],
            country_office=portfolio["lebanon"],
        ),
        "me": f.UserFactory(role=Role.ME_OFFICER),
        "donor_a": f.UserFactory(role=Role.DONOR, organisation=portfolio["donor_a"]),
        "donor_b": f.UserFactory(role=Role.DONOR, organisation=portfolio["donor_b"]),
        "analyst": f.UserFactory(role=Role.ANALYST),
        "admin": f.UserFactory(role=Role.ADMINISTRATOR, is_staff=True),
        "norole": f.UserFactory(role=""),
    }


# What each user of the `users` fixture may see of the `portfolio` fixture.
EXPECTED_PROJECTS = {
    "officer_eg": {"p_eg", "p_both"},
    "officer_lb_project": {"p_lb"},
    "case_worker_lb": {"p_lb", "p_both"},
    "me": {"p_eg", "p_lb", "p_both"},
    "donor_a": {"p_eg", "p_both"},
    "donor_b": {"p_lb", "p_both"},
    "analyst": {"p_eg", "p_lb", "p_both"},
    "admin": {"p_eg", "p_lb", "p_both"},
    "norole": set(),
}
# What each user reaches through the pages of the projects, trainings and research
# sections: case workers see their office's projects in queries but use none of
# those pages (their section is cases), so every such page is a 404 for them.
EXPECTED_PAGES = {**EXPECTED_PROJECTS, "case_worker_lb": set()}
