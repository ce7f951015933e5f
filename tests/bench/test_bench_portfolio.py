"""Latency and query counts of the main reads on a large portfolio (``make bench``).

Loads 5,000 projects with 100,000 transactions (bulk_create, well under a
minute on PostgreSQL), then requests each page or API list as an
administrator and as a donor and prints a table of median and p95 latency
and query counts. Pages that are not there yet are reported, not failed.
"""

from __future__ import annotations

import datetime
import math
import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from accounts.models import User
from ctportal.access import Role
from ctportal.storage import spool
from projects import models as pm
from projects.exports import write_portfolio

pytestmark = pytest.mark.bench


def render_portfolio(user, fmt: str) -> int:
    """The export job's file, written into its temporary file."""
    with spool() as handle:
        return write_portfolio(user, fmt, handle)


# BENCH_PROJECTS scales the portfolio down for a quick look; the figures reported use 5,000.
PROJECTS = int(os.environ.get("BENCH_PROJECTS", "5000"))
TRANSACTIONS_PER_PROJECT = 20
INDICATORS_PER_PROJECT = 2
PERIODS_PER_INDICATOR = 2
COUNTRIES = ["EG", "LB", "JO", "IQ", "SY", "MA", "TN", "LY", "SD", "YE", "BH", "KW", "QA"]
COUNTRIES += ["SA", "AE", "OM", "DZ", "ET", "SO", "DJ"]
DONORS = 30
PARTNERS = 60
REPETITIONS = 20
HEAVY_REPETITIONS = int(os.environ.get("BENCH_HEAVY", "3"))
BATCH = 5_000


@dataclass
class Figure:
    label: str
    user: str
    status: str
    queries: int | None = None
    median_ms: float | None = None
    p95_ms: float | None = None
    size_kb: float | None = None


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _bulk(model, objects: list) -> list:
    return model.objects.bulk_create(objects, batch_size=BATCH)


