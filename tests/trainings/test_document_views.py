import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests import factories as f
from tests.conftest import EXPECTED_PROJECTS
from trainings.models import SessionDocument

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(32)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32)
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(64)
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(64)
# Case workers do not use project and training pages (tests/ctportal/test_navigation.py).
ROLES = [name for name in EXPECTED_PROJECTS if name not in ("norole", "case_worker_lb")]
EDITORS = {"officer_eg", "officer_lb_project", "admin"}
# Attendance sheets name the people trained: only these roles see names.
SEE_NAMES = {"officer_eg", "officer_lb_project", "admin"}


def stored_files(path: str = "") -> set[str]:
    try:
        folders, files = default_storage.listdir(path)
    except FileNotFoundError:
        return set()
    found = {f"{path}{name}" for name in files}
    for folder in folders:
        found |= stored_files(f"{path}{folder}/")
    return found


@pytest.fixture
def sessions(portfolio):
    return {
        key: f.TrainingSessionFactory(
            project=portfolio[key], host_country=portfolio["egypt"], title=f"Session {key}"
        )
        for key in ("p_eg", "p_lb", "p_both")
    }


def with_file(session, title="Agenda", kind="agenda", name="agenda.pdf", content=PDF):
    return f.SessionDocumentFactory(
        session=session, title=title, kind=kind, url="", file=ContentFile(content, name=name)
    )


def download_url(document: SessionDocument) -> str:
    return reverse("trainings:document", args=[document.session_id, document.pk])


def upload_url(session) -> str:
    return reverse("trainings:document_upload", args=[session.pk])


def form_data(file=None, **overrides):
    data = {"title": "Workshop report", "kind": "report", "language": "ar", "url": "", **overrides}
    if file is not None:
        data["file"] = file
    return data


@pytest.mark.parametrize("role", ROLES)
def test_every_role_downloads_documents_of_visible_sessions_only(client, sessions, users, role):
    documents = {
        key: with_file(session, title=f"Agenda {key}") for key, session in sessions.items()
    }
    client.force_login(users[role])

    for key, document in documents.items():
        response = client.get(download_url(document))
        if key in EXPECTED_PROJECTS[role]:
            assert response.status_code == 200, (role, key)
            assert response["Content-Disposition"] == f'attachment; filename="Agenda {key}.pdf"'
            assert response["Content-Type"] == "application/pdf"
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["Content-Security-Policy"].startswith("sandbox")
            assert b"".join(response.streaming_content) == PDF
        else:
            assert response.status_code == 404, (role, key)


@pytest.mark.parametrize("role", ROLES)
def test_attendance_sheets_only_reach_those_who_see_names(client, sessions, users, role):
    sheets = {
        key: with_file(
            session, title="Signed list", kind="attendance_sheet", name="list.jpg", content=JPEG
        )
        for key, session in sessions.items()
    }
    client.force_login(users[role])

    for key, sheet in sheets.items():
        visible = key in EXPECTED_PROJECTS[role] and role in SEE_NAMES
        assert client.get(download_url(sheet)).status_code == (200 if visible else 404)
        if key in EXPECTED_PROJECTS[role]:
            page = client.get(reverse("trainings:detail", args=[sessions[key].pk]))
            assert ("Signed list" in page.content.decode()) == visible


def test_a_document_is_only_found_under_its_own_session(client, sessions, users):
    document = with_file(sessions["p_eg"])
    client.force_login(users["admin"])

    url = reverse("trainings:document", args=[sessions["p_lb"].pk, document.pk])

    assert client.get(url).status_code == 404


def test_anonymous_and_roleless_users_are_sent_to_sign_in(client, sessions, users):
    url = download_url(with_file(sessions["p_eg"]))

    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))

    client.force_login(users["norole"])
    assert client.get(url)["Location"].startswith(reverse("login"))


def test_a_link_only_document_has_no_download(client, sessions, users):
    document = f.SessionDocumentFactory(session=sessions["p_eg"])
    client.force_login(users["admin"])

    assert client.get(download_url(document)).status_code == 404


def test_session_page_lists_documents_with_protected_links(client, sessions, users):
    session = sessions["p_eg"]
    document = with_file(session, title="Training agenda")
    link = f.SessionDocumentFactory(session=session, title="Photos online", kind="photo")
    client.force_login(users["donor_a"])

    html = client.get(reverse("trainings:detail", args=[session.pk])).content.decode()

    assert "Training agenda" in html
    assert f'href="{download_url(document)}"' in html
    assert f'href="{link.url}"' in html
    assert "/media/" not in html
    assert f'action="{upload_url(session)}"' not in html


@pytest.mark.parametrize("role", ROLES)
def test_upload_form_is_shown_to_editors_only(client, sessions, users, role):
    session = sessions["p_lb"] if role == "officer_lb_project" else sessions["p_both"]
    client.force_login(users[role])

    html = client.get(reverse("trainings:detail", args=[session.pk])).content.decode()

    assert (f'action="{upload_url(session)}"' in html) == (role in EDITORS)


