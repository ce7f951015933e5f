import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ctportal.audit import StaleVersion
from reports import services
from reports.models import DonorReport

EDITORS = ["officer_lb_project", "admin"]
NOT_EDITORS = ["officer_eg", "case_worker_lb", "me", "donor_b", "analyst", "norole"]


def create(user, project, **kwargs):
    values = {"period_kind": "quarter", "period": "2021-Q3", "language": "en"}
    return services.report_create(user=user, project=project, **{**values, **kwargs})


@pytest.mark.parametrize("name", EDITORS)
def test_editors_create_a_draft_with_derived_dates(users, project_data, name):
    report = create(
        users[name],
        project_data["project"],
        language="ar",
        narrative={"summary": "  Progress.  ", "challenges": "", "unknown": "x"},
    )

    assert report.status == "draft"
    assert (report.period_start, report.period_end) == (
        datetime.date(2021, 7, 1),
        datetime.date(2021, 9, 30),
    )
    assert report.summary == "Progress."
    assert report.requested_by == users[name]
    assert report.history.count() == 1


@pytest.mark.parametrize("name", NOT_EDITORS)
def test_others_may_not_create(users, project_data, name):
    with pytest.raises(PermissionDenied):
        create(users[name], project_data["project"])
    assert not DonorReport.objects.exists()


def test_bad_period_and_language_are_reported_together(users, project_data):
    with pytest.raises(ValidationError) as caught:
        create(users["admin"], project_data["project"], period="2030-Q1", language="de")

    assert set(caught.value.message_dict) == {"period", "language"}
    assert not DonorReport.objects.exists()


def test_a_second_report_of_the_same_period_and_language_is_refused(users, project_data):
    create(users["admin"], project_data["project"])
    other_language = create(users["admin"], project_data["project"], language="fr")

    with pytest.raises(ValidationError) as caught:
        create(users["officer_lb_project"], project_data["project"], period="2021q3")

    assert "already has a report for Q3 2021" in caught.value.message_dict["period"][0]
    assert other_language.language == "fr"
    assert DonorReport.objects.count() == 2


def test_narrative_update_bumps_the_version(users, make_report):
    report = make_report()

    services.report_update_narrative(
        user=users["officer_lb_project"],
        report=report,
        data={"summary": "New summary", "next_steps": "More trainings"},
        expected_version=1,
    )

    report.refresh_from_db()
    assert (report.version, report.summary, report.next_steps) == (
        2,
        "New summary",
        "More trainings",
    )
    assert report.challenges == "Travel restrictions delayed one workshop."


def test_narrative_update_on_a_stale_version_changes_nothing(users, make_report):
    report = make_report()
    services.report_update_narrative(
        user=users["admin"], report=report, data={"summary": "First"}, expected_version=1
    )
    stale = DonorReport.objects.get(pk=report.pk)
    stale.version = 1

    with pytest.raises(StaleVersion):
        services.report_update_narrative(
            user=users["officer_lb_project"],
            report=stale,
            data={"summary": "Second"},
            expected_version=1,
        )

    report.refresh_from_db()
    assert (report.summary, report.version) == ("First", 2)


@pytest.mark.parametrize("name", NOT_EDITORS)
def test_others_may_not_change_the_narrative(users, make_report, name):
    report = make_report()

    with pytest.raises(PermissionDenied):
        services.report_update_narrative(
            user=users[name], report=report, data={"summary": "x"}, expected_version=1
        )


@pytest.mark.parametrize("status", ["queued", "running"])
def test_narrative_is_locked_while_generating(users, make_report, status):
    report = make_report(status=status)

    with pytest.raises(ValidationError):
        services.report_update_narrative(
            user=users["admin"], report=report, data={"summary": "x"}, expected_version=1
        )
    report.refresh_from_db()
    assert report.version == 1


