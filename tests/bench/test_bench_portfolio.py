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
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from accounts.models import User
from ctportal.access import Role
from ctportal.storage import spool
from projects import models as pm
from projects.exports import write_portfolio
from tests.bench import floors, harness
from tests.bench.harness import (
    Figure,  # noqa: F401 (other benches)
    measure_call,
    measure_get,
    print_table,  # noqa: F401 (other benches)
)
from tests.bench.harness import count_queries as _count_queries  # noqa: F401 (other benches)
from tests.bench.harness import p95 as _p95  # noqa: F401 (other benches)
from tests.bench.harness import time_samples as _time  # noqa: F401 (other benches)

pytestmark = pytest.mark.bench


def render_portfolio(user, fmt: str) -> tuple[bytes, int]:
    """The export job's file, written into its temporary file; its bytes and project count."""
    with spool() as handle:
        count = write_portfolio(user, fmt, handle)
        handle.seek(0)
        return handle.read(), count


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
PAGE = 50
HEAVY_REPETITIONS = int(os.environ.get("BENCH_HEAVY", "3"))
BATCH = 5_000


def _bulk(model, objects: list) -> list:
    return model.objects.bulk_create(objects, batch_size=BATCH)


def load_portfolio(size: int = PROJECTS) -> dict:
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
    for n in range(size):
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
    officer = User.objects.create(username="bench-officer", role=Role.PROGRAMME_OFFICER)
    officer.countries.set(countries[:2])
    officer.projects.set(projects[:: max(1, size // 20)])
    return {
        "admin": admin,
        "donor": donor,
        "officer": officer,
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


def _middle_page(client: Client, path: str) -> tuple[str, int]:
    """The path of the middle page of a list, and the list's count."""
    response = client.get(path)
    if response.status_code != 200 or "count" not in response.json():
        return f"{path}?page=2", 0
    count = response.json()["count"]
    pages = max(1, math.ceil(count / PAGE))
    return f"{path}?page={max(1, pages // 2)}", count


def _page_floor(sql: str, who: str, data: dict, page_path: str) -> harness.Floor:
    page = int(page_path.partition("page=")[2] or 1)
    params = {
        "limit": PAGE,
        "offset": (page - 1) * PAGE,
        "org": data["donor"].organisation_id,
        "user": data["officer"].pk,
    }
    return harness.Floor(floors.scoped(sql, who), params)


# The API lists compared with their floors; the others are checked for their query count.
FLOORED_LISTS = {
    "projects": ("/api/v1/projects/", floors.PROJECTS_PAGE),
    "transactions": ("/api/v1/transactions/", floors.TRANSACTIONS_PAGE),
}
OTHER_LISTS = ["results", "indicators", "documents", "organisations", "countries"]


@pytest.mark.django_db
@pytest.mark.parametrize("scale", harness.SCALES, ids=harness.scale_id)
def test_portfolio_reads_stay_fast_and_bounded(scale):
    if connection.vendor != "postgresql":
        pytest.fail(
            "The benchmark needs PostgreSQL: run it with "
            f"DATABASE_URL=postgres://user@host:5432/dbname (got {connection.vendor}).",
            pytrace=False,
        )
    started = time.perf_counter()
    data = load_portfolio(round(PROJECTS * scale))
    load_seconds = time.perf_counter() - started

    run = harness.Run("portfolio", scale)
    lists = harness.Run("portfolio API lists", scale)
    project_pk = data["project"].pk
    for who in ("admin", "donor", "officer"):
        user = data[who]
        client = Client()
        client.force_login(user)
        for name, (path, sql) in FLOORED_LISTS.items():
            middle, _count = _middle_page(client, path)
            for label, page_path in (
                (f"API {name}, page 1", path),
                (f"API {name}, middle", middle),
            ):
                lists.add(
                    harness.measure_get(
                        client,
                        label,
                        who,
                        page_path,
                        REPETITIONS,
                        floor=_page_floor(sql, who, data, page_path),
                    )
                )
        for name in OTHER_LISTS:
            lists.add(
                harness.measure_get(client, f"API {name}, page 1", who, f"/api/v1/{name}/", 5)
            )
        if who == "officer":
            continue
        for label, path in (
            ("portfolio dashboard", "/projects/dashboard/"),
            ("project list page", "/projects/"),
        ):
            run.add(measure_get(client, label, who, path, REPETITIONS))
        visible = pm.Project.objects.visible_to(user).order_by("pk")
        single = project_pk if who == "admin" else visible.values_list("pk", flat=True).first()
        run.add(
            measure_get(
                client, "IATI XML of one project", who, f"/projects/{single}/iati.xml", REPETITIONS
            )
        )
        run.add(
            measure_call(
                "IATI export, visible projects",
                who,
                lambda user=user: render_portfolio(user, "iati"),
                HEAVY_REPETITIONS,
            )
        )
    for fmt in ("csv", "xlsx"):
        run.add(
            measure_call(
                f"{fmt.upper()} export, all projects",
                "admin",
                lambda fmt=fmt: render_portfolio(data["admin"], fmt),
                HEAVY_REPETITIONS,
            )
        )

    lists.report(data["counts"], load_seconds)
    run.report(data["counts"], load_seconds)
    assert not run.check(), run.check()
    assert not lists.check(), lists.check()
    # Every list costs the same few queries whatever the portfolio's size (the session,
    # the user and an administrator's second factor included).
    assert all(fig.queries <= 14 for fig in lists.figures), [
        (fig.label, fig.user, fig.queries) for fig in lists.figures
    ]
    assert load_seconds < 180
