"""Uploads, downloads, export files, key rotation and migrate_media on an S3-compatible server."""

import csv
import io

import pytest
from cryptography.fernet import Fernet
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from assistance import care_services as care
from assistance.export_services import ctdc_export_request
from assistance.note_files import attachments_reencrypt, note_attachment_response
from ctportal.files import SANDBOX_POLICY
from ctportal.jobs import job_store
from projects.models import Document, PortfolioExport
from projects.services import portfolio_export_request
from tests.s3.conftest import bucket_keys, s3_client

pytestmark = pytest.mark.s3

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n(Passport of Zahra-Unique-Name)\n%%EOF\n"
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def content(response) -> bytes:
    return b"".join(response.streaming_content)


def assert_protected(response) -> None:
    assert response["Content-Security-Policy"] == SANDBOX_POLICY
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_document_goes_to_the_bucket_and_comes_back_through_the_portal(
    client, portfolio, users, s3_media, s3_options
):
    project = portfolio["p_eg"]
    client.force_login(users["officer_eg"])
    form = {"title": "Evaluation", "category": "A07", "language": "en", "url": ""}
    form["file"] = SimpleUploadedFile("evaluation.pdf", PDF)

    response = client.post(reverse("projects:document_upload", args=[project.pk]), form)

    assert response.status_code == 302
    document = Document.objects.get(project=project)
    assert bucket_keys(s3_options, s3_media) == {document.file.name: PDF}
    url = reverse("projects:document", args=[project.pk, document.pk])
    download = client.get(url)
    assert download.status_code == 200
    assert content(download) == PDF
    assert download["Content-Length"] == str(len(PDF))
    assert_protected(download)

    client.force_login(users["officer_lb_project"])
    assert client.get(url).status_code == 404
    client.force_login(users["officer_eg"])
    s3_client(s3_options).delete_object(Bucket=s3_media, Key=document.file.name)
    assert client.get(url).status_code == 404


@pytest.fixture
def key_a(settings):
    """Identities (and authenticator secrets) encrypted with KEY_A from the start."""
    settings.IDENTITY_ENCRYPTION_KEYS = [KEY_A]


def test_attachments_reach_the_bucket_encrypted_and_rotate_in_place(
    key_a, settings, case_workers, cases, s3_media, s3_options
):
    note = care.note_add(
        user=case_workers["lb"],
        case=cases["lb"],
        text="Passport copy",
        attachment=SimpleUploadedFile("passport.pdf", PDF),
        attachment_title="Passport",
    )
    stored = bucket_keys(s3_options, s3_media)
    assert list(stored) == [note.attachment.name]
    assert b"Zahra-Unique-Name" not in stored[note.attachment.name]
    assert Fernet(KEY_A).decrypt(stored[note.attachment.name]) == PDF

    settings.IDENTITY_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    call_command("rotate_identity_keys", stdout=io.StringIO())

    rotated = bucket_keys(s3_options, s3_media)
    assert list(rotated) == [note.attachment.name]
    assert Fernet(KEY_B).decrypt(rotated[note.attachment.name]) == PDF
    settings.IDENTITY_ENCRYPTION_KEYS = [KEY_B]
    response = note_attachment_response(
        user=case_workers["lb"], case_pk=cases["lb"].pk, note_pk=note.pk
    )
    assert content(response) == PDF
    assert_protected(response)
    assert attachments_reencrypt() == 0


def test_a_portfolio_export_is_built_into_the_bucket_and_streamed(
    client, users, portfolio, s3_media, s3_options, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export = portfolio_export_request(user=users["admin"], fmt=PortfolioExport.Format.CSV)
    export.refresh_from_db()

    assert (export.status, export.project_count) == ("done", 3)
    stored = bucket_keys(s3_options, s3_media)
    assert list(stored) == [export.file.name]
    client.force_login(users["admin"])
    response = client.get(reverse("projects:export_download", args=[export.pk]))
    assert response.status_code == 200
    assert content(response) == stored[export.file.name]
    rows = list(csv.reader(io.StringIO(stored[export.file.name].decode("utf-8-sig"))))
    assert len(rows) == 4
    assert_protected(response)
    client.force_login(users["me"])
    assert client.get(reverse("projects:export_download", args=[export.pk])).status_code == 404

    # A job's next attempt writes under the same name, one copy.
    name = job_store(export, "file", f"portfolio-{export.pk}.csv", ContentFile(b"again"))
    assert name == export.file.name
    assert bucket_keys(s3_options, s3_media) == {name: b"again"}


def test_a_ctdc_spreadsheet_is_built_into_the_bucket(
    users, shared, committed, s3_media, s3_options
):
    export = committed(ctdc_export_request, user=users["me"], fmt="xlsx")

    assert export.status == "done" and export.row_count > 0
    stored = bucket_keys(s3_options, s3_media)
    assert list(stored) == [export.file.name]
    sheet = load_workbook(io.BytesIO(stored[export.file.name]))["CTDC"]
    assert sheet.max_row == export.row_count + 1


def migrate(*args) -> str:
    out = io.StringIO()
    call_command("migrate_media", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_migrate_media_moves_local_files_to_the_bucket_and_resumes(
    settings, tmp_path, s3_media, s3_options
):
    settings.MEDIA_ROOT = tmp_path / "media"
    local = FileSystemStorage()
    files = {
        "documents/2026/ab12cd34-report.pdf": PDF,
        "case-notes/2026/ef56-passport.pdf": b"gAAAAAtoken",
        "exports/ctdc/ctdc-7.csv": b"a,b\r\n" * 500,
        "research/2025/تقرير.pdf": PDF + b"ar",
    }
    for name, data in files.items():
        assert local.save(name, ContentFile(data)) == name

    dry = migrate("--from", "local", "--to", "s3", "--dry-run")
    assert "would copy 4" in dry and "already there 0, failed 0" in dry
    assert bucket_keys(s3_options, s3_media) == {}

    first = migrate("--from", "local", "--to", "s3")
    assert "copied 4" in first and "already there 0, failed 0" in first
    assert bucket_keys(s3_options, s3_media) == files
    assert default_storage.open("research/2025/تقرير.pdf").read() == PDF + b"ar"

    again = migrate("--from", "local", "--to", "s3")
    assert "copied 0 (0 bytes), already there 4, failed 0" in again

    local.delete("exports/ctdc/ctdc-7.csv")
    local.save("exports/ctdc/ctdc-7.csv", ContentFile(b"a,b\r\n" * 600))
    local.delete("case-notes/2026/ef56-passport.pdf")
    local.save("case-notes/2026/ef56-passport.pdf", ContentFile(b"gAAAAAnext!"))
    by_size = migrate("--from", "local", "--to", "s3")
    assert "copied 1" in by_size and "already there 3" in by_size
    by_content = migrate("--from", "local", "--to", "s3", "--checksum")
    assert "copied 1" in by_content and "already there 3" in by_content
    stored = bucket_keys(s3_options, s3_media)
    assert stored["exports/ctdc/ctdc-7.csv"] == b"a,b\r\n" * 600
    assert stored["case-notes/2026/ef56-passport.pdf"] == b"gAAAAAnext!"

    back = tmp_path / "back"
    assert "copied 4" in migrate("--from", "s3", "--to", f"file://{back}")
    restored = FileSystemStorage(location=back)
    assert {name: restored.open(name).read() for name in files} == {
        name: stored[name] for name in files
    }