def test_generate_queues_and_builds_after_commit(
    users, make_report, django_capture_on_commit_callbacks
):
    report = make_report(status="failed", error="OSError: disk full")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.report_generate(user=users["officer_lb_project"], report=report)
    report.refresh_from_db()
    assert (report.status, report.error, len(callbacks)) == ("queued", "", 1)

    callbacks[0]()
    report.refresh_from_db()
    assert report.status == "done"
    assert report.progress == 100
    assert report.generated_version == report.version
    assert report.xlsx_file.name.endswith(f"donor-report-{report.pk}.xlsx")
    assert report.pdf_file.name.endswith(f"donor-report-{report.pk}.pdf")


def test_generate_refuses_a_report_already_being_generated(users, make_report):
    report = make_report(status="running", progress=40)

    with pytest.raises(ValidationError):
        services.report_generate(user=users["admin"], report=report)
    report.refresh_from_db()
    assert (report.status, report.progress) == ("running", 40)


def test_a_report_whose_worker_fell_silent_is_stopped_and_may_be_generated_again(
    users, make_report, settings, django_capture_on_commit_callbacks
):
    report = make_report(status="running", progress=70, step="pdf")
    silent = timezone.now() - datetime.timedelta(seconds=settings.JOB_STOPPED_AFTER + 1)
    DonorReport.objects.filter(pk=report.pk).update(heartbeat_at=silent)
    report.refresh_from_db()
    assert report.stopped and not report.in_progress
    assert report.job_state == "stopped"

    with django_capture_on_commit_callbacks(execute=True):
        services.report_generate(user=users["admin"], report=report)

    report.refresh_from_db()
    assert report.status == "done" and not report.stopped
    assert report.attempt == 1


def test_each_step_is_a_heartbeat(make_report, settings):
    report = make_report(status="running", progress=40)
    DonorReport.objects.filter(pk=report.pk).update(
        heartbeat_at=timezone.now() - datetime.timedelta(hours=2)
    )
    report.refresh_from_db()
    assert report.stopped

    services._set_state(report, progress=60)
    report.refresh_from_db()
    assert report.in_progress and not report.stopped


@pytest.mark.parametrize("name", NOT_EDITORS)
def test_others_may_not_generate(users, make_report, name):
    report = make_report()

    with pytest.raises(PermissionDenied):
        services.report_generate(user=users[name], report=report)
    report.refresh_from_db()
    assert report.status == "draft"


def report_files() -> set[str]:
    from django.core.files.storage import default_storage

    if not default_storage.exists("reports"):
        return set()
    return set(default_storage.listdir("reports")[1])


def test_build_records_steps_and_is_idempotent(make_report, monkeypatch):
    report = make_report(status="queued")
    seen = []
    original = services._set_state

    def record(report, **fields):
        seen.append(fields)
        original(report, **fields)

    monkeypatch.setattr(services, "_set_state", record)

    built = services.report_build(report_id=report.pk)
    steps = [fields.get("step") for fields in seen if fields.get("step")]
    percents = [fields["progress"] for fields in seen if "progress" in fields]
    again = services.report_build(report_id=report.pk)

    assert built.status == again.status == "done"
    assert steps == ["figures", "spreadsheet", "pdf", "saving"]
    assert percents == sorted(percents) and built.progress == 100
    assert again.finished_at == built.finished_at
    assert report_files() == {f"donor-report-{report.pk}.xlsx", f"donor-report-{report.pk}.pdf"}


def test_rebuilding_replaces_the_files_without_duplicates(users, make_report):
    report = make_report(status="queued")
    services.report_build(report_id=report.pk)
    first = report_files()
    services.report_update_narrative(
        user=users["admin"], report=report, data={"summary": "Changed"}, expected_version=1
    )
    report.refresh_from_db()
    assert report.files_outdated

    DonorReport.objects.filter(pk=report.pk).update(status="queued")
    rebuilt = services.report_build(report_id=report.pk)

    assert report_files() == first
    assert rebuilt.generated_version == rebuilt.version == 2
    assert not rebuilt.files_outdated


