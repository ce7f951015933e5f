import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from reports.models import DonorReport
from tests import factories as f


@pytest.fixture(autouse=True)
def _no_report_files_left():
    """Test storage lives as long as the process: each test starts without report files."""
    from django.core.files.storage import default_storage

    def remove_all():
        if default_storage.exists("reports"):
            for name in default_storage.listdir("reports")[1]:
                default_storage.delete(f"reports/{name}")

    remove_all()
    yield
    remove_all()


@pytest.fixture
def project_data(portfolio, users):
    """The Lebanon project with something to report in 2021-Q3 and around it.

    Trainings: one held session in the quarter counted by sex (3 women, 12 men,
    6 other), one held in Q2, one planned in the quarter. Cases: 12 women and
    2 men identified in the quarter, 1 the quarter before. Spend in USD and EUR.
    """
    project = portfolio["p_lb"]
    lebanon = portfolio["lebanon"]
    euro_donor = f.DonorFactory(name="Euro Fund", acronym="EF")
    f.FundingFactory(project=project, donor=euro_donor, amount=Decimal("40000"), currency="EUR")
    for day, value, currency in [
        (datetime.date(2021, 2, 10), "5000", "USD"),
        (datetime.date(2021, 8, 15), "12000", "USD"),
        (datetime.date(2021, 9, 1), "3000", "EUR"),
        (datetime.date(2022, 1, 5), "7000", "USD"),
    ]:
        f.TransactionFactory(project=project, date=day, value=Decimal(value), currency=currency)
    indicator = f.IndicatorFactory(
        result=f.ResultFactory(project=project, title="Officials trained"),
        title="Number of officials trained",
        unit="officials",
    )
    f.IndicatorPeriodFactory(indicator=indicator, target=Decimal("100"), actual=Decimal("80"))
    f.IndicatorPeriodFactory(
        indicator=indicator,
        period_start=datetime.date(2020, 1, 1),
        period_end=datetime.date(2020, 12, 31),
        target=Decimal("50"),
        actual=Decimal("55"),
    )
    held = f.TrainingSessionFactory(
        project=project,
        title="Victim identification for labour inspectors",
        host_country=lebanon,
        city="Beirut",
        start_date=datetime.date(2021, 7, 12),
        end_date=datetime.date(2021, 7, 14),
    )
    for sex, count in (("female", 3), ("male", 12), ("other", 6)):
        f.ParticipantCountFactory(session=held, sex=sex, count=count)
    earlier = f.TrainingSessionFactory(
        project=project,
        title="Earlier workshop",
        host_country=lebanon,
        start_date=datetime.date(2021, 5, 3),
        end_date=datetime.date(2021, 5, 4),
    )
    f.ParticipantCountFactory(session=earlier, sex="female", count=20)
    f.TrainingSessionFactory(
        project=project,
        title="Planned study visit",
        host_country=lebanon,
        start_date=datetime.date(2021, 9, 20),
        end_date=datetime.date(2021, 9, 22),
        status="planned",
    )
    registrar = f.UserFactory(role="case_worker", country_office=lebanon)
    for n in range(14):
        f.CaseFactory(
            project=project,
            country_office=lebanon,
            registered_by=registrar,
            sex="Female" if n < 12 else "Male",
            identification_date=datetime.date(2021, 7, 1) + datetime.timedelta(days=n),
        )
    f.CaseFactory(
        project=project,
        country_office=lebanon,
        registered_by=registrar,
        identification_date=datetime.date(2021, 3, 1),
    )
    f.ResearchOutputFactory(
        title="Trafficking for domestic work in Lebanon",
        publication_date=datetime.date(2021, 8, 2),
        projects=[project],
    )
    f.ResearchOutputFactory(
        title="An older assessment", publication_date=datetime.date(2020, 6, 1), projects=[project]
    )
    f.ResearchOutputFactory(
        title="A study not out yet", status="in_progress", publication_date=None, projects=[project]
    )
    return {"project": project, "session": held, "euro_donor": euro_donor}


@pytest.fixture
def make_report(project_data, users):
    def make(language: str = "en", **fields) -> DonorReport:
        values = {
            "project": project_data["project"],
            "period_kind": "quarter",
            "period_start": datetime.date(2021, 7, 1),
            "period_end": datetime.date(2021, 9, 30),
            "language": language,
            "requested_by": users["officer_lb_project"],
            "summary": "Labour inspectors were trained in Beirut.",
            "challenges": "Travel restrictions delayed one workshop.",
            "next_steps": "A study visit in the next quarter.",
            **fields,
        }
        if values.get("status") == "running":
            # A build that is alive: its worker's heartbeat is fresh.
            values.setdefault("started_at", timezone.now())
            values.setdefault("heartbeat_at", timezone.now())
        return DonorReport.objects.create(**values)

    return make
