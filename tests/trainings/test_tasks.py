"""Large attendance sheets go through Celery (eager in tests) and finish once."""

import csv
import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from dashboards import invalidation
from tests import factories as f
from trainings import imports
from trainings.import_services import (
    attendance_import_run,
    attendance_import_start,
    import_progress_key,
)
from trainings.models import Attendance, AttendanceImport, ImportStatus, Person
from trainings.tasks import run_attendance_import

ROWS = imports.INLINE_ROWS + 200


def big_sheet(rows=ROWS, bad_row=None) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(imports.COLUMNS)
    for n in range(rows):
        score = "140" if n == bad_row else str(n % 101)
        sex = "female" if n % 2 else "male"
        writer.writerow([f"Officer {n}", sex, "", "", "police", "", "EG", "EG", "yes", "", score])
    return SimpleUploadedFile("big.csv", out.getvalue().encode())


@pytest.fixture
def session(portfolio):
    return f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])


def test_a_large_sheet_runs_after_commit_and_reaches_done(
    users, session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record = attendance_import_start(
            user=users["officer_eg"], session=session, upload=big_sheet()
        )
    assert record.status == ImportStatus.PENDING
    assert record.total_rows >= imports.INLINE_ROWS
    assert not Attendance.objects.exists()
    callbacks = [c for c in callbacks if c is not invalidation._bump]
    assert len(callbacks) == 1

    callbacks[0]()
    record.refresh_from_db()
    assert record.status == ImportStatus.DONE, record.errors
    assert record.total_rows == record.processed_rows == ROWS
    assert record.progress == 100
    assert record.finished_at is not None
    assert session.attendances.count() == ROWS
    assert Person.objects.count() == ROWS
    assert cache.get(import_progress_key(record.pk)) is None


def test_a_large_sheet_with_one_bad_row_writes_nothing(
    users, session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = attendance_import_start(
            user=users["admin"], session=session, upload=big_sheet(bad_row=700)
        )
    record.refresh_from_db()
    assert record.status == ImportStatus.REJECTED
    assert record.errors == [
        {"row": 702, "field": "post_score", "message": "A score must be between 0 and 100."}
    ]
    assert not Attendance.objects.exists()
    assert not Person.objects.exists()


def test_the_task_is_idempotent(users, session, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record = attendance_import_start(
            user=users["officer_eg"], session=session, upload=big_sheet()
        )
    first = run_attendance_import.delay(record.pk).get()
    second = run_attendance_import.delay(record.pk).get()
    assert first == second == {"id": record.pk, "status": "done", "rows": ROWS, "errors": 0}
    assert session.attendances.count() == ROWS


def test_a_rerun_after_a_crash_writes_once(users, session, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        record = attendance_import_start(
            user=users["officer_eg"], session=session, upload=big_sheet()
        )
    # A worker lost mid-write: its transaction rolled back, the record still says writing.
    AttendanceImport.objects.filter(pk=record.pk).update(status=ImportStatus.WRITING)
    assert attendance_import_run(import_id=record.pk).status == ImportStatus.DONE
    assert attendance_import_run(import_id=record.pk).status == ImportStatus.DONE
    assert session.attendances.count() == ROWS


def test_progress_is_counted_in_the_cache_while_writing(
    users, session, django_capture_on_commit_callbacks, monkeypatch
):
    seen = []
    original = cache.set

    def spy(key, value, *args, **kwargs):
        seen.append(("written", value))
        return original(key, value, *args, **kwargs)

    monkeypatch.setattr(cache, "set", spy)
    with django_capture_on_commit_callbacks(execute=True):
        record = attendance_import_start(
            user=users["officer_eg"], session=session, upload=big_sheet()
        )
    record.refresh_from_db()
    assert record.status == ImportStatus.DONE
    assert seen == [("written", ROWS)]  # one batch of 2,000 rows or fewer


def test_a_failure_is_recorded_and_nothing_written(
    users, session, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("trainings.import_services.attendances_bulk_add", broken)
    with django_capture_on_commit_callbacks(execute=False):
        record = attendance_import_start(
            user=users["officer_eg"], session=session, upload=big_sheet()
        )
    with pytest.raises(RuntimeError):
        run_attendance_import.delay(record.pk).get()
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED
    assert "nothing saved" in record.errors[0]["message"]
    assert "disk full" not in str(record.errors)
    assert not Attendance.objects.exists()