def test_a_failure_is_recorded_with_its_reason_and_a_retry_succeeds(make_report, monkeypatch):
    import reports.pdf

    report = make_report(status="queued")

    def broken(content):
        raise OSError("No space left on device")

    monkeypatch.setattr(reports.pdf, "render_pdf", broken)
    with pytest.raises(OSError):
        services.report_build(report_id=report.pk)

    report.refresh_from_db()
    assert report.status == "failed"
    assert report.error == "OSError: No space left on device"
    assert report.finished_at is not None
    assert not report.pdf_file and not report.xlsx_file
    assert report_files() == set()

    monkeypatch.undo()
    rebuilt = services.report_build(report_id=report.pk)
    assert (rebuilt.status, rebuilt.error) == ("done", "")
    assert len(report_files()) == 2


def test_a_crash_after_files_were_written_leaves_no_duplicates_on_retry(make_report, monkeypatch):
    report = make_report(status="queued")

    def crash_when_done(report, **fields):
        raise ConnectionError("database went away")

    monkeypatch.setattr(services, "job_finish", crash_when_done)
    with pytest.raises(ConnectionError):
        services.report_build(report_id=report.pk)
    monkeypatch.undo()
    report.refresh_from_db()
    assert report.status == "failed"

    services.report_build(report_id=report.pk)

    assert report_files() == {f"donor-report-{report.pk}.xlsx", f"donor-report-{report.pk}.pdf"}


D = datetime.date


def test_schedule_creates_the_previous_quarter_once_for_active_projects(
    portfolio, project_data, django_capture_on_commit_callbacks
):
    closed_before = portfolio["p_eg"]
    closed_before.planned_end = D(2021, 3, 31)
    closed_before.status = 4
    closed_before.save()
    pipeline = portfolio["p_both"]
    pipeline.status = 1
    pipeline.save()

    with django_capture_on_commit_callbacks(execute=True):
        queued = services.scheduled_reports_create(today=D(2021, 10, 2), languages=["en", "ar"])
    with django_capture_on_commit_callbacks(execute=True) as second:
        again = services.scheduled_reports_create(today=D(2021, 10, 5), languages=["en", "ar"])

    reports = DonorReport.objects.all()
    assert {(r.project, r.language) for r in reports} == {
        (portfolio["p_lb"], "en"),
        (portfolio["p_lb"], "ar"),
    }
    assert len(queued) == 2 and again == [] and second == []
    assert all(r.scheduled and r.status == "done" and r.requested_by is None for r in reports)
    assert {(r.period_start, r.period_end) for r in reports} == {(D(2021, 7, 1), D(2021, 9, 30))}


def test_schedule_waits_for_the_first_days_of_a_quarter(project_data):
    assert services.scheduled_reports_create(today=D(2021, 10, 8)) == []
    assert services.scheduled_reports_create(today=D(2021, 11, 15)) == []
    assert not DonorReport.objects.exists()


def test_schedule_queues_a_failed_report_again_but_not_a_finished_one(
    portfolio, project_data, django_capture_on_commit_callbacks
):
    failed = DonorReport.objects.create(
        project=portfolio["p_lb"],
        period_kind="quarter",
        period_start=D(2021, 7, 1),
        period_end=D(2021, 9, 30),
        language="en",
        scheduled=True,
        status="failed",
    )
    manual = DonorReport.objects.create(
        project=portfolio["p_lb"],
        period_kind="quarter",
        period_start=D(2021, 7, 1),
        period_end=D(2021, 9, 30),
        language="en",
        status="done",
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = services.scheduled_reports_create(today=D(2021, 10, 1))

    assert [r.pk for r in queued if r.project == portfolio["p_lb"]] == [failed.pk]
    failed.refresh_from_db()
    manual.refresh_from_db()
    assert (failed.status, manual.status) == ("queued", "done")
    assert len(callbacks) == len(queued)


def test_a_project_nobody_funds_gets_a_report_too(django_capture_on_commit_callbacks, users):
    from tests import factories as f

    project = f.ProjectFactory(title="Unfunded project")
    report = services.report_create(
        user=users["admin"], project=project, period_kind="year", period="2021", language="en"
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.report_generate(user=users["admin"], report=report)

    report.refresh_from_db()
    assert (report.status, report.error) == ("done", "")
