"""Export files at 50,000 and 200,000 rows (``make bench``): memory stays flat, time is linear.

Builds each file the way the Celery job does (``ctdc_export_build``,
``portfolio_export_build``: rows from a server-side cursor into a temporary
file, then to the storage, here the local disk) and prints, per file and
size, the seconds, the growth of the process's resident memory at its peak
(sampled every 5 ms) and the peak of Python's own allocations (tracemalloc, a
second run, since tracing slows the build down).

The figures must not grow with the number of rows: peak growth stays under
50 MiB at 200,000 rows; the CTDC spreadsheet of 200,000 rows should take
under 10 seconds.
"""

from __future__ import annotations

import datetime
import gc
import os
import random
import resource
import threading
import time
import tracemalloc
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import User
from assistance import ctdc
from assistance.export_models import CTDCExport, CTDCRecord, CTDCRelease
from assistance.export_services import ctdc_export_build
from ctportal.access import Role
from projects import models as pm
from projects.services import portfolio_export_build

pytestmark = pytest.mark.bench

# BENCH_EXPORT_ROWS scales the sizes down for a quick look ("5000,20000").
SIZES = [int(n) for n in os.environ.get("BENCH_EXPORT_ROWS", "50000,200000").split(",")]
BATCH = 5000
MIB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")
MEMORY_BOUND_MIB = 50
CTDC_XLSX_TARGET_SECONDS = 10


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


@dataclass
class Measure:
    label: str
    rows: int
    seconds: float
    rss_growth: float
    traced_peak: float
    size: int


def measure(label: str, rows: int, build) -> Measure:
    """Seconds and resident-memory growth of one build, then Python's peak in another."""
    gc.collect()
    before = rss()
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.wait(0.005):
            peak[0] = max(peak[0], rss())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    size = build()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    peak[0] = max(peak[0], rss())

    gc.collect()
    tracemalloc.start()
    build()
    _current, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Measure(label, rows, seconds, (peak[0] - before) / MIB, traced / MIB, size)


def ctdc_values(rng: random.Random) -> list:
    integers = set(ctdc.INTEGER_COLUMNS)
    texts = {
        "gender": ("Female", "Male", None),
        "ageBroad": ("9--17", "18--20", "21--23", "30--38", None),
        "majorityStatus": ("Adult", "Minor", None),
        "citizenship": ("ET", "BD", "NP", "PH", "SD", "Eastern Africa", None),
        "CountryOfExploitation": ("LB", "JO", "EG", "Western Asia", None),
        "Datasource": ("Case Management",),
    }
    row = []
    for column in ctdc.COLUMNS:
        if column == "yearOfRegistration":
            row.append(rng.randint(2012, 2025))
        elif column in integers:
            row.append(rng.choice((0, 1, None)))
        else:
            row.append(rng.choice(texts.get(column, ("", "Domestic work;Construction"))))
    return row


def add_records(release, project, country, total: int, rng: random.Random) -> None:
    have = CTDCRecord.objects.filter(release=release).count()
    while have < total:
        batch = min(BATCH, total - have)
        CTDCRecord.objects.bulk_create(
            CTDCRecord(
                release=release, project=project, country_office=country, values=ctdc_values(rng)
            )
            for _ in range(batch)
        )
        have += batch


def add_projects(total: int, reporter, donors, countries) -> None:
    have = pm.Project.objects.count()
    while have < total:
        batch = min(BATCH, total - have)
        projects = pm.Project.objects.bulk_create(
            pm.Project(
                code=f"EXP.{n:06d}",
                iati_identifier=f"XM-DAC-47066-EXP.{n:06d}",
                title=f"مشروع مكافحة الاتجار {n} & partners",
                status=1 + n % 6,
                planned_start=datetime.date(2015 + n % 10, 1, 1),
                planned_end=datetime.date(2026, 1, 1),
                budget=Decimal(100_000 + n),
                currency=("USD", "EUR")[n % 2],
                reporting_organisation=reporter,
            )
            for n in range(have, have + batch)
        )
        pm.Funding.objects.bulk_create(
            pm.Funding(project=p, donor=donors[p.pk % 2], amount=p.budget, currency=p.currency)
            for p in projects
        )
        pm.RecipientCountry.objects.bulk_create(
            pm.RecipientCountry(project=p, country=countries[p.pk % 2], percentage=100)
            for p in projects
        )
        have += batch


