"""Training figures at scale (``make bench``): 1,000,000 participants in 20,000 sessions.

Loads the register and the attendances with PostgreSQL COPY (the rest with
bulk_create), then measures the dashboard aggregation (``training_figures``,
portfolio and one project), the API aggregate endpoint and the session list,
as an administrator and as a donor, and the import of a 50,000-row sheet
through the real path (upload checks, row checks, register matching, history,
one transaction). Prints median/p95 latency and query counts.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import os
import statistics
import time
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from accounts.models import User
from ctportal.access import Role
from dashboards.summaries.build import rebuild
from projects import models as pm
from tests.bench import floors, harness
from tests.bench.test_bench_portfolio import (
    COUNTRIES,
    Figure,
    _count_queries,
    _p95,
    _time,
    measure_call,
    measure_get,
    print_table,
)
from trainings import imports
from trainings import models as tm
from trainings.import_services import attendance_import_start
from trainings.selectors import training_figures

pytestmark = pytest.mark.bench

# BENCH_ATTENDANCES scales the load down for a quick look; the figures reported use 1,000,000.
ATTENDANCES = int(os.environ.get("BENCH_ATTENDANCES", "1000000"))


def _shape(attendances: int) -> tuple[int, int, int, int, int]:
    sessions = max(20, attendances // 50)
    counted_sessions = sessions // 10  # known only as totals by sex and country
    # Each session recorded one by one gets PER_SESSION people, the first EXTRA one more.
    per_session, extra = divmod(attendances, sessions - counted_sessions)
    people = max((per_session + 1) * 8, attendances * 2 // 5)
    return sessions, counted_sessions, per_session, extra, people


SESSIONS, COUNTED_SESSIONS, PER_SESSION, EXTRA, PEOPLE = _shape(ATTENDANCES)
PROJECTS = 500
DONORS = 10
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "50000"))
REPETITIONS = 15
HEAVY_REPETITIONS = int(os.environ.get("BENCH_HEAVY", "5"))
BATCH = 5_000
SEXES = ("female", "male", "male")
INSTITUTIONS = [code for code, _label in tm.InstitutionType.choices]
AGE_BANDS = [code for code, _label in tm.AgeBand.choices]


def _copy(table: str, columns: tuple[str, ...], rows) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(rows)
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buffer
        )


def load_trainings(attendances: int = ATTENDANCES) -> dict:
    """Reference data, projects, sessions by bulk_create; people and attendances by COPY."""
    SESSIONS, COUNTED_SESSIONS, PER_SESSION, EXTRA, PEOPLE = _shape(attendances)  # noqa: N806
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
    donors = pm.Organisation.objects.bulk_create(
        [
            pm.Organisation(
                name=f"Donor {n}", iati_identifier=f"XM-DONOR-{n}", kind="donor_government"
            )
            for n in range(DONORS)
        ]
    )
    reporter = pm.Organisation.objects.create(
        name="Reporting office", kind=pm.OrganisationKind.IGO, iati_identifier="XM-DAC-47066"
    )
    projects = pm.Project.objects.bulk_create(
        [
            pm.Project(
                code=f"TR.{n:04d}",
                iati_identifier=f"XM-DAC-47066-TR.{n:04d}",
                title=f"Capacity building {n}",
                planned_start=datetime.date(2015, 1, 1),
                planned_end=datetime.date(2025, 12, 31),
                budget=Decimal(500_000),
                reporting_organisation=reporter,
            )
            for n in range(PROJECTS)
        ]
    )
    pm.Funding.objects.bulk_create(
        [
            pm.Funding(project=p, donor=donors[n % DONORS], amount=Decimal(500_000))
            for n, p in enumerate(projects)
        ]
    )
    pm.RecipientCountry.objects.bulk_create(
        [
            pm.RecipientCountry(project=p, country=countries[n % len(countries)], percentage=100)
            for n, p in enumerate(projects)
        ]
    )
    audiences = list(tm.Audience.objects.all())
    sessions = []
    for n in range(SESSIONS):
        start = datetime.date(2016 + n % 9, 1 + n % 12, 1 + n % 27)
        sessions.append(
            tm.TrainingSession(
                project=projects[n % PROJECTS],
                title=f"Session {n}",
                kind=tm.SessionKind.values[n % len(tm.SessionKind.values)],
                host_country=countries[n % len(countries)],
                start_date=start,
                end_date=start + datetime.timedelta(days=n % 4),
                status=tm.SessionStatus.PLANNED if n % 20 == 0 else tm.SessionStatus.HELD,
            )
        )
    sessions = tm.TrainingSession.objects.bulk_create(sessions, batch_size=BATCH)
    through = tm.TrainingSession.audiences.through
    through.objects.bulk_create(
        [
            through(trainingsession_id=s.pk, audience_id=audiences[(n + k) % len(audiences)].pk)
            for n, s in enumerate(sessions)
            for k in range(1 + n % 2)
        ],
        batch_size=BATCH,
    )

    now = "2024-06-01 00:00:00+00"
    _copy(
        "trainings_person",
        ("full_name", "sex", "age_band", "institution", "institution_type", "role")
        + ("nationality_id", "country_of_work_id", "created_at"),
        (
            (
                f"Participant {n}",
                SEXES[n % 3],
                AGE_BANDS[n % len(AGE_BANDS)],
                f"Institution {n % 300}",
                INSTITUTIONS[n % len(INSTITUTIONS)],
                "Officer",
                countries[n % len(countries)].pk,
                countries[(n * 7) % len(countries)].pk,
                now,
            )
            for n in range(PEOPLE)
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM trainings_person ORDER BY id")
        people = [row[0] for row in cursor.fetchall()]
    individual = sessions[COUNTED_SESSIONS:]
    step = PEOPLE // (PER_SESSION + 1) - 1
    _copy(
        "trainings_attendance",
        ("session_id", "person_id", "attended", "pre_score", "post_score"),
        (
            (
                session.pk,
                # Distinct people within a session; each person attends a few sessions.
                people[(n * 53 + j * step) % PEOPLE],
                "t" if (n + j) % 25 else "f",
                40 + (n + j) % 30 if j % 3 else "",
                60 + (n * j) % 40 if j % 3 else "",
            )
            for n, session in enumerate(individual)
            for j in range(PER_SESSION + (n < EXTRA))
        ),
    )
    counts = []
    for n, session in enumerate(sessions[:COUNTED_SESSIONS]):
        women, men = 5 + n % 20, 10 + n % 25
        counts += [
            tm.ParticipantCount(session=session, dimension="sex", sex="female", count=women),
            tm.ParticipantCount(session=session, dimension="sex", sex="male", count=men),
        ]
        if n % 2:
            counts += [
                tm.ParticipantCount(
                    session=session, dimension="country", country=countries[0], count=women
                ),
                tm.ParticipantCount(
                    session=session, dimension="country", country=countries[1], count=men
                ),
            ]
    tm.ParticipantCount.objects.bulk_create(counts, batch_size=BATCH)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    admin = User.objects.create(username="bench-admin", role=Role.ADMINISTRATOR, is_staff=True)
    donor = User.objects.create(username="bench-donor", role=Role.DONOR, organisation=donors[0])
    target = tm.TrainingSession.objects.create(
        project=projects[1],
        title="Imported sheet",
        kind="training",
        host_country=countries[0],
        start_date=datetime.date(2024, 5, 1),
        end_date=datetime.date(2024, 5, 3),
        status="held",
    )
    return {
        "admin": admin,
        "donor": donor,
        "project": projects[PROJECTS // 2],
        "import_session": target,
        "counts": {
            "projects": len(projects),
            "sessions": len(sessions),
            "people": len(people),
            "attendances": len(individual) * PER_SESSION + EXTRA,
            "participant counts": len(counts),
        },
    }


def sheet(rows: int) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(imports.COLUMNS)
    for n in range(rows):
        writer.writerow(
            [
                f"Imported person {n}" if n % 10 else "",
                SEXES[n % 3],
                "25-34",
                "Ministry of Interior",
                INSTITUTIONS[n % len(INSTITUTIONS)],
                "Officer",
                COUNTRIES[n % len(COUNTRIES)],
                COUNTRIES[(n * 3) % len(COUNTRIES)],
                "yes",
                n % 101,
                (n * 7) % 101,
            ]
        )
    return SimpleUploadedFile("sheet.csv", out.getvalue().encode("utf-8"))


@dataclass
class Ratio:
    """A read measured against the floor: one hand-written SQL statement for the same answer."""

    label: str
    user: str
    floor_ms: float
    cold_p95_ms: float
    warm_p95_ms: float
    queries: int

    @property
    def ratio(self) -> float:
        return self.cold_p95_ms / self.floor_ms if self.floor_ms else float("inf")


def floor_ms(sql: str, params: list, repetitions: int = 3) -> float:
    """Median time of one hand-written statement (run once before, to warm the buffers)."""

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return statistics.median(_time(run, repetitions))


def measure_ratio(label, who, read, floor, repetitions: int = 7) -> Ratio:
    """``read`` cold (every cached figure dropped, summaries kept) and warm, p95 of each."""

    def cold():
        cache.clear()
        return read()

    queries, _result = _count_queries(cold)
    return Ratio(
        label, who, floor, _p95(_time(cold, repetitions)), _p95(_time(read, repetitions)), queries
    )


def print_ratios(title: str, ratios: list[Ratio]) -> None:
    print(f"\n{title} (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    header = ("what", "as", "queries", "floor ms", "cold p95", "warm p95", "cold/floor")
    rows = [header] + [
        (
            r.label,
            r.user,
            str(r.queries),
            f"{r.floor_ms:,.1f}",
            f"{r.cold_p95_ms:,.1f}",
            f"{r.warm_p95_ms:,.1f}",
            f"{r.ratio:.2f}x",
        )
        for r in ratios
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print(
            "  ".join(
                c.ljust(w) if i < 2 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )


def rebuild_summaries() -> float:
    """The figure summaries built for the loaded data, in seconds."""
    started = time.perf_counter()
    done = rebuild()
    assert done["written"], done
    return time.perf_counter() - started


# People trained and attendances of held sessions, for everyone or a donor's projects.
TRAINING_FLOOR = """
    SELECT count(DISTINCT a.person_id), count(*)
    FROM trainings_attendance a JOIN trainings_trainingsession s ON s.id = a.session_id
    WHERE a.attended AND s.status = 'held' {donor}