def load_portfolio() -> dict:
    """Reference data, projects and everything hanging off them, by bulk inserts."""
    rng = random.Random(20240601)
    countries = _bulk(
        pm.Country,
        [
            pm.Country(
                code=code,
                name_en=f"Country {code}",
                name_ar=f"بلد {code}",
                name_fr=f"Pays {code}",
                region=pm.Region.MASHREQ,
            )
            for code in COUNTRIES
        ],
    )
    donors = _bulk(
        pm.Organisation,
        [
            pm.Organisation(
                name=f"Donor {n}",
                acronym=f"D{n}",
                iati_identifier=f"XM-DONOR-{n}",
                kind=pm.OrganisationKind.DONOR_GOVERNMENT,
            )
            for n in range(DONORS)
        ],
    )
    partners = _bulk(
        pm.Organisation,
        [
            pm.Organisation(
                name=f"Partner {n}",
                acronym=f"P{n}",
                iati_identifier=f"XM-NGO-{n}",
                kind=pm.OrganisationKind.NGO,
            )
            for n in range(PARTNERS)
        ],
    )
    reporter = pm.Organisation.objects.create(
        name="Reporting office", kind=pm.OrganisationKind.IGO, iati_identifier="XM-DAC-47066"
    )
    projects = []
    for n in range(PROJECTS):
        start = datetime.date(2015 + n % 10, 1 + n % 12, 1)
        projects.append(
            pm.Project(
                code=f"BENCH.{n:05d}",
                iati_identifier=f"XM-DAC-47066-BENCH.{n:05d}",
                title=f"Counter-trafficking project {n} & partners",
                description="Capacity building of criminal justice practitioners.",
                status=1 + n % 6,
                planned_start=start,
                planned_end=start + datetime.timedelta(days=730 + n % 400),
                budget=Decimal(100_000 + (n * 7919) % 2_000_000),
                currency=("USD", "EUR", "GBP")[n % 3],
                reporting_organisation=reporter,
            )
        )
    projects = _bulk(pm.Project, projects)

    fundings, recipients, participants, transactions, results = [], [], [], [], []
    for project in projects:
        for donor in rng.sample(donors, 2):
            fundings.append(
                pm.Funding(
                    project=project,
                    donor=donor,
                    amount=project.budget / 2,
                    currency=project.currency,
                )
            )
        pair = rng.sample(countries, 2)
        recipients.append(pm.RecipientCountry(project=project, country=pair[0], percentage=70))
        recipients.append(pm.RecipientCountry(project=project, country=pair[1], percentage=30))
        participants.append(
            pm.ParticipatingOrganisation(
                project=project,
                organisation=rng.choice(partners),
                role=pm.OrganisationRole.IMPLEMENTING,
            )
        )
        for t in range(TRANSACTIONS_PER_PROJECT):
            transactions.append(
                pm.Transaction(
                    project=project,
                    kind=(2, 3, 4, 4)[t % 4],
                    date=project.planned_start + datetime.timedelta(days=30 * t),
                    value=Decimal(1000 + t * 37),
                    currency=project.currency,
                    provider=fundings[-1].donor if t % 4 == 0 else None,
                    receiver=participants[-1].organisation if t % 4 == 1 else None,
                )
            )
        results.append(pm.Result(project=project, title="Officials trained", order=0))
    _bulk(pm.Funding, fundings)
    _bulk(pm.RecipientCountry, recipients)
    _bulk(pm.ParticipatingOrganisation, participants)
    _bulk(pm.Transaction, transactions)
    results = _bulk(pm.Result, results)
    indicators = _bulk(
        pm.Indicator,
        [
            pm.Indicator(
                result=result, title=f"Indicator {i}", baseline_year=2015, baseline_value=0, order=i
            )
            for result in results
            for i in range(INDICATORS_PER_PROJECT)
        ],
    )
    periods = _bulk(
        pm.IndicatorPeriod,
        [
            pm.IndicatorPeriod(
                indicator=indicator,
                period_start=datetime.date(2020 + y, 1, 1),
                period_end=datetime.date(2020 + y, 12, 31),
                target=100,
                actual=80,
            )
            for indicator in indicators
            for y in range(PERIODS_PER_INDICATOR)
        ],
    )
    _bulk(
        pm.Disaggregation,
        [
            pm.Disaggregation(period=period, sex=pm.Sex.FEMALE, target=50, actual=40)
            for period in periods[::4]
        ],
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    admin = User.objects.create(username="bench-admin", role=Role.ADMINISTRATOR, is_staff=True)
    donor = User.objects.create(username="bench-donor", role=Role.DONOR, organisation=donors[0])
    return {
        "admin": admin,
        "donor": donor,
        "project": projects[len(projects) // 2],
        "counts": {
            "projects": len(projects),
            "transactions": len(transactions),
            "fundings": len(fundings),
            "recipient countries": len(recipients),
            "indicators": len(indicators),
            "periods": len(periods),
        },
    }


def _time(call: Callable[[], object], repetitions: int) -> list[float]:
    call()  # warm-up: connection, templates and caches
    samples = []
    for _ in range(repetitions):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _count_queries(call: Callable[[], object]) -> tuple[int, object]:
    # A full query log (9,000 entries, e.g. after creating the test database)
    # would make every count zero.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        result = call()
    return len(queries), result


def measure_get(client: Client, label: str, user: str, path: str, repetitions: int) -> Figure:
    try:
        resolve(path.split("?")[0])
    except Resolver404:
        return Figure(label, user, "no such page yet")

    def get():
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, body

    count, (status, body) = _count_queries(get)
    if status != 200:
        return Figure(label, user, f"HTTP {status}", queries=count)
    samples = _time(get, repetitions)
    return Figure(
        label,
        user,
        "ok",
        count,
        statistics.median(samples),
        _p95(samples),
        len(body) / 1024,
    )


def measure_call(label: str, user: str, call: Callable[[], tuple[bytes, int]], reps: int) -> Figure:
    count, (content, _count) = _count_queries(call)
    samples = _time(call, max(1, reps))
    return Figure(
        label,
        user,
        "ok",
        count,
        statistics.median(samples),
        _p95(samples),
        len(content) / 1024,
    )


def _middle_page(client: Client, path: str) -> str:
    response = client.get(path)
    if response.status_code != 200 or "count" not in response.json():
        return f"{path}?page=2"
    pages = max(1, math.ceil(response.json()["count"] / 50))
    return f"{path}?page={max(1, pages // 2)}"


def print_table(figures: list[Figure], counts: dict, load_seconds: float) -> None:
    loaded = ", ".join(f"{value:,} {name}" for name, value in counts.items())
    print(f"\n\nPortfolio loaded in {load_seconds:.1f} s: {loaded}")
    print(f"Database: {connection.vendor} {connection.pg_version}\n")
    header = ("what", "as", "queries", "median ms", "p95 ms", "KiB", "note")
    rows = [header]
    for fig in figures:
        rows.append(
            (
                fig.label,
                fig.user,
                "" if fig.queries is None else str(fig.queries),
                *(
                    "" if v is None else f"{v:,.1f}"
                    for v in (fig.median_ms, fig.p95_ms, fig.size_kb)
                ),
                "" if fig.status == "ok" else fig.status,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for index, row in enumerate(rows):
        print(
            "  ".join(
                cell.ljust(w) if i < 2 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
        if index == 0:
            print("  ".join("-" * w for w in widths))
    print()


@pytest.mark.django_db
def test_portfolio_reads_stay_fast_and_bounded():
    if connection.vendor != "postgresql":
        pytest.fail(
            "The benchmark needs PostgreSQL: run it with "
            f"DATABASE_URL=postgres://user@host:5432/dbname (got {connection.vendor}).",
            pytrace=False,
        )
    started = time.perf_counter()
    data = load_portfolio()
    load_seconds = time.perf_counter() - started

    figures = []
    project_pk = data["project"].pk
    for who in ("admin", "donor"):
        user = data[who]
        client = Client()
        client.force_login(user)
        api = "/api/v1/projects/"
        pages = [
            ("API projects, page 1", api),
            ("API projects, middle page", _middle_page(client, api)),
            ("portfolio dashboard", "/projects/dashboard/"),
            ("project list page", "/projects/"),
        ]
        for label, path in pages:
            figures.append(measure_get(client, label, who, path, REPETITIONS))
        visible = pm.Project.objects.visible_to(user).order_by("pk")
        single = project_pk if who == "admin" else visible.values_list("pk", flat=True).first()
        figures.append(
            measure_get(
                client, "IATI XML of one project", who, f"/projects/{single}/iati.xml", REPETITIONS
            )
        )
        figures.append(
            measure_call(
                f"IATI export, {visible.count():,} projects",
                who,
                lambda user=user: render_portfolio(user, "iati"),
                HEAVY_REPETITIONS,
            )
        )
    for fmt in ("csv", "xlsx"):
        figures.append(
            measure_call(
                f"{fmt.upper()} export, all projects",
                "admin",
                lambda fmt=fmt: render_portfolio(data["admin"], fmt),
                HEAVY_REPETITIONS,
            )
        )

    print_table(figures, data["counts"], load_seconds)
    measured = [fig for fig in figures if fig.status == "ok"]
    assert measured, "nothing could be measured"
    assert load_seconds < 180