def build_ctdc(admin, release, fmt: str):
    def build() -> int:
        export = CTDCExport.objects.create(requested_by=admin, format=fmt, release=release)
        export = ctdc_export_build(export_id=export.pk)
        assert export.status == "done", export.error
        return export.file.size

    return build


def build_portfolio(admin, fmt: str):
    def build() -> int:
        export = pm.PortfolioExport.objects.create(requested_by=admin, format=fmt)
        export = portfolio_export_build(export_id=export.pk)
        assert export.status == "done", export.error
        return export.file.size

    return build


@pytest.mark.django_db
def test_export_memory_is_flat_in_the_number_of_rows(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    rng = random.Random(7)
    admin = User.objects.create(username="bench-admin", role=Role.ADMINISTRATOR)
    reporter = pm.Organisation.objects.create(
        name="Reporting office", kind=pm.OrganisationKind.IGO, iati_identifier="XM-DAC-47066"
    )
    donors = [
        pm.Organisation.objects.create(name=f"Donor {n}", kind=pm.OrganisationKind.DONOR_GOVERNMENT)
        for n in range(2)
    ]
    countries = [pm.Country.objects.create(code=code, name_en=code) for code in ("LB", "JO")]
    project = pm.Project.objects.create(
        code="CTDC.1",
        iati_identifier="XM-DAC-47066-CTDC.1",
        title="Assistance",
        planned_start=datetime.date(2020, 1, 1),
        planned_end=datetime.date(2026, 1, 1),
        reporting_organisation=reporter,
    )
    release = CTDCRelease.objects.create(layout=ctdc.LAYOUT_VERSION, k=ctdc.K)
    # Warm up: imports, caches and the first allocations are not the rows' cost.
    add_records(release, project, countries[0], 100, rng)
    for fmt in ("csv", "xlsx"):
        build_ctdc(admin, release, fmt)()
        build_portfolio(admin, fmt)()

    results: list[Measure] = []
    for rows in SIZES:
        add_records(release, project, countries[0], rows, rng)
        for fmt in ("csv", "xlsx"):
            results.append(measure(f"CTDC {fmt}", rows, build_ctdc(admin, release, fmt)))
        add_projects(rows, reporter, donors, countries)
        for fmt in ("csv", "xlsx"):
            results.append(measure(f"portfolio {fmt}", rows, build_portfolio(admin, fmt)))

    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nExports on {connection.vendor}, files on the local disk; process peak {max_rss:.0f} MiB"
    )
    heading = ("file", "rows", "seconds", "RSS growth MiB", "traced MiB", "file MiB")
    print("{:<16}{:>9}{:>9}{:>16}{:>12}{:>10}".format(*heading))
    for m in results:
        print(
            f"{m.label:<16}{m.rows:>9,}{m.seconds:>9.1f}{m.rss_growth:>16.1f}"
            f"{m.traced_peak:>12.1f}{m.size / MIB:>10.1f}"
        )
    largest = [m for m in results if m.rows == max(SIZES)]
    assert all(m.rss_growth < MEMORY_BOUND_MIB for m in largest), largest
    assert all(m.traced_peak < MEMORY_BOUND_MIB for m in largest), largest
    ctdc_xlsx = next(m for m in largest if m.label == "CTDC xlsx")
    print(
        f"CTDC xlsx at {ctdc_xlsx.rows:,} rows: {ctdc_xlsx.seconds:.1f} s "
        f"(target under {CTDC_XLSX_TARGET_SECONDS} s)"
    )
