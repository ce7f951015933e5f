"""The upload policy shared by every app: which files are accepted and how they are stored.

A file is accepted when its extension is allowed *and* its first bytes are
what that extension promises, when it is not empty, not larger than
``settings.UPLOAD_MAX_BYTES`` and has a plain name. The stored name is built
here, never taken from the browser: a random prefix, the original name
cleaned and shortened, the original extension.

Use :class:`UploadedDocumentField` in forms, :class:`UploadedDocumentSerializerField`
in DRF serializers, or :func:`validate_upload` as a plain validator, and wrap
upload views in :func:`limit_upload_size` so an oversized file is dropped
while it arrives instead of being buffered first.
"""

from __future__ import annotations

import io
import os
import secrets
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from rest_framework import serializers

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Longest original name accepted, and longest stored base name: the FileField
# columns are 100 characters and also hold the upload_to folder.
MAX_NAME_LENGTH = 200
STORED_NAME_LENGTH = 60
# Room for the other form fields and multipart framing around one file.
FORM_ALLOWANCE = 256 * 1024
SNIFF_BYTES = 8192
# Bytes that never appear in a text file (tab, line feeds, form feed and escape do).
TEXT_CONTROL_BYTES = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1B}


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str
    matches: Callable[[UploadedFile, bytes], bool]


def _starts(*signatures: bytes) -> Callable[[UploadedFile, bytes], bool]:
    return lambda _file, head: head.startswith(signatures)


def _webp(_file, head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _text(_file, head: bytes) -> bool:
    return not TEXT_CONTROL_BYTES.intersection(head)


def _zip_members(file) -> zipfile.ZipFile | None:
    file.seek(0)
    try:
        return zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _office_open_xml(folder: str) -> Callable[[UploadedFile, bytes], bool]:
    def matches(file, head: bytes) -> bool:
        if not head.startswith(b"PK\x03\x04"):
            return False
        archive = _zip_members(file)
        if archive is None:
            return False
        names = archive.namelist()
        return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)

    return matches


def _open_document_text(file, head: bytes) -> bool:
    if not head.startswith(b"PK\x03\x04"):
        return False
    archive = _zip_members(file)
    if archive is None or "mimetype" not in archive.namelist():
        return False
    try:
        with archive.open("mimetype") as member:
            return member.read(64).strip() == b"application/vnd.oasis.opendocument.text"
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        return False


_JPEG = FileType("JPEG", "image/jpeg", _starts(b"\xff\xd8\xff"))
ALLOWED_TYPES: dict[str, FileType] = {
    ".pdf": FileType("PDF", "application/pdf", _starts(b"%PDF-")),
    ".docx": FileType(
        "Word (DOCX)",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _office_open_xml("word/"),
    ),
    ".xlsx": FileType(
        "Excel (XLSX)",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _office_open_xml("xl/"),
    ),
    ".pptx": FileType(
        "PowerPoint (PPTX)",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _office_open_xml("ppt/"),
    ),
    ".odt": FileType("ODT", "application/vnd.oasis.opendocument.text", _open_document_text),
    ".csv": FileType("CSV", "text/csv", _text),
    ".txt": FileType("TXT", "text/plain", _text),
    ".jpg": _JPEG,
    ".jpeg": _JPEG,
    ".png": FileType("PNG", "image/png", _starts(b"\x89PNG\r\n\x1a\n")),
    ".webp": FileType("WebP", "image/webp", _webp),
}


def upload_max_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def allowed_labels() -> str:
    return ", ".join(dict.fromkeys(kind.label for kind in ALLOWED_TYPES.values()))


def _help_text() -> str:
    return gettext("Allowed: %(types)s. At most %(size)s.") % {
        "types": allowed_labels(),
        "size": filesizeformat(upload_max_bytes()),
    }


upload_help_text = lazy(_help_text, str)


def content_type_for(name: str) -> str:
    """The content type a stored file is served with, decided by its extension only."""
    kind = ALLOWED_TYPES.get(os.path.splitext(name)[1].lower())
    return kind.content_type if kind else "application/octet-stream"


def _check_name(name: str) -> str:
    """The lower-case extension of an acceptable original name."""
    if not name or not name.strip():
        raise ValidationError(gettext("The file has no name."), code="name_missing")
    if "/" in name or "\\" in name or ".." in name:
        raise ValidationError(
            gettext("The file name must not contain folders (“/” or “\\”) or “..”."),
            code="name_path",
        )
    if any(not char.isprintable() for char in name):
        raise ValidationError(
            gettext("The file name contains control or invisible characters. Rename the file."),
            code="name_control",
        )
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            gettext(
                "The file name is too long (%(length)s characters); shorten it to at most %(max)s."
            )
            % {"length": len(name), "max": MAX_NAME_LENGTH},
            code="name_length",
        )
    extension = os.path.splitext(name.lstrip("."))[1].lower()
    if not extension:
        raise ValidationError(
            gettext("The file name has no extension. Allowed: %(types)s.")
            % {"types": allowed_labels()},
            code="extension_missing",
        )
    if extension not in ALLOWED_TYPES:
        raise ValidationError(
            gettext("Files of type “%(extension)s” cannot be uploaded. Allowed: %(types)s.")
            % {"extension": extension, "types": allowed_labels()},
            code="extension",
        )
    return extension


