"""Handing stored files to the browser.

Uploaded files are never served from a public media URL: a view checks the
access policy, then streams the file with this helper. The response is
always a download, its type comes from the stored extension (never from the
content), and the browser is told not to sniff it and to sandbox it if it is
ever opened, so an uploaded HTML or SVG payload cannot run in the portal's
origin.

The same holds on an S3-compatible store (``ctportal.storage``): files are
streamed through the portal rather than handed out as signed links. A link
works for whoever holds it until it expires (browser history, proxies, a
forwarded mail), so the access check would no longer be the last word; the
store cannot add the sandbox headers; case-note attachments are encrypted
with the portal's keys and can only be decrypted here anyway; and the store
can stay on a private network with no public endpoint. The object's body is
passed on in blocks as it arrives, so a large export costs the web worker a
block of memory, not the file.
"""

from __future__ import annotations

import io

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.cache import patch_cache_control

from .storage import open_stream
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


def file_response(
    field_file: FieldFile, *, title: str = "", filename: str = "", content_type: str = ""
) -> FileResponse:
    """Stream ``field_file`` as an attachment named after ``title``; 404 when it is missing.

    ``filename`` and ``content_type`` replace what the title and the stored
    extension would give (files the portal built itself, e.g. exports).
    """
    if not field_file:
        raise Http404
    name = field_file.name
    try:
        handle, size = open_stream(field_file.storage, name)
    except OSError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename or _filename(name, title),
        content_type=content_type or content_type_for(name),
    )
    if size is not None:
        response["Content-Length"] = str(size)
    return _protect(response)
