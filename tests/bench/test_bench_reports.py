"""Donor report generation on the large data set (``make bench``).

Loads the trainings data set of ``test_bench_trainings`` (1,000,000
attendances in 20,000 sessions; BENCH_ATTENDANCES scales it down), gives one
of its projects ten years of spend, a results framework, victim-assistance
cases with services and research outputs, then builds that project's donor
report (figures as a donor sees them, the XLSX and the PDF) for a quarter, a
year and the whole project, in English and Arabic. Prints median/p95 time,
queries and the PDF size, and the time of each stage of the largest report.
"""

from __future__ import annotations

import datetime
import statistics
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import translation

from assistance.models import Case, Service
from projects import models as pm
from reports.content import report_content
from reports.models import DonorReport
from reports.pdf import render_pdf
from reports.services import report_build
from reports.xlsx import render_xlsx
from research.models import ResearchOutput
from tests.bench.test_bench_portfolio import Figure, _count_queries, _p95, print_table
from tests.bench.test_bench_trainings import HEAVY_REPETITIONS, load_trainings

pytestmark = pytest.mark.bench

YEARS = range(2015, 2026)
CASES = 600
OUTPUTS = 30
SEXES = ("Female", "Female", "Male")
EXPLOITATION = ("is_forced_labour", "is_sexual_exploit", "is_forced_marriage")
SERVICES = ("shelter", "medical", "psychosocial", "legal", "voluntary_return")


def enrich(project: pm.Project, user) -> dict:
    """Spend, indicators, cases and outputs for the project, by bulk inserts."""
    pm.Transaction.objects.bulk_create(
        pm.Transaction(
            project=project,
            kind=(pm.TransactionKind.DISBURSEMENT, pm.TransactionKind.EXPENDITURE)[n % 2],
            date=datetime.date(year, month, 15),
            value=Decimal(1000 + 37 * n),
            currency="EUR" if n % 10 == 0 else "USD",
        )
        for n, (year, month) in enumerate((y, m) for y in YEARS for m in range(1, 13))
    )
    results = pm.Result.objects.bulk_create(
        pm.Result(project=project, title=f"Outcome {n}", order=n) for n in range(3)
    )
    indicators = pm.Indicator.objects.bulk_create(
        pm.Indicator(result=result, title=f"Indicator {result.order}.{n}", unit="people", order=n)
        for result in results
        for n in range(3)
    )
    pm.IndicatorPeriod.objects.bulk_create(
        pm.IndicatorPeriod(
            indicator=indicator,
            period_start=datetime.date(year, 1, 1),
            period_end=datetime.date(year, 12, 31),
            target=Decimal(100),
            actual=Decimal(60 + year % 50),
        )
        for indicator in indicators
        for year in YEARS
    )
    office = project.recipient_countries.first().country
    cases = Case.objects.bulk_create(
        Case(
            country_office=office,
            project=project,
            identification_date=datetime.date(YEARS[n % len(YEARS)], 1 + n % 12, 1 + n % 28),
            identified_by="ngo",
            sex=SEXES[n % 3],
            age_at_identification=15 + n % 40,
            citizenship="ET",
            registered_by=user,
            **{EXPLOITATION[n % 3]: True},
        )
        for n in range(CASES)
    )
    Service.objects.bulk_create(
        Service(
            case=case,
            kind=SERVICES[(n + k) % len(SERVICES)],
            start_date=case.identification_date,
            recorded_by=user,
        )
        for n, case in enumerate(cases)
        for k in range(n % 3)
    )
    for n in range(OUTPUTS):
        output = ResearchOutput.objects.create(
            title=f"Assessment {n} of trafficking patterns",
            kind="assessment",
            status="published",
            language=("en", "ar", "fr")[n % 3],
            publication_date=datetime.date(YEARS[n % len(YEARS)], 6, 1),
        )
        output.projects.add(project)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"transactions": 12 * len(YEARS), "cases": CASES, "outputs": OUTPUTS}


def measure_build(label: str, language: str, report: DonorReport) -> Figure:
    def build():
        DonorReport.objects.filter(pk=report.pk).update(status="queued")
        return report_build(report_id=report.pk)

    queries, built = _count_queries(build)
    assert built.status == "done", built.error
    samples = []
    for _ in range(max(1, HEAVY_REPETITIONS)):
        started = time.perf_counter()
        build()
        samples.append((time.perf_counter() - started) * 1000)
    return Figure(
        label,
        language,
        "ok",
        queries,
        statistics.median(samples),
        _p95(samples),
        built.pdf_file.size / 1024,
    )


def measure_stage(label: str, call) -> Figure:
    queries, _result = _count_queries(call)
    samples = []
    for _ in range(max(1, HEAVY_REPETITIONS)):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return Figure(label, "en", "ok", queries, statistics.median(samples), _p95(samples))


@pytest.mark.django_db
def test_donor_report_generation_time():
    if connection.vendor != "postgresql":
        pytest.fail(
            "The benchmark needs PostgreSQL: run it with "
            f"DATABASE_URL=postgres://user@host:5432/dbname (got {connection.vendor}).",
            pytrace=False,
        )
    started = time.perf_counter()
    data = load_trainings()
    project = data["project"]
    counts = {**data["counts"], **enrich(project, data["admin"])}
    load_seconds = time.perf_counter() - started
    counts["sessions of the project"] = project.training_sessions.count()

    periods = [
        ("quarter 2020-Q2", "quarter", datetime.date(2020, 4, 1), datetime.date(2020, 6, 30)),
        ("year 2020", "year", datetime.date(2020, 1, 1), datetime.date(2020, 12, 31)),
        ("whole project", "project", project.start, project.end),
    ]
    figures = []
    reports = {}
    for label, kind, start, end in periods:
        for language in ("en", "ar"):
            report = DonorReport.objects.create(
                project=project,
                period_kind=kind,
                period_start=start,
                period_end=end,
                language=language,
                summary="Progress of the period. " * 40,
                challenges="Challenges met. " * 20,
                next_steps="Next steps. " * 20,
            )
            reports[(kind, language)] = report
            figures.append(measure_build(f"donor report, {label}", language, report))

    whole = reports[("project", "en")]
    with translation.override("en"):
        content = report_content(whole)
        figures += [
            measure_stage("  figures only, whole project", lambda: report_content(whole)),
            measure_stage("  XLSX only, whole project", lambda: render_xlsx(content)),
            measure_stage("  PDF only, whole project", lambda: render_pdf(content)),
        ]

    print_table(figures, counts, load_seconds)
    assert all(fig.queries is not None and fig.queries < 60 for fig in figures)
