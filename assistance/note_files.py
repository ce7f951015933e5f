"""Case-note attachments, encrypted at rest like identities.

A scanned passport or a medical certificate names the victim as surely as
the identity record does, so attachments are stored as Fernet tokens under
IDENTITY_ENCRYPTION_KEYS: the files on disk (or in a backup of the media
volume) reveal nothing without the keys. They are decrypted in memory when
a case worker of the office downloads them (uploads are capped at 10 MB).
They are encrypted before they leave the process, so an S3-compatible store
(and its backups and versions) holds only tokens.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from ctportal.files import content_response
from ctportal.storage import replace

from .crypto import decrypt_bytes, encrypt_bytes, reencrypt_bytes, sealed_with_current_key
from .models import CaseNote


def sealed(upload: UploadedFile) -> ContentFile:
    """The encrypted content of an accepted upload, under the upload's stored name."""
    upload.seek(0)
    content = b"".join(upload.chunks())
    return ContentFile(encrypt_bytes(content), name=upload.name)


def note_attachment_response(*, user, case_pk: int, note_pk: int) -> FileResponse:
    """The decrypted attachment of a note, for the case workers of its office; 404 otherwise."""
    note = get_object_or_404(
        CaseNote.objects.visible_to(user).exclude(attachment=""), pk=note_pk, case_id=case_pk
    )
    try:
        with note.attachment.open("rb") as handle:
            token = handle.read()
    except OSError:
        raise Http404 from None
    return content_response(
        decrypt_bytes(token), name=note.attachment.name, title=note.attachment_title
    )


def attachments_reencrypt() -> int:
    """Re-encrypt every attachment with the first key (see ``identities_reencrypt``)."""
    rewritten = 0
    for note in CaseNote.objects.exclude(attachment="").only("pk", "attachment").iterator():
        storage, name = note.attachment.storage, note.attachment.name
        try:
            with storage.open(name, "rb") as handle:
                token = handle.read()
        except OSError:
            continue
        if sealed_with_current_key(token):
            continue
        # In one step: a rotation cut short leaves each file under one key or the other.
        replace(storage, name, ContentFile(reencrypt_bytes(token), name=name))
        rewritten += 1
    return rewritten
