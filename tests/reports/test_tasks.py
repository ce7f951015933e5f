import datetime

import pytest
from django.utils import timezone

from reports.models import DonorReport
from reports.tasks import build_donor_report, schedule_quarterly_reports


def test_the_task_builds_once_and_a_retry_is_harmless(make_report):
    report = make_report(status="queued")

    first = build_donor_report.delay(report.pk).get()
    report.refresh_from_db()
    names = (report.xlsx_file.name, report.pdf_file.name, report.finished_at)
    second = build_donor_report.delay(report.pk).get()

    report.refresh_from_db()
    assert first == second == {"id": report.pk, "status": "done"}
    assert (report.xlsx_file.name, report.pdf_file.name, report.finished_at) == names


def test_a_failing_task_leaves_the_reason_on_the_report(make_report, monkeypatch):
    import reports.content

    def broken(report, **kwargs):
        raise KeyError("currency")

    monkeypatch.setattr(reports.content, "report_content", broken)
    report = make_report(status="queued")

    with pytest.raises(KeyError):
        build_donor_report.delay(report.pk).get()

    report.refresh_from_db()
    assert (report.status, report.error) == ("failed", "KeyError: 'currency'")


def test_the_beat_task_is_idempotent(project_data, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2021, 10, 4))

    with django_capture_on_commit_callbacks(execute=True):
        first = schedule_quarterly_reports.delay(["en", "fr"]).get()
    with django_capture_on_commit_callbacks(execute=True):
        second = schedule_quarterly_reports.delay(["en", "fr"]).get()

    reports = DonorReport.objects.filter(scheduled=True)
    assert sorted(first) == sorted(r.pk for r in reports)
    assert second == []
    # The Lebanon, Egypt and regional projects all run through 2021-Q3.
    assert reports.count() == 3 * 2
    assert set(reports.values_list("status", flat=True)) == {"done"}


def test_the_beat_schedule_runs_the_task_on_a_quarter_first_days():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["donor-reports-quarterly"]
    schedule = entry["schedule"]

    assert entry["task"] == "reports.tasks.schedule_quarterly_reports"
    assert schedule.month_of_year == {1, 4, 7, 10}
    assert schedule.day_of_month == set(range(1, 8))
