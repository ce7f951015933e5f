import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from research.forms import AttachmentForm
from research.models import ActivityMaterial, OutputFile
from tests.conftest import EXPECTED_PAGES as EXPECTED_PROJECTS
from tests.research.test_selectors import expected

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(64)
# Case workers use no research page (tested below): every one is a 404 for them.
ROLES = [name for name in EXPECTED_PROJECTS if name not in ("norole", "case_worker_lb")]


def upload(client, output, name="handbook.pdf", content=PDF, **data):
    form = {"title": "Handbook (PDF)", "language": "ar", "url": "", **data}
    if name is not None:
        form["file"] = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(reverse("research:output_upload", args=[output.pk]), form)


def test_an_officer_uploads_a_pdf_and_it_is_stored_under_a_safe_name(client, users, research):
    output = research["outputs"]["p_eg"]
    client.force_login(users["officer_eg"])
    response = upload(client, output, name="Handbook ar (final).pdf")
    assert response.status_code == 302
    stored = OutputFile.objects.get()
    assert stored.file.name.startswith("research/")
    assert " " not in stored.file.name and "(" not in stored.file.name


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("tool.exe", EXE, "cannot be uploaded"),
        ("report.pdf", EXE, "content is not PDF"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_bad_files_get_a_clear_message_and_nothing_is_stored(
    client, users, research, name, content, message
):
    client.force_login(users["officer_eg"])
    response = upload(client, research["outputs"]["p_eg"], name=name, content=content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not OutputFile.objects.exists()


@pytest.mark.parametrize(
    "name,message",
    [
        ("..\\report.pdf", "must not contain folders"),
        ("report\u202egpj.pdf", "control or invisible characters"),
        ("x" * 300 + ".pdf", "too long"),
    ],
)
def test_dangerous_names_are_refused_by_the_form(name, message):
    form = AttachmentForm(
        {"title": "Report"}, {"file": SimpleUploadedFile(name, PDF, "application/pdf")}
    )
    with translation.override("en"):
        assert not form.is_valid()
    assert message in form.errors["file"][0]


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "report\u202egpj.pdf"])
def test_a_name_with_folders_or_controls_never_reaches_storage(client, users, research, name):
    client.force_login(users["officer_eg"])
    upload(client, research["outputs"]["p_eg"], name=name)
    for attachment in OutputFile.objects.all():
        stored = attachment.file.name.removeprefix("research/").split("/", 1)[1]
        assert "/" not in stored and ".." not in stored and stored.isprintable()


def test_a_file_over_the_limit_is_refused(client, users, research, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    client.force_login(users["officer_eg"])
    response = upload(client, research["outputs"]["p_eg"], content=PDF + bytes(4096))
    assert response.status_code == 400
    assert "largest file accepted" in response.content.decode()
    assert not OutputFile.objects.exists()


def test_a_link_instead_of_a_file(client, users, research):
    client.force_login(users["admin"])
    response = upload(client, research["outputs"]["none"], name=None, url="example.org/h.pdf")
    assert response.status_code == 302
    assert OutputFile.objects.get().url == "https://example.org/h.pdf"
    response = upload(client, research["outputs"]["none"], name=None)
    assert response.status_code == 400
    assert "Attach a file or give a link" in response.content.decode()


@pytest.mark.parametrize("name", ROLES)
def test_uploads_are_for_editors_in_scope(client, users, research, name):
    client.force_login(users[name])
    output = research["outputs"]["p_eg"]
    status = upload(client, output).status_code
    if "p_eg" not in EXPECTED_PROJECTS[name]:
        assert status == 404
    else:
        assert status == (302 if name in {"officer_eg", "admin"} else 403)


@pytest.mark.parametrize("name", ROLES)
def test_downloads_follow_the_records_scope(client, users, research, name):
    files = {}
    for key, output in research["outputs"].items():
        files[key] = OutputFile.objects.create(
            output=output, title=f"File {key}", file=ContentFile(PDF, name="f.pdf")
        )
    client.force_login(users[name])
    seen = expected(name, research["outputs"])
    for key, attachment in files.items():
        url = reverse("research:output_file", args=[attachment.output_id, attachment.pk])
        response = client.get(url)
        assert response.status_code == (200 if key in seen else 404), key
        if key in seen:
            assert response["Content-Disposition"].startswith("attachment")
            assert response["X-Content-Type-Options"] == "nosniff"


def test_a_file_is_not_served_under_another_record(client, users, research):
    attachment = OutputFile.objects.create(
        output=research["outputs"]["p_lb"], title="Hidden", file=ContentFile(PDF, name="f.pdf")
    )
    client.force_login(users["officer_eg"])
    url = reverse("research:output_file", args=[research["outputs"]["p_eg"].pk, attachment.pk])
    assert client.get(url).status_code == 404


def test_awareness_materials_upload_and_download(client, users, research):
    activity = research["activities"]["p_eg"]
    client.force_login(users["officer_eg"])
    response = client.post(
        reverse("research:activity_upload", args=[activity.pk]),
        {"title": "Leaflet", "file": SimpleUploadedFile("leaflet.pdf", PDF)},
    )
    assert response.status_code == 302
    material = ActivityMaterial.objects.get()
    url = reverse("research:activity_file", args=[activity.pk, material.pk])
    assert client.get(url).status_code == 200
    client.force_login(users["officer_lb_project"])
    assert client.get(url).status_code == 404
