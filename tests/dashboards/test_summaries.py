"""Figures read from the summaries are the figures computed from the records.

Seeded random portfolios (trainings with people attending several sessions,
participants known only as totals, cases with services), a dashboard with a
widget for every metric by every dimension it offers (and some pairs and
filters), then for every role: each figure read from the summaries equals the
same figure computed directly, small cells hidden included. After a change by
any path (save, delete, the attendance import, the admin), no summary of the
data as it was is read.
"""

from __future__ import annotations

import datetime
import io
import itertools
import random
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import F

from assistance.models import Case
from assistance.selectors import case_figures
from ctportal import access
from dashboards import figures as figures_module
from dashboards.figures import figures
from dashboards.models import Kind, Widget
from dashboards.registry import METRICS
from dashboards.summaries.build import rebuild
from dashboards.summaries.models import FigureSummary, SummaryState
from projects.models import TransactionKind
from tests import factories as f
from trainings import imports
from trainings.breakdowns import DIMENSIONS as BREAKDOWNS
from trainings.breakdowns import training_breakdown
from trainings.import_services import attendance_import_start
from trainings.models import Attendance, Audience
from trainings.selectors import training_figures

ROLES = (
    "admin",
    "me",
    "analyst",
    "donor_a",
    "donor_b",
    "officer_eg",
    "officer_lb_project",
    "case_worker_lb",
)
SEXES = ("female", "male", "male", "")
INSTITUTIONS = ("police", "prosecution", "judiciary", "immigration", "")
CASE_SEXES = ("Female", "Male", "Transgender/NonConforming", "")
CITIZENSHIPS = ("ET", "BD", "PH", "SY", "")


def generate(rng: random.Random, portfolio: dict) -> None:
    """Sessions of every project in both countries over four years, 30 people attending a
    few each, sessions known only as totals, cases and services, money and outputs."""
    projects = [portfolio[k] for k in ("p_eg", "p_lb", "p_both")]
    countries = [portfolio["egypt"], portfolio["lebanon"]]
    audiences = list(Audience.objects.all())
    people = [
        f.PersonFactory(
            sex=rng.choice(SEXES),
            institution_type=rng.choice(INSTITUTIONS),
            country_of_work=rng.choice([*countries, None]),
        )
        for _ in range(30)
    ]
    for n in range(11):
        start = datetime.date(rng.randint(2020, 2023), rng.randint(1, 12), rng.randint(1, 28))
        session = f.TrainingSessionFactory(
            project=rng.choice(projects),
            host_country=rng.choice(countries),
            kind=rng.choice(["training", "workshop", "study_visit"]),
            start_date=start,
            end_date=start,
            status="planned" if n % 7 == 6 else "held",
        )
        session.audiences.set(rng.sample(audiences, rng.randint(0, 2)))
        if n % 5 == 4:
            women, men = rng.randint(1, 12), rng.randint(1, 12)
            f.ParticipantCountFactory(session=session, dimension="sex", sex="female", count=women)
            f.ParticipantCountFactory(session=session, dimension="sex", sex="male", count=men)
            if n % 2:
                f.ParticipantCountFactory(
                    session=session,
                    dimension="institution_type",
                    sex="",
                    institution_type="police",
                    count=women + men,
                )
                f.ParticipantCountFactory(
                    session=session,
                    dimension="country",
                    sex="",
                    country=rng.choice(countries),
                    count=women,
                )
            continue
        for person in rng.sample(people, rng.randint(1, 12)):
            pre = Decimal(rng.randint(20, 80)) if rng.random() < 0.8 else None
            f.AttendanceFactory(
                session=session,
                person=person,
                attended=rng.random() < 0.9,
                pre_score=pre,
                post_score=None if pre is None else pre + rng.randint(0, 20),
            )
    for _ in range(32):
        case = f.CaseFactory(
            country_office=rng.choice(countries),
            project=rng.choice(projects),
            identification_date=datetime.date(
                rng.randint(2020, 2023), rng.randint(1, 12), rng.randint(1, 28)
            ),
            sex=rng.choice(CASE_SEXES),
            age_at_identification=rng.choice([None, 12, 16, 19, 25, 34, 47, 61]),
            citizenship=rng.choice(CITIZENSHIPS),
            is_forced_labour=(labour := rng.random() < 0.5),
            labour_sector="typeOfLabourDomesticWork" if labour else "",
            is_sexual_exploit=rng.random() < 0.4,
        )
        for _ in range(rng.choice([0, 0, 1, 2])):
            f.ServiceFactory(case=case, kind=rng.choice(["shelter", "medical", "legal"]))
    for project in projects:
        f.IndicatorPeriodFactory(
            indicator__result__project=project,
            target=Decimal(rng.randint(10, 200)),
            actual=Decimal(rng.randint(0, 2000)) / 10,
        )
        for _ in range(3):
            f.TransactionFactory(
                project=project,
                kind=rng.choice(list(TransactionKind)),
                date=datetime.date(rng.randint(2020, 2023), rng.randint(1, 12), 1),
                value=Decimal(rng.randint(1, 90_000)) / 4,
            )


