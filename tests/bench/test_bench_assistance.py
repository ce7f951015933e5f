"""Victim assistance at scale (``make bench``): 250,000 cases with 500,000 services.

Loads the cases and services with PostgreSQL COPY (the rest with
bulk_create), then measures the case list page (administrator), the case
figures (``case_figures``, administrator and donor, and their pages), the
publication of a CTDC release (the k-anonymisation of every consenting case),
the records of the API and the files cut from the release (CSV for the
administrator and the donor, XLSX for the donor). Prints median/p95 latency
and query counts.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import os
import random
import time
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from accounts.models import User
from assistance import ctdc
from assistance.export_models import CTDCExport
from assistance.export_services import ctdc_export_build
from assistance.models import Case, Service
from assistance.selectors import case_figures
from assistance.vocabulary import (
    CaseStatus,
    ClosureReason,
    LabourSector,
    RecruiterRelation,
    ServiceKind,
)
from ctportal.access import Role
from projects import models as pm
from tests.bench.test_bench_portfolio import (
    COUNTRIES,
    Figure,
    _count_queries,
    measure_call,
    measure_get,
    print_table,
)
from tests.bench.test_bench_trainings import (
    floor_ms,
    measure_ratio,
    print_ratios,
    rebuild_summaries,
)

pytestmark = pytest.mark.bench

# BENCH_CASES scales the load down for a quick look; the figures reported use 250,000.
CASES = int(os.environ.get("BENCH_CASES", "250000"))
SERVICES_PER_CASE = 2
PROJECTS = 500
DONORS = 10
OFFICES = COUNTRIES[:10]
REPETITIONS = 10
HEAVY_REPETITIONS = int(os.environ.get("BENCH_HEAVY", "2"))
BATCH = 50_000
CITIZENSHIPS = ["ET"] * 8 + ["BD"] * 5 + ["PH"] * 4 + ["LK", "NP", "SY", "IQ", "EG"] * 2
CITIZENSHIPS += ["SD", "NG", "KE", "UG", "ID", "MM", "MA", "ER", ""]
SEXES = ["Female"] * 30 + ["Male"] * 18 + ["Transgender/NonConforming", ""]
EXPLOITATION = ["is_forced_marriage", "is_forced_military", "is_organ_removal"]
EXPLOITATION += ["is_slavery_and_practices", "is_other_exploit"]
MEANS = [f.name for f in Case._meta.concrete_fields if f.name.startswith("means_of_control")]
KINDS = list(ServiceKind.values)


def _copy(table: str, columns: list[str], rows) -> None:
    """COPY in batches; None is NULL, "" an empty string."""
    rows = iter(rows)
    while True:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        written = 0
        for row in rows:
            writer.writerow(["\\N" if value is None else value for value in row])
            written += 1
            if written == BATCH:
                break
        if not written:
            return
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
                buffer,
            )
        if written < BATCH:
            return


def _flag(value: bool) -> str:
    return "t" if value else "f"


def _case_rows(rng: random.Random, offices, projects, worker_ids: dict, now: str):
    """One row per case in the column order of ``Case``, skewed like a real caseload."""
    columns = [f.column for f in Case._meta.concrete_fields if f.column != "id"]
    for n in range(CASES):
        office = offices[n % len(offices)]
        identified = datetime.date(2012 + n % 13, 1 + n % 12, 1 + n % 28)
        labour = rng.random() < 0.55
        sexual = rng.random() < (0.2 if labour else 0.7)
        other = rng.choice(EXPLOITATION) if rng.random() < 0.1 or not (labour or sexual) else ""
        means = set(rng.sample(MEANS, rng.randint(0, 4)))
        closed = n % 3 == 0
        consent = rng.random() < 0.8
        values = {
            "reference": f"CT-B{n:09d}",
            "country_office_id": office.pk,
            "project_id": projects[n % len(projects)].pk,
            "identification_date": identified.isoformat(),
            "identified_by": "ngo",
            "referring_organisation_id": None,
            "sex": rng.choice(SEXES),
            "age_at_identification": None if rng.random() < 0.03 else rng.randint(6, 62),
            "citizenship": rng.choice(CITIZENSHIPS),
            "country_of_origin": "",
            "transit_countries": "",
            "country_of_exploitation": office.code.code,
            "is_sexual_exploit": _flag(sexual),
            "is_forced_labour": _flag(labour),
            "labour_sector": rng.choice(LabourSector.values) if labour else "",
            "recruiter_relation": rng.choice(["", *RecruiterRelation.values]),
            "status": CaseStatus.CLOSED if closed else CaseStatus.SERVICES,
            "closure_reason": ClosureReason.COMPLETED if closed else "",
            "closed_on": (identified + datetime.timedelta(days=200)).isoformat()
            if closed
            else None,
            "consent_assistance": _flag(consent),
            "consent_referral": _flag(consent),
            "consent_share_data": _flag(consent),
            "consent_date": identified.isoformat() if consent else None,
            "version": 1,
            "registered_by_id": worker_ids[office.pk],
            "created_at": now,
            "updated_at": now,
        }
        for name in EXPLOITATION:
            values[name] = _flag(name == other)
        for name in MEANS:
            values[name] = _flag(name in means)
        yield [values.get(column, "f") for column in columns]


def load_assistance() -> dict:
    rng = random.Random(20240605)
    countries = pm.Country.objects.bulk_create(
        [
            pm.Country(
                code=code,
                name_en=f"Country {code}",
                name_ar=f"بلد {code}",
                name_fr=f"Pays {code}",
                region=pm.Region.MASHREQ,
            )
            for code in COUNTRIES
        ]
    )
    offices = countries[: len(OFFICES)]
    donors = pm.Organisation.objects.bulk_create(
        [
            pm.Organisation(name=f"Donor {n}", iati_identifier=f"XM-D-{n}", kind="donor_government")
            for n in range(DONORS)
        ]
    )
    reporter = pm.Organisation.objects.create(
        name="Reporting office", kind=pm.OrganisationKind.IGO, iati_identifier="XM-DAC-47066"
    )
    projects = pm.Project.objects.bulk_create(
        [
            pm.Project(
                code=f"DA.{n:04d}",
                iati_identifier=f"XM-DAC-47066-DA.{n:04d}",
                title=f"Direct assistance {n}",
                planned_start=datetime.date(2012, 1, 1),
                planned_end=datetime.date(2025, 12, 31),
                budget=Decimal(500_000),
                reporting_organisation=reporter,
            )
            for n in range(PROJECTS)
        ]
    )
    pm.Funding.objects.bulk_create(
        pm.Funding(project=p, donor=donors[n % DONORS], amount=Decimal(500_000))
        for n, p in enumerate(projects)
    )
    workers = User.objects.bulk_create(
        User(username=f"bench-case-{office.code}", role=Role.CASE_WORKER, country_office=office)
        for office in offices
    )
    worker_ids = {office.pk: worker.pk for office, worker in zip(offices, workers, strict=True)}
    now = "2025-06-01 00:00:00+00"
    case_columns = [f.column for f in Case._meta.concrete_fields if f.column != "id"]
    _copy("assistance_case", case_columns, _case_rows(rng, offices, projects, worker_ids, now))
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, identification_date, registered_by_id FROM assistance_case")
        cases = cursor.fetchall()
    service_columns = [f.column for f in Service._meta.concrete_fields if f.column != "id"]
    _copy(
        "assistance_service",
        service_columns,
        (
            (
                pk,
                KINDS[(pk + j) % len(KINDS)],
                None,
                (day + datetime.timedelta(days=10 * j + 1)).isoformat(),
                (day + datetime.timedelta(days=10 * j + 5)).isoformat(),
                "120.00" if j else None,
                "USD",
                worker,
                now,
            )
            for pk, day, worker in cases
            for j in range(SERVICES_PER_CASE)
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    admin = User.objects.create(username="bench-admin", role=Role.ADMINISTRATOR, is_staff=True)
    donor = User.objects.create(username="bench-donor", role=Role.DONOR, organisation=donors[0])
    analyst = User.objects.create(username="bench-analyst", role=Role.ANALYST)
    return {
        "admin": admin,
        "donor": donor,
        "analyst": analyst,
        "counts": {
            "cases": len(cases),
            "services": len(cases) * SERVICES_PER_CASE,
            "offices": len(offices),
            "projects": len(projects),
        },
    }


# Cases identified and assisted by sex, for everyone or a donor's projects.
CASE_FLOOR = """
    SELECT c.sex, count(*), count(*) FILTER (
        WHERE EXISTS (SELECT 1 FROM assistance_service s WHERE s.case_id = c.id))
    FROM assistance_case c {donor} GROUP BY c.sex
