from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from accounts.models import User
from ctportal.access import Role
from projects import demo
from projects import models as pm

COUNTED = [
    pm.Country,
    pm.Organisation,
    pm.Project,
    pm.Funding,
    pm.RecipientCountry,
    pm.ParticipatingOrganisation,
    pm.Transaction,
    pm.Result,
    pm.Indicator,
    pm.IndicatorPeriod,
    User,
    pm.Project.history.model,
    pm.Funding.history.model,
    pm.Country.history.model,
]


def load(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("load_demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.mark.django_db
def test_loads_the_demo_portfolio():
    load("--with-users")

    assert pm.Country.objects.count() == len(demo.COUNTRIES)
    # The portfolio's organisations, and the local providers of each demo office's directory.
    from assistance.providers.demo import CITIES, LOCAL

    assert pm.Organisation.objects.count() == len(demo.ORGANISATIONS) + len(CITIES) * len(LOCAL)
    assert pm.Project.objects.count() == len(demo.PROJECTS)
    assert User.objects.filter(username__in=demo.USERS).count() == len(demo.USERS)
    egypt = pm.Country.objects.get(code="EG")
    assert (egypt.name_en, egypt.name_ar, egypt.name_fr) == ("Egypt", "مصر", "Égypte")
    assert egypt.region == pm.Region.NILE_VALLEY
    assert pm.Country.objects.get(code="US").region == pm.Region.NORTH_AMERICA
    assert pm.Organisation.objects.get(acronym="IOM").iati_identifier == "XM-DAC-47066"


@pytest.mark.django_db
def test_second_run_changes_nothing():
    load("--with-users")
    before = counts()

    out, _ = load("--with-users")

    assert counts() == before
    assert "(0 created or updated)" in out


@pytest.mark.django_db
def test_arab_region_framework_project():
    load("--no-users")
    project = pm.Project.objects.get(code="CT.ARAB.2011")

    assert project.budget == Decimal("6603958")
    assert project.currency == "USD"
    assert (str(project.planned_start), str(project.planned_end)) == ("2011-06-08", "2019-06-07")
    assert project.iati_identifier == "XM-DAC-47066-CT.ARAB.2011"
    donors = set(project.fundings.values_list("donor__country__code", flat=True))
    assert donors == {"AT", "BE", "DE", "IT", "GB", "US"}
    assert project.recipient_countries.count() == 10
    partners = set(
        project.participating_organisations.filter(role=pm.OrganisationRole.IMPLEMENTING)
        .exclude(organisation__acronym="IOM")
        .values_list("organisation__acronym", flat=True)
    )
    assert partners == {"LAS", "QFCHT", "ILO"}
    period = pm.IndicatorPeriod.objects.get(indicator__result__project=project)
    assert (period.target, period.actual) == (2003, 2003)
    assert len(project.target_group_list) == 6
    assert len(project.objective_list) == 4
    assert len(project.achievement_list) == 5


@pytest.mark.django_db
def test_spend_never_exceeds_budget():
    load("--no-users")
    for project in pm.Project.objects.filter(transactions__isnull=False).distinct():
        spent = project.transactions.filter(kind__in=pm.SPEND_KINDS).aggregate(s=Sum("value"))
        assert spent["s"] <= project.budget


@pytest.mark.django_db
def test_pave_eu_share():
    load("--no-users")
    project = pm.Project.objects.get(code="CT.PAVE.2013")

    funding = project.fundings.get(donor__acronym="EU")

    assert funding.amount == Decimal("1360000")
    assert funding.share == Decimal("80.0")
    assert set(project.recipient_countries.values_list("country__code", flat=True)) == {
        "EG",
        "IQ",
        "JO",
        "SA",
        "LB",
    }


@pytest.mark.django_db
def test_recipient_percentages_sum_to_100_for_every_project():
    load("--no-users")
    totals = pm.Project.objects.annotate(total=Sum("recipient_countries__percentage"))

    assert {project.code: project.total for project in totals} == {
        spec["code"]: Decimal("100") for spec in demo.PROJECTS
    }


@pytest.mark.django_db
def test_project_writes_are_attributed_to_the_system_user():
    load("--no-users")

    users = set(pm.Project.history.values_list("history_user__username", flat=True))

    assert users == {"system"}


@pytest.mark.django_db
def test_demo_users_have_their_role_and_scope():
    out, _ = load("--with-users")

    officer = User.objects.get(username="officer")
    assert officer.role == Role.PROGRAMME_OFFICER
    assert set(officer.countries.values_list("code", flat=True)) == {"EG", "LB"}
    assert officer.check_password(demo.USERS["officer"][1])
    donor = User.objects.get(username="donor.eu")
    assert set(pm.Project.objects.visible_to(donor).values_list("code", flat=True)) == {
        "CT.PAVE.2013",
        "CT.RDPP.2024",
    }
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert "officer-demo-2024" in out


@pytest.mark.django_db
def test_no_demo_users_without_debug_unless_asked(settings):
    settings.DEBUG = False

    out, err = load()

    assert not User.objects.filter(username__in=demo.USERS).exists()
    assert "Demo users not created" in err
    assert "password" not in out


@pytest.mark.django_db
def test_the_printed_logins_say_the_admin_enrols_a_second_factor():
    out, _err = load("--with-users")

    admin_line = next(line for line in out.splitlines() if line.strip().startswith("admin "))
    assert "second factor set up at first sign-in" in admin_line
    admin = User.objects.get(username="admin")
    from ctportal.access import requires_second_factor

    assert requires_second_factor(admin)


@pytest.mark.django_db
def test_demo_officer_edits_the_projects_egypt_or_lebanon_leads_and_reads_the_others():
    load("--with-users")
    officer = User.objects.get(username="officer")
    editable = set(pm.Project.objects.editable_by(officer).values_list("code", flat=True))
    visible = set(pm.Project.objects.visible_to(officer).values_list("code", flat=True))
    assert {"CT.EG.2008.GRR", "CT.EG.2010.INV", "CT.EG.2009.MOH"} <= editable
    # Iraq leads this one; Egypt and Lebanon are among its recipient countries.
    assert "CT.IQ.2008.MAP" in visible - editable
    assert not pm.Project.objects.filter(lead_country__isnull=True).exists()