def every_figure_dashboard(portfolio: dict) -> list[Widget]:
    """A widget for every metric: its total, each dimension it offers, pairs of
    them, and a few filtered the ways a widget or its dashboard can be."""
    dashboard = f.DashboardFactory(slug="every-figure", audience="portfolio")
    specs = []
    for metric in METRICS.values():
        if metric.has_total:
            specs.append({"metric": metric.code, "kind": Kind.KPI})
        for dim in metric.dimensions:
            specs.append({"metric": metric.code, "kind": Kind.TABLE, "dimension": dim})
        for dim, series in itertools.islice(itertools.combinations(metric.dimensions, 2), 3):
            specs.append(
                {
                    "metric": metric.code,
                    "kind": Kind.TABLE,
                    "dimension": dim,
                    "series_dimension": series,
                }
            )
        first = metric.dimensions[0] if metric.dimensions else ""
        for narrowing in (
            {"filter_year": 2021},
            {"filter_country": portfolio["egypt"]},
            {"filter_donor": portfolio["donor_b"]},
            {"filter_project": portfolio["p_both"]},
        ):
            specs.append(
                {"metric": metric.code, "kind": Kind.TABLE, "dimension": first, **narrowing}
            )
    widgets = [
        f.WidgetFactory(dashboard=dashboard, position=n, **spec) for n, spec in enumerate(specs)
    ]
    assert not [w for w in widgets if w.shape_errors()]
    donors = f.DashboardFactory(
        slug="donor-b", audience="donor", donor=portfolio["donor_b"], is_published=True
    )
    widgets.append(
        f.WidgetFactory(
            dashboard=donors, kind=Kind.TABLE, metric="people_trained", dimension="year"
        )
    )
    return widgets


def viewer(users: dict, role: str):
    user = users[role]
    return f.verified(user) if role == "case_worker_lb" else user


def widget_figure(widget: Widget, user):
    return figures(widget.metric, user=user, dimensions=widget.dimensions, filters=widget.filters())


def plain(figure) -> tuple:
    return figure.dimensions, figure.long(), figure.total_records()


def read_everything(users: dict, widgets: list[Widget], api: bool = False) -> dict:
    """Every figure of every widget and both figures pages, for every role (and with
    ``api`` what the API answers unnarrowed)."""
    cache.clear()
    seen = {}
    for role in ROLES:
        user = viewer(users, role)
        for widget in widgets:
            if widget.dashboard.audience == "donor" and role not in ("donor_b", "admin"):
                continue
            seen[(role, widget.pk)] = plain(widget_figure(widget, user))
        seen[(role, "trainings")] = training_figures(user=user)
        seen[(role, "assistance")] = case_figures(user=user)
        if api and access.can_use(user, "dashboards"):
            seen.update(api_figures(role, user))
    return seen


def api_figures(role: str, user) -> dict:
    """What the metrics API and the trainings aggregate answer unnarrowed: every metric's
    total and its breakdown by each dimension (money asked by currency too), every ``by``."""
    seen = {}
    for metric in METRICS.values():
        shapes = [(), *((dim,) for dim in metric.dimensions)]
        if metric.unit == "money":
            shapes += [("currency",), *(("currency", dim) for dim in metric.dimensions)]
        for dims in shapes:
            seen[(role, "api", metric.code, dims)] = plain(
                figures(metric.code, user=user, dimensions=dims)
            )
    for by in BREAKDOWNS:
        seen[(role, "aggregate", by)] = training_breakdown(user=user, by=by)
    return seen


def direct(users: dict, widgets: list[Widget], monkeypatch, api: bool = False) -> dict:
    """The same figures computed from the records: the summaries are made out of date."""
    SummaryState.objects.update(version=F("version") + 1)
    with monkeypatch.context() as patch:
        patch.setattr("dashboards.summaries.store.read", lambda *args: None)
        return read_everything(users, widgets, api)


