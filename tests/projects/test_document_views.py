import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from projects.models import Document
from tests import factories as f
from tests.conftest import EXPECTED_PROJECTS

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(32)
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(64)
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(64)
# Case workers do not use project and training pages (tests/ctportal/test_navigation.py).
ROLES = [name for name in EXPECTED_PROJECTS if name not in ("norole", "case_worker_lb")]
EDITORS = {"officer_eg", "officer_lb_project", "admin"}


def stored_files(path: str = "") -> set[str]:
    try:
        folders, files = default_storage.listdir(path)
    except FileNotFoundError:
        return set()
    found = {f"{path}{name}" for name in files}
    for folder in folders:
        found |= stored_files(f"{path}{folder}/")
    return found


def with_file(project, title="Final report", name="report.pdf", content=PDF) -> Document:
    return f.DocumentFactory(
        project=project, title=title, url="", file=ContentFile(content, name=name)
    )


def download_url(document: Document) -> str:
    return reverse("projects:document", args=[document.project_id, document.pk])


def upload_url(project) -> str:
    return reverse("projects:document_upload", args=[project.pk])


def form_data(file=None, **overrides):
    data = {
        "title": "Evaluation report",
        "category": "A07",
        "language": "fr",
        "document_date": "2023-06-30",
        "url": "",
        **overrides,
    }
    if file is not None:
        data["file"] = file
    return data


@pytest.mark.parametrize("role", ROLES)
def test_every_role_downloads_documents_of_visible_projects_only(client, portfolio, users, role):
    documents = {
        key: with_file(portfolio[key], title=f"Report {key}")
        for key in portfolio
        if key.startswith("p_")
    }
    client.force_login(users[role])

    for key, document in documents.items():
        response = client.get(download_url(document))
        if key in EXPECTED_PROJECTS[role]:
            assert response.status_code == 200, (role, key)
            assert response["Content-Disposition"] == f'attachment; filename="Report {key}.pdf"'
            assert response["Content-Type"] == "application/pdf"
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["Content-Security-Policy"].startswith("sandbox")
            assert b"".join(response.streaming_content) == PDF
        else:
            assert response.status_code == 404, (role, key)


def test_a_document_is_only_found_under_its_own_project(client, portfolio, users):
    document = with_file(portfolio["p_eg"])
    client.force_login(users["admin"])

    url = reverse("projects:document", args=[portfolio["p_lb"].pk, document.pk])

    assert client.get(url).status_code == 404


def test_anonymous_and_roleless_users_are_sent_to_sign_in(client, portfolio, users):
    url = download_url(with_file(portfolio["p_eg"]))

    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))

    client.force_login(users["norole"])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_link_only_document_has_no_download(client, portfolio, users):
    document = f.DocumentFactory(project=portfolio["p_eg"])
    client.force_login(users["admin"])

    assert client.get(download_url(document)).status_code == 404


def test_media_files_are_not_served_by_path(client, portfolio, users):
    document = with_file(portfolio["p_eg"])
    client.force_login(users["admin"])

    assert client.get(f"/media/{document.file.name}").status_code == 404


def test_project_page_links_files_through_the_protected_download(client, portfolio, users):
    document = with_file(portfolio["p_eg"])
    link = f.DocumentFactory(project=portfolio["p_eg"], title="Published study")
    client.force_login(users["donor_a"])

    html = client.get(reverse("projects:detail", args=[portfolio["p_eg"].pk])).content.decode()

    assert f'href="{download_url(document)}"' in html
    assert f'href="{link.url}"' in html
    assert "/media/" not in html


@pytest.mark.parametrize("role", ROLES)
def test_upload_form_is_shown_to_editors_only(client, portfolio, users, role):
    project = portfolio["p_both"] if role != "officer_lb_project" else portfolio["p_lb"]
    client.force_login(users[role])

    html = client.get(reverse("projects:detail", args=[project.pk])).content.decode()

    assert (f'action="{upload_url(project)}"' in html) == (role in EDITORS)


def test_officer_in_scope_uploads_a_file(client, portfolio, users):
    project = portfolio["p_eg"]
    officer = users["officer_eg"]
    client.force_login(officer)
    before = stored_files()

    response = client.post(
        upload_url(project), form_data(SimpleUploadedFile("Évaluation finale.pdf", PDF))
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("projects:detail", args=[project.pk]) + "#documents"
    document = Document.objects.get(project=project)
    assert (document.title, document.category, document.language) == (
        "Evaluation report",
        "A07",
        "fr",
    )
    assert str(document.document_date) == "2023-06-30"
    assert re.fullmatch(r"documents/\d{4}/[0-9a-f]{8}-Évaluation-finale\.pdf", document.file.name)
    assert stored_files() - before == {document.file.name}
    history = document.history.get()
    assert (history.history_type, history.history_user) == ("+", officer)
    assert client.get(download_url(document)).status_code == 200


def test_editor_adds_a_link_instead_of_a_file(client, portfolio, users):
    client.force_login(users["admin"])

    response = client.post(
        upload_url(portfolio["p_lb"]), form_data(url="https://example.org/study.pdf")
    )

    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.url, document.file.name) == ("https://example.org/study.pdf", "")


def test_neither_file_nor_link_is_refused(client, portfolio, users):
    client.force_login(users["admin"])

    response = client.post(upload_url(portfolio["p_lb"]), form_data())

    assert response.status_code == 400
    assert "Attach a file or give a link." in response.content.decode()
    assert not Document.objects.exists()


