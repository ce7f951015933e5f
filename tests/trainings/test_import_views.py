"""The import page: roles, upload, errors shown, template downloads and the status JSON."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from tests import factories as f
from tests.trainings.test_imports import GOOD, csv_upload, xlsx_upload
from trainings import imports
from trainings.models import Attendance, AttendanceImport, ImportStatus

EDITORS = {"officer_eg", "admin"}


@pytest.fixture
def session(portfolio):
    return f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(session) -> str:
    return f"/trainings/{session.pk}/import/"


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("officer_eg", 200),
        ("admin", 200),
        ("officer_lb_project", 404),
        ("case_worker_lb", 404),
        ("donor_b", 404),
        ("me", 403),
        ("analyst", 403),
        ("donor_a", 403),
    ],
)
def test_only_editors_in_scope_reach_the_page(users, session, who, expected):
    client = client_for(users[who])
    assert client.get(url(session)).status_code == expected
    upload = client.post(url(session), {"file": csv_upload(GOOD)})
    assert upload.status_code == expected if expected != 200 else 302
    assert client.get(f"{url(session)}template.csv").status_code == expected
    assert Attendance.objects.exists() is (who in EDITORS)


def test_anonymous_is_sent_to_sign_in(session):
    response = Client().get(url(session))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_page_shows_form_templates_and_columns(users, session):
    page = client_for(users["officer_eg"]).get(url(session)).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert f"/trainings/{session.pk}/import/template.xlsx" in page
    assert "country_of_work" in page
    assert "js/import_progress.js" in page
    assert "<script>" not in page  # CSP: no inline script


def test_good_sheet_is_imported_and_reported(users, session):
    client = client_for(users["officer_eg"])
    response = client.post(url(session), {"file": xlsx_upload(GOOD)}, follow=True)
    assert response.status_code == 200
    assert "3 participants imported." in response.content.decode()
    assert session.attendances.count() == 3


def test_bad_row_is_listed_with_its_row_and_nothing_saved(users, session):
    rows = [list(row) for row in GOOD]
    rows[2][imports.COLUMNS.index("nationality")] = "Narnia"
    response = client_for(users["officer_eg"]).post(
        url(session), {"file": csv_upload(rows)}, follow=True
    )
    page = response.content.decode()
    assert "nothing was saved" in page
    assert '<td class="num">4</td><td><code>nationality</code></td>' in page
    assert "Unknown country “Narnia”" in page
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    ("upload", "words"),
    [
        (SimpleUploadedFile("sheet.docx", b"PK\x03\x04"), "CSV or XLSX"),
        (SimpleUploadedFile("sheet.csv", b""), "The submitted file is empty."),
        (SimpleUploadedFile("sheet.csv", b"name;sex\nA;female\n"), "Missing columns"),
        (SimpleUploadedFile("sheet.csv", b"%PDF\x00\x00"), "not a text file"),
    ],
)
def test_bad_files_get_a_form_error(users, session, upload, words):
    response = client_for(users["officer_eg"]).post(url(session), {"file": upload})
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not AttendanceImport.objects.exists()


def test_no_file_at_all(users, session):
    response = client_for(users["officer_eg"]).post(url(session), {})
    assert response.status_code == 400
    assert not AttendanceImport.objects.exists()


def test_a_20_mb_upload_is_refused_before_its_body_is_read(users, session):
    client = client_for(users["officer_eg"])
    response = client.generic(
        "POST",
        url(session),
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(20 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "larger than 10 MB" in response.content.decode()


def test_a_file_past_the_limit_is_not_kept(users, session, monkeypatch):
    monkeypatch.setattr(imports, "MAX_BYTES", 2_000)
    body = "\n".join([",".join(imports.COLUMNS)] + [",female" + "," * 9] * 400)
    upload = SimpleUploadedFile("sheet.csv", body.encode())
    response = client_for(users["officer_eg"]).post(url(session), {"file": upload})
    assert response.status_code == 413
    assert not AttendanceImport.objects.exists()


def test_csrf_is_still_checked(users, session):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["officer_eg"])
    assert client.post(url(session), {"file": csv_upload(GOOD)}).status_code == 403
    assert not Attendance.objects.exists()


def test_templates_download(users, session):
    client = client_for(users["admin"])
    csv_file = client.get(f"{url(session)}template.csv")
    assert csv_file["Content-Disposition"].startswith("attachment")
    assert csv_file.content.decode("utf-8-sig").splitlines()[0] == ",".join(imports.COLUMNS)
    xlsx = client.get(f"{url(session)}template.xlsx")
    header = next(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert list(header) == list(imports.COLUMNS)
    assert client.get(f"{url(session)}template.ods").status_code == 404


def test_status_json_for_a_running_import(users, session):
    record = AttendanceImport.objects.create(
        session=session,
        uploaded_by=users["officer_eg"],
        original_name="big.csv",
        status=ImportStatus.VALIDATING,
        total_rows=4_000,
        processed_rows=1_000,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    page = client_for(users["officer_eg"]).get(url(session)).content.decode()
    assert f"/trainings/imports/{record.pk}/status/" in page
    assert '<progress max="100" value="25"' in page
    status = client_for(users["admin"]).get(f"/trainings/imports/{record.pk}/status/")
    assert status.json() == {
        "id": record.pk,
        "status": "validating",
        "label": "Checking rows",
        "processed_rows": 1_000,
        "total_rows": 4_000,
        "progress": 25,
        "finished": False,
        "error_count": 0,
    }
    assert client_for(users["me"]).get(f"/trainings/imports/{record.pk}/status/").status_code == 403
    outside = client_for(users["officer_lb_project"])
    assert outside.get(f"/trainings/imports/{record.pk}/status/").status_code == 404


def test_an_import_whose_worker_fell_silent_is_stopped_and_may_be_run_again(
    users, session, settings, django_capture_on_commit_callbacks
):
    silent = timezone.now() - datetime.timedelta(seconds=settings.JOB_STOPPED_AFTER + 1)
    record = AttendanceImport.objects.create(
        session=session,
        uploaded_by=users["officer_eg"],
        original_name="big.csv",
        status=ImportStatus.WRITING,
        total_rows=4_000,
        attempt=1,
        started_at=silent,
        heartbeat_at=silent,
    )
    officer = client_for(users["officer_eg"])
    page = officer.get(url(session)).content.decode()
    assert "Stopped: run it again" in page
    assert f"/trainings/imports/{record.pk}/run-again/" in page
    assert officer.get(f"/trainings/imports/{record.pk}/status/").json()["finished"] is True

    outside = client_for(users["officer_lb_project"])
    assert outside.post(f"/trainings/imports/{record.pk}/run-again/").status_code == 404
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = officer.post(f"/trainings/imports/{record.pk}/run-again/")

    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.status, record.attempt, len(callbacks)) == (ImportStatus.PENDING, 2, 1)
    assert officer.post(f"/trainings/imports/{record.pk}/run-again/").status_code == 302
    record.refresh_from_db()
    assert record.attempt == 2  # waiting for a worker: not queued twice


def test_a_refused_sheet_leads_the_page_and_is_checked_again_from_its_kept_copy(users, session):
    client = client_for(users["officer_eg"])
    client.post(url(session), {"file": csv_upload(GOOD[:1])})
    response = client.post(url(session), {"file": csv_upload(GOOD, name="full.csv")}, follow=True)
    page = response.content.decode()
    refused = AttendanceImport.objects.get(status=ImportStatus.REJECTED)
    assert "1 problem in the last sheet, nothing saved" in page
    assert page.index("import-refused") < page.index('id="upload-heading"')
    assert session.attendances.count() == 1

    # Once the session no longer lists her, the kept sheet goes through as it is.
    session.attendances.all().delete()
    recheck = f"/trainings/imports/{refused.pk}/check-again/"
    response = client.post(recheck, follow=True)
    assert "3 participants imported." in response.content.decode()
    assert session.attendances.count() == 3
    assert AttendanceImport.objects.filter(original_name="full.csv").count() == 2


@pytest.mark.parametrize(("who", "expected"), [("me", 403), ("officer_lb_project", 404)])
def test_only_editors_check_a_kept_sheet_again(users, session, who, expected):
    client_for(users["officer_eg"]).post(url(session), {"file": csv_upload([["", "woman"]])})
    refused = AttendanceImport.objects.get()
    response = client_for(users[who]).post(f"/trainings/imports/{refused.pk}/check-again/")
    assert response.status_code == expected
    assert AttendanceImport.objects.count() == 1


def test_a_finished_import_is_not_checked_again(users, session):
    client = client_for(users["officer_eg"])
    client.post(url(session), {"file": csv_upload(GOOD)})
    done = AttendanceImport.objects.get()
    response = client.post(f"/trainings/imports/{done.pk}/check-again/", follow=True)
    assert "Only a refused sheet can be checked again." in response.content.decode()
    assert AttendanceImport.objects.count() == 1


def test_a_session_kept_as_totals_offers_no_upload_and_says_how_to_switch(users, session):
    f.ParticipantCountFactory(session=session, dimension="sex", sex="female", count=5)
    client = client_for(users["officer_eg"])
    page = client.get(url(session)).content.decode()
    assert 'type="file"' not in page
    assert "One by one (names optional)" in page
    assert f"/trainings/{session.pk}/edit/" in page
    detail = client.get(f"/trainings/{session.pk}/").content.decode()
    assert url(session) not in detail
