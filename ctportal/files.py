"""Handing stored files to the browser.

Uploaded files are never served from a public media URL: a view checks the
access policy, then streams the file with this helper. The response is
always a download, its type comes from the stored extension (never from the
content), and the browser is told not to sniff it and to sandbox it if it is
ever opened, so an uploaded HTML or SVG payload cannot run in the portal's
origin.
"""

from __future__ import annotations

import io

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.cache import patch_cache_control

from .uploads import content_type_for, download_name

SANDBOX_POLICY = "sandbox; default-src 'none'"


def _protect(response: FileResponse) -> FileResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_POLICY
    # Files are access-controlled: no shared cache may keep a copy.
    patch_cache_control(response, private=True, no_store=True)
    return response


def _filename(name: str, title: str) -> str:
    return download_name(title, name) if title else name.rsplit("/", 1)[-1]


def content_response(content: bytes, *, name: str, title: str = "") -> FileResponse:
    """Like ``file_response`` for content already in memory (e.g. decrypted)."""
    response = FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=_filename(name, title),
        content_type=content_type_for(name),
    )
    return _protect(response)


def file_response(field_file: FieldFile, *, title: str = "") -> FileResponse:
    """Stream ``field_file`` as an attachment named after ``title``; 404 when it is missing."""
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except OSError:
        raise Http404 from None
    name = field_file.name
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=_filename(name, title),
        content_type=content_type_for(name),
    )
    return _protect(response)
