import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http import Http404

from assistance import care_services as care
from assistance.note_files import attachments_reencrypt, note_attachment_response

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n(Passport of Zahra-Unique-Name)\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.IDENTITY_ENCRYPTION_KEYS = [KEY_A]


def add_note(case_workers, cases):
    return care.note_add(
        user=case_workers["lb"],
        case=cases["lb"],
        text="Passport copy",
        attachment=SimpleUploadedFile("passport.pdf", PDF),
        attachment_title="Passport",
    )


def stored_bytes(note) -> bytes:
    with note.attachment.storage.open(note.attachment.name, "rb") as handle:
        return handle.read()


def test_attachments_are_encrypted_on_disk(case_workers, cases):
    note = add_note(case_workers, cases)
    on_disk = stored_bytes(note)
    assert b"Zahra-Unique-Name" not in on_disk
    assert b"%PDF" not in on_disk
    assert Fernet(KEY_A).decrypt(on_disk) == PDF


def test_the_office_case_worker_downloads_the_plain_file(case_workers, cases):
    note = add_note(case_workers, cases)
    response = note_attachment_response(
        user=case_workers["lb"], case_pk=cases["lb"].pk, note_pk=note.pk
    )
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith('attachment; filename="Passport.pdf"')
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("who", ["eg", "lb_unverified", "no_office"])
def test_nobody_else_gets_the_attachment(case_workers, cases, users, who):
    note = add_note(case_workers, cases)
    with pytest.raises(Http404):
        note_attachment_response(user=case_workers[who], case_pk=cases["lb"].pk, note_pk=note.pk)


@pytest.mark.parametrize("role", ["admin", "me", "donor_b", "analyst", "officer_lb_project"])
def test_no_other_role_gets_the_attachment(case_workers, cases, users, role):
    note = add_note(case_workers, cases)
    with pytest.raises(Http404):
        note_attachment_response(user=users[role], case_pk=cases["lb"].pk, note_pk=note.pk)


def test_a_note_of_another_case_is_not_reached_through_this_case(case_workers, cases):
    note = add_note(case_workers, cases)
    with pytest.raises(Http404):
        note_attachment_response(user=case_workers["lb"], case_pk=cases["eg"].pk, note_pk=note.pk)


def test_key_rotation_re_encrypts_attachments(settings, case_workers, cases):
    note = add_note(case_workers, cases)
    settings.IDENTITY_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    call_command("rotate_identity_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Fernet(KEY_B).decrypt(stored_bytes(note)) == PDF
    settings.IDENTITY_ENCRYPTION_KEYS = [KEY_B]
    response = note_attachment_response(
        user=case_workers["lb"], case_pk=cases["lb"].pk, note_pk=note.pk
    )
    assert b"".join(response.streaming_content) == PDF
    assert attachments_reencrypt() == 0