def validate_upload(file) -> None:
    """Raise ValidationError unless ``file`` is an acceptable upload.

    The size is checked from the upload's metadata before any content is
    read; only the first few kilobytes (and, for office files, the zip
    directory) are read to check the content against the extension.
    """
    extension = _check_name(getattr(file, "name", "") or "")
    size = file.size
    if not size:
        raise ValidationError(gettext("The file is empty."), code="empty")
    if size > upload_max_bytes():
        raise ValidationError(
            gettext("The file is %(size)s; the largest file accepted is %(max)s.")
            % {"size": filesizeformat(size), "max": filesizeformat(upload_max_bytes())},
            code="too_large",
        )
    kind = ALLOWED_TYPES[extension]
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    try:
        matches = kind.matches(file, head)
    finally:
        file.seek(0)
    if not matches:
        raise ValidationError(
            gettext(
                "This file's content is not %(type)s, although its name ends in "
                "“%(extension)s”. It may be misnamed or damaged."
            )
            % {"type": kind.label, "extension": extension},
            code="content",
        )


def _clean_stem(stem: str, length: int) -> str:
    stem = unicodedata.normalize("NFC", stem)
    kept = "".join(c if (c.isalnum() or c in "-_") else "-" for c in stem)
    kept = "-".join(part for part in kept.split("-") if part).strip("._-")
    return kept[:length].rstrip("._-")


def stored_name(original: str) -> str:
    """A storage-safe name for an upload: random prefix, cleaned stem, original extension."""
    base = os.path.basename(original.replace("\\", "/"))
    stem, extension = os.path.splitext(base.lstrip("."))
    extension = extension.lower() if extension.lower() in ALLOWED_TYPES else ""
    prefix = secrets.token_hex(4)
    stem = _clean_stem(stem, STORED_NAME_LENGTH - len(prefix) - 1 - len(extension))
    return f"{prefix}-{stem or 'file'}{extension}"


def download_name(title: str, stored: str) -> str:
    """The name a downloaded file is offered under: its title and stored extension."""
    extension = os.path.splitext(stored)[1].lower()
    kept = "".join(
        c if (c.isalnum() or c in "-_") else " " for c in unicodedata.normalize("NFC", title)
    )
    stem = " ".join(kept.split())[:80].strip(" -_")
    return f"{stem or 'document'}{extension}"


def accept_upload(file: UploadedFile) -> UploadedFile:
    """Validate ``file`` and give it its stored name; raises ValidationError."""
    validate_upload(file)
    file.name = stored_name(file.name)
    return file


class UploadedDocumentField(forms.FileField):
    """A form file field that applies the upload policy and renames the file."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", upload_help_text())
        kwargs.setdefault(
            "widget", forms.ClearableFileInput(attrs={"accept": ",".join(ALLOWED_TYPES)})
        )
        super().__init__(**kwargs)

    def to_python(self, data):
        if data in self.empty_values:
            return None
        if not getattr(data, "size", 0) and getattr(data, "name", None):
            raise ValidationError(gettext("The file is empty."), code="empty")
        return super().to_python(data)

    def clean(self, data, initial=None):
        value = super().clean(data, initial)
        if isinstance(value, UploadedFile) and value is data:
            accept_upload(value)
        return value


class UploadedDocumentSerializerField(serializers.FileField):
    """The upload policy for DRF serializers: errors become 400 responses."""

    def to_internal_value(self, data):
        file = super().to_internal_value(data)
        try:
            return accept_upload(file)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=exc.code) from exc


class OversizedUpload(UploadedFile):
    """What is left of a file dropped for its size: its name and size, no content."""

    def __init__(self, name: str, size: int, content_type: str | None):
        super().__init__(io.BytesIO(), name, content_type, size)


class UploadLimitHandler(FileUploadHandler):
    """Stop keeping an uploaded file once it passes the limit.

    When the request says up front it is too large, nothing of the file is
    kept; otherwise the bytes past the limit are discarded as they arrive.
    The form then gets an :class:`OversizedUpload` and reports its size.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request_too_large = bool(content_length) and (
            content_length > upload_max_bytes() + FORM_ALLOWANCE
        )

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.oversized = getattr(self, "request_too_large", False) or (
            (self.content_length or 0) > upload_max_bytes()
        )

    def receive_data_chunk(self, raw_data, start):
        if self.oversized or start + len(raw_data) > upload_max_bytes():
            self.oversized = True
            return None
        return raw_data

    def file_complete(self, file_size):
        if self.oversized:
            return OversizedUpload(self.file_name, file_size, self.content_type)
        return None


def limit_upload_size(view):
    """Install :class:`UploadLimitHandler` before the body is read.

    The CSRF check reads the body, so it runs inside, once the handler is in
    place (the pattern Django documents for per-view upload handlers).
    """
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.upload_handlers.insert(0, UploadLimitHandler(request))
        return protected(request, *args, **kwargs)

    return wrapper