def test_officer_in_scope_uploads_a_file(client, sessions, users):
    session = sessions["p_eg"]
    officer = users["officer_eg"]
    client.force_login(officer)
    before = stored_files()

    response = client.post(
        upload_url(session), form_data(SimpleUploadedFile("تقرير الورشة.pdf", PDF))
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("trainings:detail", args=[session.pk]) + "#documents"
    document = SessionDocument.objects.get(session=session)
    assert (document.title, document.kind, document.language) == ("Workshop report", "report", "ar")
    assert re.fullmatch(r"sessions/\d{4}/[0-9a-f]{8}-تقرير-الورشة\.pdf", document.file.name)
    assert stored_files() - before == {document.file.name}
    history = document.history.get()
    assert (history.history_type, history.history_user) == ("+", officer)
    assert client.get(download_url(document)).status_code == 200


def test_editor_adds_a_link_instead_of_a_file(client, sessions, users):
    client.force_login(users["admin"])

    response = client.post(
        upload_url(sessions["p_lb"]), form_data(url="https://example.org/photos", kind="photo")
    )

    assert response.status_code == 302
    assert SessionDocument.objects.get().url == "https://example.org/photos"


def test_neither_file_nor_link_is_refused(client, sessions, users):
    client.force_login(users["admin"])

    response = client.post(upload_url(sessions["p_lb"]), form_data())

    assert response.status_code == 400
    assert "Attach a file or give a link." in response.content.decode()
    assert not SessionDocument.objects.exists()


def test_upload_page_shows_the_form(client, sessions, users):
    client.force_login(users["officer_lb_project"])

    response = client.get(upload_url(sessions["p_lb"]))

    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()


@pytest.mark.parametrize("role", ["donor_a", "analyst", "me"])
def test_non_editors_cannot_upload(client, sessions, users, role):
    client.force_login(users[role])
    before = stored_files()

    response = client.post(
        upload_url(sessions["p_both"]), form_data(SimpleUploadedFile("report.pdf", PDF))
    )

    assert response.status_code == 403
    assert not SessionDocument.objects.exists()
    assert stored_files() == before


def test_editors_cannot_upload_out_of_their_scope(client, sessions, users):
    client.force_login(users["officer_lb_project"])

    response = client.post(
        upload_url(sessions["p_eg"]), form_data(SimpleUploadedFile("report.pdf", PDF))
    )

    assert response.status_code == 404
    assert not SessionDocument.objects.exists()


BAD_UPLOADS = [
    ("photos.exe", EXE, "Files of type “.exe” cannot be uploaded."),
    ("../../etc/passwd.pdf", b"root:x:0:0:root:/root:/bin/bash\n", "is not PDF"),
    ("agenda.pdf", PNG, "is not PDF"),
    ("agenda.pdf", ELF, "is not PDF"),
    ("photo.png", b"", "The file is empty."),
    ("a" * 296 + ".pdf", PDF, "The file name is too long"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_UPLOADS)
def test_bad_uploads_give_a_form_error_and_write_nothing(
    client, sessions, users, name, content, message
):
    client.force_login(users["officer_eg"])
    before = stored_files()

    response = client.post(
        upload_url(sessions["p_eg"]), form_data(SimpleUploadedFile(name, content))
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SessionDocument.objects.exists()
    assert stored_files() == before


def test_a_20_mb_file_is_refused_without_being_kept(client, sessions, users):
    client.force_login(users["officer_eg"])
    before = stored_files()
    big = SimpleUploadedFile("photos.png", PNG + bytes(20 * 1024 * 1024))

    response = client.post(upload_url(sessions["p_eg"]), form_data(big))

    assert response.status_code == 400
    assert "the largest file accepted is 10.0" in response.content.decode()
    assert not SessionDocument.objects.exists()
    assert stored_files() == before


@pytest.mark.parametrize("count", [1, 20])
def test_session_page_queries_do_not_grow_with_documents(
    client, sessions, users, django_assert_max_num_queries, count
):
    session = sessions["p_eg"]
    for index in range(count):
        with_file(session, title=f"Photo {index}", kind="photo", name="p.png", content=PNG)
    client.force_login(users["officer_eg"])

    with django_assert_max_num_queries(20):
        response = client.get(reverse("trainings:detail", args=[session.pk]))

    assert response.content.decode().count(f"/trainings/{session.pk}/documents/") == count + 1


@pytest.mark.parametrize("who", ["officer_eg", "admin", "me", "donor_a", "analyst"])
def test_attendance_sheets_only_for_those_who_see_names(portfolio, users, who):
    from trainings.models import SessionDocument

    session = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    f.SessionDocumentFactory(session=session, kind="attendance_sheet")
    f.SessionDocumentFactory(session=session, kind="agenda")
    kinds = set(SessionDocument.objects.visible_to(users[who]).values_list("kind", flat=True))
    expected = {"agenda", "attendance_sheet"} if who in ("officer_eg", "admin") else {"agenda"}
    assert kinds == expected