def test_upload_page_shows_the_form(client, portfolio, users):
    client.force_login(users["officer_eg"])

    response = client.get(upload_url(portfolio["p_eg"]))

    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()


@pytest.mark.parametrize("role", ["donor_a", "analyst", "me"])
def test_non_editors_cannot_upload(client, portfolio, users, role):
    client.force_login(users[role])
    before = stored_files()

    response = client.post(
        upload_url(portfolio["p_both"]), form_data(SimpleUploadedFile("report.pdf", PDF))
    )

    assert response.status_code == 403
    assert client.get(upload_url(portfolio["p_both"])).status_code == 403
    assert not Document.objects.exists()
    assert stored_files() == before


def test_editors_cannot_upload_out_of_their_scope(client, portfolio, users):
    client.force_login(users["officer_eg"])

    response = client.post(
        upload_url(portfolio["p_lb"]), form_data(SimpleUploadedFile("report.pdf", PDF))
    )

    assert response.status_code == 404
    assert not Document.objects.exists()


def test_anonymous_upload_is_sent_to_sign_in(client, portfolio):
    response = client.post(
        upload_url(portfolio["p_eg"]), form_data(SimpleUploadedFile("report.pdf", PDF))
    )

    assert response.status_code == 302
    assert not Document.objects.exists()


BAD_UPLOADS = [
    ("setup.exe", EXE, "Files of type “.exe” cannot be uploaded."),
    # The browser's path is dropped by Django before the form sees the name;
    # what is left is a text file that pretends to be a PDF.
    ("../../etc/passwd.pdf", b"root:x:0:0:root:/root:/bin/bash\n", "is not PDF"),
    ("report.pdf", PNG, "is not PDF"),
    ("report.pdf", ELF, "is not PDF"),
    ("report.pdf", b"", "The file is empty."),
    ("n" * 296 + ".pdf", PDF, "The file name is too long"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_UPLOADS)
def test_bad_uploads_give_a_form_error_and_write_nothing(
    client, portfolio, users, name, content, message
):
    client.force_login(users["officer_eg"])
    before = stored_files()

    response = client.post(
        upload_url(portfolio["p_eg"]), form_data(SimpleUploadedFile(name, content))
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Document.objects.exists()
    assert stored_files() == before


def test_a_20_mb_file_is_refused_without_being_kept(client, portfolio, users):
    client.force_login(users["officer_eg"])
    before = stored_files()
    big = SimpleUploadedFile("scan.pdf", PDF + bytes(20 * 1024 * 1024))

    response = client.post(upload_url(portfolio["p_eg"]), form_data(big))

    assert response.status_code == 400
    assert "the largest file accepted is 10.0" in response.content.decode()
    assert not Document.objects.exists()
    assert stored_files() == before


def test_upload_needs_a_csrf_token(portfolio, users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["officer_eg"])
    url = upload_url(portfolio["p_eg"])

    refused = client.post(url, form_data(SimpleUploadedFile("report.pdf", PDF)))
    assert refused.status_code == 403

    token = client.get(url).context["csrf_token"]
    data = form_data(SimpleUploadedFile("report.pdf", PDF), csrfmiddlewaretoken=str(token))
    assert client.post(url, data).status_code == 302
    assert Document.objects.count() == 1


def test_project_page_queries_do_not_grow_with_documents(
    client, portfolio, users, django_assert_max_num_queries
):
    project = portfolio["p_eg"]
    for index in range(15):
        with_file(project, title=f"Report {index}")
    client.force_login(users["officer_eg"])

    with django_assert_max_num_queries(25):
        response = client.get(reverse("projects:detail", args=[project.pk]))

    assert response.content.decode().count("/documents/") >= 15


# Public documents -------------------------------------------------------------


def public_url(document: Document) -> str:
    return reverse("projects:public_document", args=[document.project_id, document.pk])


def test_a_public_document_opens_without_signing_in(portfolio):
    document = with_file(portfolio["p_eg"])
    document.is_public = True
    document.save()

    response = Client().get(public_url(document))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_a_private_document_is_not_found_at_the_public_address(client, portfolio, users):
    document = with_file(portfolio["p_eg"])

    assert Client().get(public_url(document)).status_code == 404
    client.force_login(users["admin"])
    assert client.get(public_url(document)).status_code == 404


def test_a_public_document_is_only_found_under_its_own_project(portfolio):
    document = with_file(portfolio["p_eg"])
    document.is_public = True
    document.save()

    url = reverse("projects:public_document", args=[portfolio["p_lb"].pk, document.pk])
    assert Client().get(url).status_code == 404


def test_the_upload_form_marks_a_document_public(client, portfolio, users):
    client.force_login(users["officer_eg"])

    response = client.post(
        upload_url(portfolio["p_eg"]),
        form_data(SimpleUploadedFile("brief.pdf", PDF), is_public="on"),
    )

    assert response.status_code == 302
    document = Document.objects.get()
    assert document.is_public
    assert Client().get(public_url(document)).status_code == 200


def test_documents_uploaded_without_the_box_stay_private(client, portfolio, users):
    client.force_login(users["officer_eg"])
    client.post(upload_url(portfolio["p_eg"]), form_data(SimpleUploadedFile("memo.pdf", PDF)))

    document = Document.objects.get()
    assert not document.is_public
    assert Client().get(public_url(document)).status_code == 404
