"""The demo portfolio with every relation filled, loaded once per test module.

Factories leave optional relations empty, which once hid a 500 that demo data
showed at once. Tests that walk every route or every API operation run over
this data instead: the demo (Arabic and French names, several currencies,
cases, trainings, research) plus records that set what the demo leaves empty.
Each test still runs in its own transaction inside the module's, so what a
test writes is gone before the next one.
"""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from accounts.models import User
from projects import models as pm
from tests import factories as f

# A user per role, as the demo names them (case workers: one per country office).
DEMO_USERS = {
    "admin": "admin",
    "officer": "officer",
    "me": "mande",
    "donor": "donor.eu",
    "analyst": "analyst",
    "case_worker": "case.lebanon",
}


def fill_every_relation() -> dict:
    """Records that set every optional relation the demo leaves empty; returns them."""
    from assistance.models import Case
    from research.models import (
        ActivityMaterial,
        AwarenessActivity,
        LegislativeSupport,
        OutputFile,
        ResearchOutput,
    )
    from trainings.models import ParticipantCount, TrainingSession

    egypt, lebanon, syria = (pm.Country.objects.get(code=c) for c in ("EG", "LB", "SY"))
    project = pm.Project.objects.filter(recipient_countries__country=lebanon).first()
    donor = project.fundings.first().donor
    ngo = f.OrganisationFactory(name="جمعية حماية الضحايا", acronym="جحض", country=lebanon)
    f.TransactionFactory(
        project=project,
        kind=pm.TransactionKind.DISBURSEMENT,
        value=Decimal("125000.50"),
        currency="EUR",
        provider=donor,
        receiver=ngo,
        description="دفعة أولى",
    )
    f.FundingFactory(project=project, donor=ngo, amount=Decimal("90000"), currency="EUR")
    indicator = pm.Indicator.objects.filter(result__project=project).first() or (
        f.IndicatorFactory(result=f.ResultFactory(project=project))
    )
    period = indicator.periods.first() or f.IndicatorPeriodFactory(indicator=indicator)
    pm.Disaggregation.objects.create(
        period=period, country=lebanon, target=Decimal("40"), actual=Decimal("35")
    )
    f.DocumentFactory(project=project, title="التقرير النهائي")

    session = TrainingSession.objects.filter(project=project).first() or (
        f.TrainingSessionFactory(project=project, host_country=lebanon)
    )
    session.facilitators.add(ngo)
    regional = f.TrainingSessionFactory(
        project=project, host_country=lebanon, title="اجتماع الخبراء الإقليمي", city="بيروت"
    )
    for sex, count in (("female", 6), ("male", 4)):
        ParticipantCount.objects.create(session=regional, dimension="sex", sex=sex, count=count)
    for country, count in ((egypt, 7), (syria, 3)):
        ParticipantCount.objects.create(
            session=regional, dimension="country", country=country, count=count
        )
    person = f.PersonFactory(
        full_name="ليلى حداد", nationality=syria, country_of_work=lebanon, role="ضابطة"
    )
    f.AttendanceFactory(session=session, person=person)
    f.SessionDocumentFactory(session=session, title="جدول الأعمال")

    case = Case.objects.filter(country_office=lebanon).first()
    case.referring_organisation = ngo
    case.save(update_fields=["referring_organisation"])

    output = ResearchOutput.objects.filter(projects=project).first() or (
        f.ResearchOutputFactory(projects=[project])
    )
    output.countries.add(egypt, lebanon)
    output.indicators.add(indicator)
    OutputFile.objects.create(
        output=output, title="الدليل", language="ar", url="https://example.org/a.pdf"
    )
    support = LegislativeSupport.objects.filter(projects=project).first() or (
        f.LegislativeSupportFactory(projects=[project], country=lebanon)
    )
    support.indicators.add(indicator)
    activity = AwarenessActivity.objects.filter(projects=project).first() or (
        f.AwarenessActivityFactory(projects=[project])
    )
    activity.indicators.add(indicator)
    ActivityMaterial.objects.create(
        activity=activity, title="ملصق", language="ar", url="https://example.org/poster.pdf"
    )
    return {
        "project": project,
        "session": session,
        "case": case,
        "output": output,
        "support": support,
        "activity": activity,
        "today": datetime.date.today(),
    }


@pytest.fixture(scope="module")
def full_portfolio(django_db_setup, django_db_blocker):
    """The demo portfolio with every relation filled, rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", "--with-users", stdout=StringIO())
        records = fill_every_relation()
        users = {role: User.objects.get(username=name) for role, name in DEMO_USERS.items()}
        from assistance.export_models import CTDCRelease

        CTDCRelease.objects.filter(published_by=None).update(published_by=users["admin"])
        yield {"users": users, **records}
        transaction.set_rollback(True)


@pytest.fixture
def api_headers(db):
    """The Authorization header of a personal API token of ``user``."""

    def headers(user) -> dict[str, str]:
        return {"Authorization": f"Token {f.api_token(user)[1]}"}

    return headers