"""
DONOR_PROJECTS = "AND s.project_id IN (SELECT project_id FROM projects_funding WHERE donor_id = %s)"


OFFICER_PROJECTS = """AND s.project_id IN (
    SELECT project_id FROM projects_recipientcountry WHERE country_id IN (
        SELECT country_id FROM accounts_user_countries WHERE user_id = %s)
    UNION SELECT project_id FROM accounts_user_projects WHERE user_id = %s)"""


def training_floor(user) -> float:
    if user.organisation_id and user.role == Role.DONOR:
        return floor_ms(TRAINING_FLOOR.format(donor=DONOR_PROJECTS), [user.organisation_id])
    if user.role == Role.PROGRAMME_OFFICER:
        return floor_ms(TRAINING_FLOOR.format(donor=OFFICER_PROJECTS), [user.pk, user.pk])
    return floor_ms(TRAINING_FLOOR.format(donor=""), [])


@pytest.mark.django_db
def test_training_figures_stay_fast_and_bounded(django_capture_on_commit_callbacks):
    if connection.vendor != "postgresql":
        pytest.fail(
            "The benchmark needs PostgreSQL: run it with "
            f"DATABASE_URL=postgres://user@host:5432/dbname (got {connection.vendor}).",
            pytrace=False,
        )
    started = time.perf_counter()
    data = load_trainings()
    load_seconds = time.perf_counter() - started

    summaries_seconds = rebuild_summaries()
    ratios = []
    for who in ("admin", "donor"):
        user = data[who]
        client = Client()
        client.force_login(user)

        def page(client=client):
            response = client.get("/projects/dashboard/")
            assert response.status_code == 200
            return response

        floor = training_floor(user)
        ratios.append(
            measure_ratio(
                "training_figures, portfolio", who, lambda u=user: training_figures(user=u), floor
            )
        )
        ratios.append(measure_ratio("portfolio page (training figures)", who, page, floor))
        ratios.append(
            measure_ratio(
                "API metrics, people trained by sex",
                who,
                lambda client=client: client.get(
                    "/api/v1/metrics/people_trained/data/?dimensions=sex"
                ),
                floor,
            )
        )

    figures: list[Figure] = []
    for who in ("admin", "donor"):
        user = data[who]
        figures.append(
            measure_call(
                "training_figures, portfolio",
                who,
                lambda user=user: (b"", training_figures(user=user)),
                HEAVY_REPETITIONS,
            )
        )
        visible = pm.Project.objects.visible_to(user).order_by("pk")
        project = data["project"] if who == "admin" else visible.first()
        figures.append(
            measure_call(
                "training_figures, one project",
                who,
                lambda user=user, project=project: (
                    b"",
                    training_figures(
                        user=user,
                        sessions=tm.TrainingSession.objects.filter(project=project),
                    ),
                ),
                REPETITIONS,
            )
        )
        client = Client()
        client.force_login(user)
        for by in ("sex", "country", "audience", "year"):
            figures.append(
                measure_get(
                    client,
                    f"API aggregate by {by}",
                    who,
                    f"/api/v1/trainings/aggregate/?by={by}",
                    HEAVY_REPETITIONS,
                )
            )
        figures.append(
            measure_get(
                client,
                "API aggregate by sex, one project",
                who,
                f"/api/v1/trainings/aggregate/?by=sex&project={project.pk}",
                REPETITIONS,
            )
        )
        figures.append(measure_get(client, "session list page", who, "/trainings/", 5))

    print("\n\nTrainings at scale")
    print_table(figures, data["counts"], load_seconds)
    print(f"\nFigure summaries built in {summaries_seconds:.1f} s")
    print_ratios("Training figures against one SQL statement", ratios)
    measured = [fig for fig in figures if fig.status == "ok"]
    assert len(measured) == len(figures), [fig for fig in figures if fig.status != "ok"]
    assert load_seconds < 300


def _copy_floor(rows: int, session_id: int, country_ids: list[int]) -> None:
    """The import's floor: the same people and attendances written by COPY, ids drawn first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('trainings_person', 'id'))"
            " FROM generate_series(1, %s)",
            [rows],
        )
        ids = [row[0] for row in cursor.fetchall()]
    now = "2024-06-01 00:00:00+00"
    _copy(
        "trainings_person",
        ("id", "full_name", "sex", "age_band", "institution", "institution_type", "role")
        + ("nationality_id", "country_of_work_id", "match_key", "created_at"),
        (
            (
                ids[n],
                f"Copied person {n}",
                SEXES[n % 3],
                "25-34",
                "Ministry of Interior",
                INSTITUTIONS[n % len(INSTITUTIONS)],
                "Officer",
                country_ids[n % len(country_ids)],
                country_ids[(n * 3) % len(country_ids)],
                f"copied-{n}",
                now,
            )
            for n in range(rows)
        ),
    )
    _copy(
        "trainings_attendance",
        ("session_id", "person_id", "attended", "pre_score", "post_score"),
        ((session_id, ids[n], "t", n % 101, (n * 7) % 101) for n in range(rows)),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("scale", harness.SCALES, ids=harness.scale_id)
def test_session_list_and_import_stay_close_to_the_floor(scale, django_capture_on_commit_callbacks):
    """The API session list (page 1 and middle) and a sheet's import, against their floors."""
    if connection.vendor != "postgresql":
        pytest.fail("The benchmark needs PostgreSQL (DATABASE_URL).", pytrace=False)
    started = time.perf_counter()
    data = load_trainings(round(ATTENDANCES * scale))
    load_seconds = time.perf_counter() - started
    run = harness.Run("trainings API list and import", scale)
    path = "/api/v1/trainings/sessions/"
    for who in ("admin", "donor"):
        client = Client()
        client.force_login(data[who])
        count = client.get(path).json()["count"]
        middle = max(1, math.ceil(count / 50) // 2)
        for label, page in (("API sessions, page 1", 1), ("API sessions, middle", middle)):
            params = {
                "limit": 50,
                "offset": (page - 1) * 50,
                "org": data["donor"].organisation_id,
                "user": None,
            }
            floor = harness.Floor(floors.scoped(floors.SESSIONS_PAGE, who), params)
            run.add(harness.measure_get(client, label, who, f"{path}?page={page}", 10, floor=floor))

    rows = round(IMPORT_ROWS * scale)
    upload = sheet(rows)
    copied = tm.TrainingSession.objects.create(
        project=data["import_session"].project,
        title="Copied sheet",
        kind="training",
        host_country=data["import_session"].host_country,
        start_date=data["import_session"].start_date,
        end_date=data["import_session"].end_date,
        status="held",
    )
    country_ids = list(pm.Country.objects.order_by("pk").values_list("pk", flat=True))

    def run_import():
        with django_capture_on_commit_callbacks(execute=True):
            return attendance_import_start(
                user=data["admin"], session=data["import_session"], upload=upload
            )

    figure, record = harness.measure_once(
        "import of an attendance sheet (CSV)",
        "admin",
        run_import,
        floor=lambda: _copy_floor(rows, copied.pk, country_ids),
    )
    record.refresh_from_db()
    assert record.status == tm.ImportStatus.DONE, record.errors[:5]
    assert data["import_session"].attendances.count() == rows
    history = tm.Attendance.history.filter(session_id=data["import_session"].pk).count()
    assert history == rows
    run.add(figure)
    data["counts"]["rows imported"] = rows
    run.report(data["counts"], load_seconds)
    problems = run.check(max_exponent=1.1)
    problems += [
        f"{fig.label} ({fig.user}): {fig.ratio:.2f}x the floor"
        for fig in run.figures
        if fig.ratio is not None and fig.ratio > (3 if fig.label.startswith("import") else 1.5)
    ]
    print("\n".join(problems) or "All within bounds.")
