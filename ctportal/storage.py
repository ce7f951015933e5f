"""Media storage shared by every node: the S3-compatible backend and what the portal needs of it.

Which backend is used is decided from the environment in
``ctportal/settings/media.py``; this module holds what runs:

- ``MediaS3Storage``: django-storages' S3 backend with the portal's rules. The
  bucket stays private (no ACL is ever sent, nothing is public), a name is
  never silently overwritten (Django's own rule, so an upload cannot replace
  another), an object read through ``open`` is kept in memory up to 8 MiB and
  on disk beyond, and uploads go up in 8 MiB parts, two at a time, so a
  200,000-row export costs the worker a few parts of memory, not the file.
- ``open_stream``: a stored file as a stream of bytes and its size. Downloads
  go through the portal (``ctportal.files``) and reach the browser as the
  object store sends them, never whole in the web process.
- ``replace``: write new content under an existing name in one step (the key
  rotation of attachments), so a failure leaves the old content, never nothing.
"""

from __future__ import annotations

import os
import tempfile
from typing import IO

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.module_loading import import_string
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from .settings.media import storage_from_url

MEMORY_LIMIT = 8 * 1024 * 1024
# A file a job builds is kept in memory up to this size, then on disk.
SPOOL_BYTES = 8 * 1024 * 1024
PART_SIZE = 8 * 1024 * 1024
PARALLEL_PARTS = 2


def _is_s3(storage: Storage) -> bool:
    return isinstance(storage, S3Storage)


class MediaS3Storage(S3Storage):
    """Private, never overwriting, memory-bounded S3 storage for media files."""

    def get_default_settings(self) -> dict:
        defaults = super().get_default_settings()
        defaults.update(
            default_acl=None,
            file_overwrite=False,
            querystring_auth=True,
            # Links are never handed out (downloads stream through the portal);
            # should one be, it lives five minutes.
            querystring_expire=300,
            max_memory_size=MEMORY_LIMIT,
            transfer_config=TransferConfig(
                multipart_threshold=PART_SIZE,
                multipart_chunksize=PART_SIZE,
                max_concurrency=PARALLEL_PARTS,
            ),
            server_side_encryption="",
        )
        return defaults

    def get_object_parameters(self, name: str) -> dict:
        parameters = super().get_object_parameters(name)
        if self.server_side_encryption:
            parameters.setdefault("ServerSideEncryption", self.server_side_encryption)
        return parameters


def _not_found(error: Exception, name: str) -> bool:
    response = getattr(error, "response", None) or {}
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    code = response.get("Error", {}).get("Code")
    return status == 404 or code in {"NoSuchKey", "404", "NotFound"}


def spool() -> IO[bytes]:
    """Where a background job writes its file before it goes to storage."""
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)


def open_stream(storage: Storage, name: str) -> tuple[IO[bytes], int | None]:
    """The stored file ``name`` opened for reading, and its size when known.

    On S3 the object's body is read as it arrives; elsewhere the storage's own
    file. Raises FileNotFoundError when there is no such file.
    """
    if not _is_s3(storage):
        return storage.open(name, "rb"), None
    key = storage._normalize_name(clean_name(name))
    try:
        answer = storage.connection.meta.client.get_object(Bucket=storage.bucket_name, Key=key)
    except ClientError as error:
        if _not_found(error, name):
            raise FileNotFoundError(name) from error
        raise
    return answer["Body"], answer.get("ContentLength")


def replace(storage: Storage, name: str, content: File) -> None:
    """Store ``content`` under the existing ``name`` in one step.

    An S3 PUT replaces an object whole; on disk the new file is written beside
    the old one and renamed over it. Other storages (in memory, in tests) only
    know delete then save.
    """
    if _is_s3(storage):
        key = storage._normalize_name(clean_name(name))
        content.seek(0)
        storage.bucket.Object(key).upload_fileobj(
            content,
            ExtraArgs=storage._get_write_parameters(key, content),
            Config=storage.transfer_config,
        )
        return
    if isinstance(storage, FileSystemStorage):
        path = storage.path(name)
        folder = os.path.dirname(path)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".replace-")
        try:
            with os.fdopen(handle, "wb") as target:
                for chunk in content.chunks():
                    target.write(chunk)
            if storage.file_permissions_mode is not None:
                os.chmod(temporary, storage.file_permissions_mode)
            os.replace(temporary, path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
        return
    storage.delete(name)
    saved = storage.save(name, content)
    if saved != name:
        raise OSError(f"{name} was stored as {saved}")


def named_storage(name: str) -> Storage:
    """A storage by its name in STORAGES (``default``, ``local``, ``s3``) or by URL."""
    if "://" not in name:
        try:
            return storages[name]
        except Exception as exc:  # InvalidStorageError names the missing alias
            raise ImproperlyConfigured(
                f"No storage named {name!r}: set MEDIA_STORAGE_URL or AWS_STORAGE_BUCKET_NAME "
                "for s3, or give a URL (s3://bucket?endpoint_url=..., file:///path)."
            ) from exc
    entry = storage_from_url(name, os.environ)
    return import_string(entry["BACKEND"])(**entry.get("OPTIONS", {}))