def from_summaries(users: dict, widgets: list[Widget], monkeypatch, api: bool = False) -> dict:
    """The figures with nothing computed from the records: every one must be a summary."""

    def not_expected(*args, **kwargs):
        raise AssertionError("computed from the records although a summary is current")

    with monkeypatch.context() as patch:
        patch.setattr(figures_module, "raw_figure", not_expected)
        patch.setattr("trainings.selectors.training_numbers", not_expected)
        patch.setattr("assistance.selectors.case_numbers", not_expected)
        patch.setattr("trainings.breakdowns.breakdown_numbers", not_expected)
        return read_everything(users, widgets, api)


@pytest.fixture
def figured(portfolio, users, request):
    generate(random.Random(request.param), portfolio)
    return every_figure_dashboard(portfolio)


@pytest.mark.parametrize("figured", [3, 2024], indirect=True)
def test_every_figure_from_the_summaries_is_the_direct_one(figured, users, monkeypatch):
    done = rebuild()
    assert done["written"] and done["summaries"] > len(figured)

    summarised = from_summaries(users, figured, monkeypatch, api=True)
    computed = direct(users, figured, monkeypatch, api=True)

    assert summarised.keys() == computed.keys()
    for key, value in computed.items():
        assert summarised[key] == value, key
    # Something was counted and something hidden, or the comparison proves little.
    donor_cells = [
        row
        for (role, *_which), fig in computed.items()
        if role == "donor_a" and isinstance(fig, tuple)
        for row in fig[1]
    ]
    assert any(row["suppressed"] for row in donor_cells)
    assert any(row["value"] for row in donor_cells)
    # The unnarrowed API figures and the aggregate were among them, hidden cells included.
    assert any(which[0] == "api" for (_role, *which) in computed)
    aggregate = [computed[("donor_a", "aggregate", by)] for by in BREAKDOWNS]
    assert any(row.people_trained.suppressed for fig in aggregate for row in fig.rows)


@pytest.fixture
def small(portfolio, users):
    generate(random.Random(5), portfolio)
    widgets = [
        f.WidgetFactory(kind=Kind.KPI, metric="people_trained"),
        f.WidgetFactory(kind=Kind.TABLE, metric="people_trained", dimension="sex"),
        f.WidgetFactory(kind=Kind.TABLE, metric="attendances", dimension="country"),
        f.WidgetFactory(kind=Kind.TABLE, metric="cases_assisted", dimension="sex"),
        f.WidgetFactory(kind=Kind.TABLE, metric="sessions_held", dimension="audience"),
    ]
    assert rebuild()["written"]
    return widgets


def stale_then_rebuilt(users, widgets, monkeypatch):
    """After a change: nothing outdated is read, and the rebuild catches up."""
    state = SummaryState.objects.get()
    assert state.version != state.built_version, "the change did not retire the summaries"
    computed = direct(users, widgets, monkeypatch)
    SummaryState.objects.update(version=F("version") - 1)  # undo direct()'s own move
    assert read_everything(users, widgets) == computed
    assert rebuild()["written"]
    assert from_summaries(users, widgets, monkeypatch) == computed
    return computed


def test_a_saved_attendance_is_counted_at_once(
    small, users, portfolio, monkeypatch, django_capture_on_commit_callbacks
):
    before = read_everything(users, small)
    session = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    with django_capture_on_commit_callbacks(execute=True):
        f.AttendanceFactory(session=session, person=f.PersonFactory(sex="male"))

    after = stale_then_rebuilt(users, small, monkeypatch)

    assert after[("admin", "trainings")].people_trained.value == (
        before[("admin", "trainings")].people_trained.value + 1
    )


def test_a_deleted_attendance_and_a_changed_case_are_counted_at_once(
    small, users, monkeypatch, django_capture_on_commit_callbacks
):
    before = read_everything(users, small)
    attendance = Attendance.objects.filter(attended=True, session__status="held").first()
    case = Case.objects.filter(services__isnull=False).first()
    with django_capture_on_commit_callbacks(execute=True):
        attendance.delete()
        case.sex = "Male" if case.sex != "Male" else "Female"
        case.save()

    after = stale_then_rebuilt(users, small, monkeypatch)

    assert after[("admin", "trainings")].attendances.value == (
        before[("admin", "trainings")].attendances.value - 1
    )


