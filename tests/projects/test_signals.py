import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from projects import iati
from projects import models as pm
from tests import factories as f

LONG_AGO = timezone.make_aware(datetime.datetime(2020, 1, 1))


def last_updated(project) -> str:
    content, _count = iati.render_activities(pm.Project.objects.filter(pk=project.pk))
    from lxml import etree

    activity = etree.fromstring(content).find("iati-activity")  # noqa: S320
    return activity.get("last-updated-datetime")


def age(project) -> None:
    pm.Project.objects.filter(pk=project.pk).update(updated_at=LONG_AGO)


@pytest.fixture
def project(db):
    project = f.ProjectFactory()
    f.RecipientCountryFactory(project=project, country=f.CountryFactory(code="EG"))
    age(project)
    return project


def _indicator(project):
    return f.IndicatorFactory(result=f.ResultFactory(project=project))


def _period(project):
    return f.IndicatorPeriodFactory(indicator=_indicator(project))


# Each kind of row the IATI activity shows: how to make one, and how to change it.
CHILDREN = {
    "transaction": (lambda p: f.TransactionFactory(project=p), "value", Decimal("5")),
    "document": (lambda p: f.DocumentFactory(project=p), "title", "Revised"),
    "result": (lambda p: f.ResultFactory(project=p), "title", "Renamed"),
    "indicator": (_indicator, "title", "Renamed"),
    "period": (_period, "target", Decimal("7")),
    "disaggregation": (
        lambda p: pm.Disaggregation.objects.create(period=_period(p), sex="female", target=1),
        "target",
        Decimal("2"),
    ),
    "funding": (lambda p: f.FundingFactory(project=p), "amount", Decimal("9")),
    "participant": (lambda p: f.ParticipatingOrganisationFactory(project=p), "role", 1),
    "country": (
        lambda p: f.RecipientCountryFactory(project=p, country=f.CountryFactory(code="JO")),
        "percentage",
        Decimal("40"),
    ),
    "sector": (
        lambda p: pm.ProjectSector.objects.create(project=p, code="15190", percentage=100),
        "code",
        "15180",
    ),
}


@pytest.mark.parametrize("kind", sorted(CHILDREN))
def test_last_updated_moves_when_a_row_is_added_changed_or_deleted(project, kind):
    make, field, value = CHILDREN[kind]
    stale = last_updated(project)
    assert stale.startswith("2020-01-01")

    row = make(project)
    assert last_updated(project) > stale

    age(project)
    setattr(row, field, value)
    row.save()
    assert last_updated(project) > stale

    age(project)
    row.delete()
    assert last_updated(project) > stale


def test_rows_of_another_project_leave_it_alone(project):
    other = f.ProjectFactory()
    f.TransactionFactory(project=other)
    f.IndicatorPeriodFactory(indicator=_indicator(other))

    assert last_updated(project).startswith("2020-01-01")


def test_loading_fixtures_touches_nothing(project):
    from projects.signals import touch_project

    row = f.TransactionFactory.build(project=project)
    touch_project(pm.Transaction, row, raw=True)

    assert last_updated(project).startswith("2020-01-01")
