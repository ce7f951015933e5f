"""Latency and query counts of the demo portfolio dashboard on the large portfolio (``make bench``).

Loads the large portfolio of ``test_bench_portfolio``, composes the demo's
portfolio dashboard over it, then requests the page as an administrator and
as a donor, cold (every cached figure dropped before each request) and warm,
and prints median and p95 latency with the query counts.
"""

from __future__ import annotations

import statistics
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from accounts.models import User
from ctportal.access import Role
from dashboards.demo import load_dashboards
from projects import models as pm
from tests.bench import harness
from tests.bench.test_bench_portfolio import (
    REPETITIONS,
    Figure,
    _count_queries,
    _p95,
    load_portfolio,
    print_table,
)
from tests.bench.test_bench_trainings import (
    ATTENDANCES,
    load_trainings,
    measure_ratio,
    print_ratios,
    rebuild_summaries,
    training_floor,
)

pytestmark = pytest.mark.bench

COLD_REPETITIONS = 5


def measure(client: Client, label: str, who: str, path: str, *, cold: bool) -> Figure:
    def get():
        if cold:
            cache.clear()
        response = client.get(path)
        return response.status_code, response.content

    client.get(path)  # templates, connection and session in place
    count, (status, body) = _count_queries(get)
    if status != 200:
        return Figure(label, who, f"HTTP {status}", queries=count)
    samples = []
    for _ in range(COLD_REPETITIONS if cold else REPETITIONS):
        started = time.perf_counter()
        get()
        samples.append((time.perf_counter() - started) * 1000)
    return Figure(
        label, who, "ok", count, statistics.median(samples), _p95(samples), len(body) / 1024
    )


@pytest.mark.django_db
def test_the_portfolio_dashboard_stays_fast_and_bounded():
    if connection.vendor != "postgresql":
        pytest.fail(
            "The benchmark needs PostgreSQL: run it with "
            f"DATABASE_URL=postgres://user@host:5432/dbname (got {connection.vendor}).",
            pytrace=False,
        )
    started = time.perf_counter()
    data = load_portfolio()
    load_seconds = time.perf_counter() - started
    load_dashboards(data["admin"])
    rebuild_summaries()
    path = "/dashboards/portfolio/"

    figures = []
    for who in ("admin", "donor"):
        client = Client()
        client.force_login(data[who])
        figures.append(measure(client, "portfolio dashboard, cold", who, path, cold=True))
        figures.append(measure(client, "portfolio dashboard, warm", who, path, cold=False))

    print_table(figures, data["counts"], load_seconds)
    assert all(fig.status == "ok" for fig in figures), [fig.status for fig in figures]
    warm = [fig for fig in figures if fig.label.endswith("warm")]
    cold = [fig for fig in figures if fig.label.endswith("cold")]
    # Cached figures: a handful of queries whatever the portfolio's size.
    assert all(fig.queries <= 8 for fig in warm), [fig.queries for fig in warm]
    assert all(fig.queries <= 8 + 5 * 10 for fig in cold), [fig.queries for fig in cold]


@pytest.mark.django_db
@pytest.mark.parametrize("scale", harness.SCALES, ids=harness.scale_id)
def test_the_portfolio_dashboard_at_a_million_attendances(scale):
    """The demo's portfolio dashboard over the trainings of ``test_bench_trainings``
    (BENCH_ATTENDANCES, 1,000,000 by default, times the scale), cold and warm, for every
    role that reads it, and a metrics API breakdown no widget shows, against one SQL
    statement counting the people trained in the viewer's scope (its largest figure)."""
    if connection.vendor != "postgresql":
        pytest.fail("The benchmark needs PostgreSQL (DATABASE_URL).", pytrace=False)
    data = load_trainings(round(ATTENDANCES * scale))
    data["mande"] = User.objects.create(username="bench-mande", role=Role.ME_OFFICER)
    data["analyst"] = User.objects.create(username="bench-analyst", role=Role.ANALYST)
    data["officer"] = User.objects.create(username="bench-officer", role=Role.PROGRAMME_OFFICER)
    data["officer"].countries.set(pm.Country.objects.order_by("pk")[:2])
    load_dashboards(data["admin"])
    seconds = rebuild_summaries()
    ratios = []
    for who in ("admin", "mande", "analyst", "donor", "officer"):
        client = Client()
        client.force_login(data[who])
        floor = training_floor(data[who])

        def page(client=client):
            response = client.get("/dashboards/portfolio/")
            assert response.status_code == 200
            return response

        def api(client=client):
            response = client.get(
                "/api/v1/metrics/people_trained/data/?dimensions=institution_type"
            )
            assert response.status_code == 200
            return response

        ratios.append(measure_ratio("portfolio dashboard", who, page, floor, 7))
        ratios.append(measure_ratio("API people trained by institution type", who, api, floor, 7))
    print(f"\n\nFigure summaries built in {seconds:.1f} s for {data['counts']}")
    print_ratios(f"Portfolio dashboard at {harness.scale_id(scale)} size", ratios)
    # Read from the summaries: a lookup per widget, labels and the page's own reads.
    assert all(r.queries <= 40 for r in ratios), [r.queries for r in ratios]