def test_an_imported_sheet_is_counted_at_once(
    small, users, portfolio, monkeypatch, django_capture_on_commit_callbacks
):
    """The import writes in bulk, without signals, and says so itself."""
    session = f.TrainingSessionFactory(project=portfolio["p_lb"], host_country=portfolio["lebanon"])
    out = io.StringIO()
    out.write(",".join(imports.COLUMNS) + "\n")
    for n in range(6):
        out.write(f"Imported {n},female,25-34,Ministry,police,Officer,LB,LB,yes,{n},{n + 5}\n")
    upload = SimpleUploadedFile("sheet.csv", out.getvalue().encode())
    before = read_everything(users, small)
    with django_capture_on_commit_callbacks(execute=True):
        record = attendance_import_start(user=users["admin"], session=session, upload=upload)
    record.refresh_from_db()
    assert record.status == "done", record.errors

    after = stale_then_rebuilt(users, small, monkeypatch)

    assert after[("admin", "trainings")].attendances.value == (
        before[("admin", "trainings")].attendances.value + 6
    )


def test_a_change_in_the_admin_is_counted_at_once(
    small, users, monkeypatch, client, django_capture_on_commit_callbacks
):
    attendance = Attendance.objects.filter(attended=True, session__status="held").first()
    client.force_login(users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/trainings/attendance/{attendance.pk}/delete/", {"post": "yes"}
        )
    assert response.status_code == 302

    stale_then_rebuilt(users, small, monkeypatch)
    assert not Attendance.objects.filter(pk=attendance.pk).exists()


def test_a_rebuild_that_missed_a_change_writes_nothing(small, users, monkeypatch):
    """A change committed while the rebuild computes: its figures are not written."""
    from dashboards.summaries import build

    real = build.scopes

    def changing_meanwhile():
        yield from real()
        SummaryState.objects.update(version=F("version") + 1)

    monkeypatch.setattr(build, "scopes", changing_meanwhile)
    stored = list(FigureSummary.objects.values_list("pk", flat=True))

    assert rebuild()["written"] is False
    assert list(FigureSummary.objects.values_list("pk", flat=True)) == stored
    assert read_everything(users, small) == direct(users, small, monkeypatch)


def test_the_command_fills_the_summaries(small, users, monkeypatch):
    FigureSummary.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_summaries", stdout=out)
    assert "figures for" in out.getvalue()
    from_summaries(users, small, monkeypatch)  # raises if anything is computed


def test_the_task_fills_the_summaries(small, users, monkeypatch):
    from dashboards.tasks import rebuild_summaries

    FigureSummary.objects.all().delete()
    assert rebuild_summaries.delay().get()["written"]
    from_summaries(users, small, monkeypatch)


def test_a_dashboard_read_from_the_summaries_costs_few_queries(
    small, users, django_assert_max_num_queries
):
    cache.clear()
    # A lookup each, the labels of the dimensions shown, the widgets and the viewer's scope.
    with django_assert_max_num_queries(len(small) * 3 + 4):
        for widget in small:
            widget_figure(widget, users["donor_a"])


def test_a_dashboard_reads_its_summaries_in_one_query(small, users, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    dashboard = small[0].dashboard
    for widget in small[1:]:
        widget.dashboard = dashboard
        widget.save()
    client.force_login(users["donor_a"])
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/dashboards/{dashboard.slug}/")
    assert response.status_code == 200
    reads = [q["sql"] for q in queries if "dashboards_figuresummary" in q["sql"]]
    assert len(reads) == 1
    assert not [q for q in queries if "trainings_attendance" in q["sql"]]


def test_the_api_answers_unnarrowed_figures_from_the_summaries(small, users, client):
    """Breakdowns no widget shows are summaries too; narrowed ones are computed, the same."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users["analyst"])
    paths = ["/api/v1/metrics/people_trained/data/?dimensions=institution_type"]
    paths += [f"/api/v1/trainings/aggregate/?by={by}" for by in BREAKDOWNS]
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        answers = [client.get(path).json() for path in paths]
    assert not [q for q in queries if "trainings_attendance" in q["sql"]]
    assert answers[0]["results"] and all(a["totals"] for a in answers)

    narrowed = "/api/v1/trainings/aggregate/?by=sex&kind=training"
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        summarised = client.get(narrowed).json()
    assert [q for q in queries if "trainings_attendance" in q["sql"]]
    SummaryState.objects.update(version=F("version") + 1)
    cache.clear()
    assert client.get(narrowed).json() == summarised
    assert [client.get(path).json() for path in paths] == answers