"""


def case_floor(user) -> float:
    if user.role == Role.DONOR:
        donor = (
            "WHERE c.project_id IN (SELECT project_id FROM projects_funding WHERE donor_id = %s)"
        )
        return floor_ms(CASE_FLOOR.format(donor=donor), [user.organisation_id])
    return floor_ms(CASE_FLOOR.format(donor=""), [])


def build(user, fmt: str):
    """A new export of ``fmt`` built in full from the current release."""
    export = CTDCExport.objects.create(requested_by=user, format=fmt)
    export = ctdc_export_build(export_id=export.pk)
    with export.file.open("rb") as handle:
        content = handle.read()
    return content, export.row_count


@pytest.mark.django_db
def test_assistance_stays_fast_and_bounded():
    if connection.vendor != "postgresql":
        pytest.fail(
            "The benchmark needs PostgreSQL: run it with "
            f"DATABASE_URL=postgres://user@host:5432/dbname (got {connection.vendor}).",
            pytrace=False,
        )
    started = time.perf_counter()
    data = load_assistance()
    load_seconds = time.perf_counter() - started

    summaries_seconds = rebuild_summaries()
    ratios = []
    for who in ("admin", "donor", "analyst"):
        user = data[who]
        client = Client()
        client.force_login(user)

        def api(client=client):
            response = client.get("/api/v1/assistance/figures/")
            assert response.status_code == 200
            return response

        floor = case_floor(user)
        ratios.append(
            measure_ratio("case_figures", who, lambda u=user: case_figures(user=u), floor)
        )
        ratios.append(measure_ratio("API assistance figures", who, api, floor))
        ratios.append(
            measure_ratio(
                "API metrics, victims identified by sex",
                who,
                lambda client=client: client.get(
                    "/api/v1/metrics/cases_identified/data/?dimensions=sex"
                ),
                floor,
            )
        )

    figures: list[Figure] = []
    admin_client = Client()
    admin_client.force_login(data["admin"])
    figures.append(
        measure_get(admin_client, "case list page", "admin", "/assistance/cases/", REPETITIONS)
    )
    figures.append(
        measure_get(
            admin_client,
            "case list page, open, one office",
            "admin",
            f"/assistance/cases/?status=services&country_office={Case.objects.first().country_office_id}",
            REPETITIONS,
        )
    )
    for who in ("admin", "donor"):
        user = data[who]
        figures.append(
            measure_call(
                "case_figures",
                who,
                lambda user=user: (b"", case_figures(user=user)),
                HEAVY_REPETITIONS + 1,
            )
        )
        client = Client()
        client.force_login(user)
        figures.append(measure_get(client, "figures page", who, "/assistance/figures/", 3))
        figures.append(measure_get(client, "API figures", who, "/api/v1/assistance/figures/", 3))

    started = time.perf_counter()
    queries, release = _count_queries(lambda: ctdc.ctdc_release_publish())
    publish_ms = (time.perf_counter() - started) * 1000
    figures.append(
        Figure(
            "CTDC release (grouping, search, rows)", "admin", "ok", queries, publish_ms, publish_ms
        )
    )
    analyst = Client()
    analyst.force_login(data["analyst"])

    def records_page():
        response = analyst.get("/api/v1/assistance/ctdc/records/")
        assert response.status_code == 200
        return response.content, response.json()["count"]

    figures.append(measure_call("API CTDC records, page 1", "analyst", records_page, 3))
    middle = max(1, math.ceil(records_page()[1] / 50) // 2)
    figures.append(
        measure_get(
            analyst,
            "API CTDC records, middle page",
            "analyst",
            f"/api/v1/assistance/ctdc/records/?page={middle}",
            3,
        )
    )

    for who, fmt in (("admin", "csv"), ("donor", "csv"), ("donor", "xlsx")):
        figures.append(
            measure_call(
                f"CTDC export build, {fmt}",
                who,
                lambda who=who, fmt=fmt: build(data[who], fmt),
                HEAVY_REPETITIONS - 1,
            )
        )

    content, rows = build(data["admin"], "csv")
    table = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    sizes = Counter(tuple(row[c] for c in ctdc.QUASI_IDENTIFIER_COLUMNS) for row in table)
    assert len(table) == rows == release.published_count
    assert min(sizes.values()) >= ctdc.K

    print("\n\nVictim assistance at scale")
    print(
        f"CTDC: {release.total:,} consenting cases, {release.published_count:,} published, "
        f"{release.suppressed_count:,} suppressed, levels {release.generalisation}"
    )
    print_table(figures, data["counts"], load_seconds)
    print(f"\nFigure summaries built in {summaries_seconds:.1f} s")
    print_ratios("Case figures against one SQL statement", ratios)
    assert load_seconds < 600
