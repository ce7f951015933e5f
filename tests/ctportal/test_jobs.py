"""The background-job component, on the portfolio export (the smallest job to build)."""

import datetime
import logging
import socket
import time

import pytest
from celery.exceptions import Retry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from ctportal import jobs
from ctportal.celery import app
from projects import models as pm
from projects.services import portfolio_export_request, portfolio_export_rerun
from projects.tasks import build_portfolio_export
from reports.models import DonorReport
from trainings.models import AttendanceImport


def export_files() -> set[str]:
    if not default_storage.exists("exports"):
        return set()
    return set(default_storage.listdir("exports")[1])


@pytest.fixture(autouse=True)
def _no_export_files_left():
    for name in export_files():
        default_storage.delete(f"exports/{name}")
    yield
    for name in export_files():
        default_storage.delete(f"exports/{name}")


@pytest.fixture
def broker_down(settings):
    """Celery as in production (not eager), its broker on a closed port of this machine."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    eager, url = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = f"redis://127.0.0.1:{port}/0"
    yield
    app.conf.task_always_eager, app.conf.broker_url = eager, url


def silent(seconds: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=seconds)


def test_every_background_job_uses_the_component():
    assert {model._meta.label for model in jobs.job_models()} == {
        "reports.DonorReport",
        "projects.PortfolioExport",
        "assistance.CTDCExport",
        "trainings.AttendanceImport",
    }
    assert DonorReport.job_task == "reports.tasks.build_donor_report"
    assert AttendanceImport.job_finished == ("done", "rejected")


def test_a_queued_job_is_sent_after_commit_with_its_attempt(
    users, portfolio, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export = portfolio_export_request(user=users["analyst"], fmt="csv")

    export.refresh_from_db()
    assert export.attempt == 1
    assert export.sent_at is not None and export.started_at is not None
    assert export.status == pm.ExportStatus.DONE
    assert export.job_state == jobs.JobState.DONE


# Broker down: the job waits in the outbox, the request does not ---------------------


def test_with_the_broker_down_a_request_returns_at_once_and_the_job_waits(
    users, portfolio, broker_down, django_capture_on_commit_callbacks, caplog
):
    started = time.monotonic()
    with (
        caplog.at_level(logging.WARNING, logger="ctportal.jobs"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        export = portfolio_export_request(user=users["analyst"], fmt="csv")
    elapsed = time.monotonic() - started

    export.refresh_from_db()
    assert elapsed < 2
    assert (export.status, export.sent_at) == (pm.ExportStatus.PENDING, None)
    assert export.in_progress and not export.stopped
    assert "broker is unreachable" in caplog.text


def test_the_sweeper_sends_what_the_broker_missed_once_it_is_back(
    users, portfolio, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export = portfolio_export_request(user=users["analyst"], fmt="csv")
    assert jobs.jobs_send_waiting() == 0  # still down: nothing sent, nothing lost

    app.conf.task_always_eager = True  # the broker is back (eager: built at once)
    assert jobs.jobs_send_waiting() == 1

    export.refresh_from_db()
    assert export.status == pm.ExportStatus.DONE and export.attempt == 1
    assert jobs.jobs_send_waiting() == 0


def test_a_job_sent_long_ago_and_never_started_is_sent_again(users, portfolio):
    export = pm.PortfolioExport.objects.create(
        requested_by=users["analyst"], format="csv", attempt=1, sent_at=silent(11 * 60)
    )

    assert jobs.jobs_send_waiting() == 1

    export.refresh_from_db()
    assert export.status == pm.ExportStatus.DONE


# A worker killed mid-job: stopped, run again, one copy ------------------------------


def running_export(users, *, heartbeat: datetime.datetime, attempt: int = 1):
    now = timezone.now()
    return pm.PortfolioExport.objects.create(
        requested_by=users["analyst"],
        format="csv",
        status=pm.ExportStatus.RUNNING,
        attempt=attempt,
        sent_at=now,
        started_at=now,
        heartbeat_at=heartbeat,
    )


def test_a_job_with_a_fresh_heartbeat_is_running_and_may_not_be_run_again(users, portfolio):
    export = running_export(users, heartbeat=timezone.now())

    assert export.in_progress and export.job_state == jobs.JobState.RUNNING
    with pytest.raises(ValidationError):
        portfolio_export_rerun(user=users["analyst"], pk=export.pk)


def test_a_job_whose_heartbeat_stopped_is_shown_stopped_and_may_be_run_again(
    users, portfolio, settings, django_capture_on_commit_callbacks
):
    export = running_export(users, heartbeat=silent(settings.JOB_STOPPED_AFTER + 1))
    assert export.stopped and not export.in_progress
    assert export.job_state == jobs.JobState.STOPPED

    with django_capture_on_commit_callbacks(execute=True):
        portfolio_export_rerun(user=users["analyst"], pk=export.pk)

    export.refresh_from_db()
    assert (export.status, export.attempt) == (pm.ExportStatus.DONE, 2)


def test_someone_else_may_not_run_an_export_again(users, portfolio, settings):
    export = running_export(users, heartbeat=silent(settings.JOB_STOPPED_AFTER + 1))

    with pytest.raises(PermissionDenied):
        portfolio_export_rerun(user=users["me"], pk=export.pk)
    export.refresh_from_db()
    assert export.attempt == 1


def test_a_late_redelivery_of_an_old_attempt_builds_no_second_copy(
    users, portfolio, settings, django_capture_on_commit_callbacks
):
    export = running_export(users, heartbeat=silent(settings.JOB_STOPPED_AFTER + 1))
    with django_capture_on_commit_callbacks(execute=True):
        portfolio_export_rerun(user=users["analyst"], pk=export.pk)
    export.refresh_from_db()
    done = (export.file.name, export.finished_at, export_files())

    # The killed worker's message comes back after its visibility timeout.
    late = build_portfolio_export.apply(args=(export.pk, 1)).get()
    again = build_portfolio_export.apply(args=(export.pk, 2)).get()

    export.refresh_from_db()
    assert late == again == {"id": export.pk, "status": "done", "projects": 3}
    assert (export.file.name, export.finished_at, export_files()) == done
    assert len(done[2]) == 1


def test_a_redelivery_while_the_job_still_runs_looks_again_later(users, portfolio):
    export = running_export(users, heartbeat=timezone.now())

    with pytest.raises(Retry):
        build_portfolio_export.apply(args=(export.pk, 1), throw=True).get()

    export.refresh_from_db()
    assert export.status == pm.ExportStatus.RUNNING and not export.file


def test_the_redelivery_of_a_dead_workers_attempt_takes_it_over(users, portfolio, settings):
    export = running_export(users, heartbeat=silent(settings.JOB_STOPPED_AFTER + 1))

    build_portfolio_export.apply(args=(export.pk, 1)).get()

    export.refresh_from_db()
    assert (export.status, export.attempt) == (pm.ExportStatus.DONE, 1)


def test_an_old_attempt_still_running_stops_at_its_next_heartbeat(users, portfolio):
    export = running_export(users, heartbeat=timezone.now())
    pm.PortfolioExport.objects.filter(pk=export.pk).update(attempt=2, status="pending")

    with pytest.raises(jobs.JobSuperseded):
        jobs.job_touch(export)
    assert jobs.job_finish(export, project_count=99) is False

    export.refresh_from_db()
    assert (export.status, export.project_count) == ("pending", 0)


def test_a_failure_is_recorded_and_the_job_may_be_run_again(
    users, portfolio, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(user, fmt, handle):
        raise OSError("disk full")

    monkeypatch.setattr("projects.exports.write_portfolio", broken)
    with pytest.raises(OSError), django_capture_on_commit_callbacks(execute=True):
        export = portfolio_export_request(user=users["analyst"], fmt="csv")
    export = pm.PortfolioExport.objects.get(requested_by=users["analyst"])
    assert (export.status, export.error, export.job_state) == ("failed", "OSError", "failed")
    monkeypatch.undo()

    with django_capture_on_commit_callbacks(execute=True):
        portfolio_export_rerun(user=users["analyst"], pk=export.pk)

    export.refresh_from_db()
    assert (export.status, export.error, export.attempt) == ("done", "", 2)


def test_the_heartbeat_thread_touches_a_running_job(users, portfolio, settings, transactional_db):
    settings.JOB_HEARTBEAT = 0.05
    export = running_export(users, heartbeat=silent(3600))
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with jobs.job_heartbeat(export):
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                export.refresh_from_db()
                if not export.stopped:
                    break
                time.sleep(0.05)
    finally:
        app.conf.task_always_eager = eager

    assert not export.stopped
