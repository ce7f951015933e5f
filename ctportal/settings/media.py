"""Where media files (documents, attachments, exports, reports) live, read from the environment.

Two ways to name an S3-compatible store (AWS S3, MinIO, Ceph, Garage, ...):

- ``MEDIA_STORAGE_URL``: ``s3://bucket[/prefix]?endpoint_url=...&region_name=...``,
  optionally with ``access_key:secret_key@`` before the bucket (URL-quoted);
  ``file:///absolute/path`` or ``memory://`` name the other backends;
- or the variables django-storages users know: ``AWS_STORAGE_BUCKET_NAME``,
  ``AWS_S3_ENDPOINT_URL``, ``AWS_S3_REGION_NAME``, ``AWS_LOCATION`` (a prefix),
  ``AWS_S3_ADDRESSING_STYLE``.

Credentials not in the URL come from ``AWS_ACCESS_KEY_ID`` and
``AWS_SECRET_ACCESS_KEY``, or from boto3's own chain (an instance role).
Without any of them files stay on the local disk under ``MEDIA_ROOT``.

Only plain standard-library code here: settings must not import boto3.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

S3_BACKEND = "ctportal.storage.MediaS3Storage"
LOCAL_BACKEND = "django.core.files.storage.FileSystemStorage"
MEMORY_BACKEND = "django.core.files.storage.InMemoryStorage"

# Query parameters of an s3:// URL, as MediaS3Storage options.
S3_URL_OPTIONS = {
    "endpoint_url": "endpoint_url",
    "region_name": "region_name",
    "region": "region_name",
    "addressing_style": "addressing_style",
    "signature_version": "signature_version",
    "verify": "verify",
    "use_ssl": "use_ssl",
    "server_side_encryption": "server_side_encryption",
    "sse": "server_side_encryption",
}
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


def _flag(name: str, value: str) -> bool:
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise ImproperlyConfigured(f"MEDIA_STORAGE_URL: {name} must be true or false, not {value!r}.")


def storage_from_url(url: str, environ: Mapping[str, str] | None = None) -> dict:
    """The STORAGES entry a ``s3://``, ``file://`` or ``memory://`` URL names."""
    environ = environ or {}
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "memory":
        return {"BACKEND": MEMORY_BACKEND}
    if scheme == "file":
        if not parts.path.startswith("/"):
            raise ImproperlyConfigured("MEDIA_STORAGE_URL: file:// needs an absolute path.")
        return {"BACKEND": LOCAL_BACKEND, "OPTIONS": {"location": unquote(parts.path)}}
    if scheme != "s3":
        raise ImproperlyConfigured(
            f"MEDIA_STORAGE_URL: unknown scheme {scheme!r} (s3://, file:// or memory://)."
        )
    if not parts.hostname:
        raise ImproperlyConfigured("MEDIA_STORAGE_URL: s3:// needs a bucket name.")
    options: dict = {"bucket_name": unquote(parts.netloc.rsplit("@", 1)[-1])}
    location = unquote(parts.path).strip("/")
    if location:
        options["location"] = location
    for key, value in parse_qsl(parts.query, keep_blank_values=False):
        if key not in S3_URL_OPTIONS:
            known = ", ".join(sorted(S3_URL_OPTIONS))
            raise ImproperlyConfigured(
                f"MEDIA_STORAGE_URL: unknown parameter {key!r} (known: {known})."
            )
        option = S3_URL_OPTIONS[key]
        options[option] = _flag(key, value) if option in {"verify", "use_ssl"} else value
    if parts.username:
        options["access_key"] = unquote(parts.username)
        options["secret_key"] = unquote(parts.password or "")
    else:
        options.update(_credentials(environ))
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}


def _credentials(environ: Mapping[str, str]) -> dict:
    key, secret = environ.get("AWS_ACCESS_KEY_ID", ""), environ.get("AWS_SECRET_ACCESS_KEY", "")
    if bool(key) != bool(secret):
        raise ImproperlyConfigured(
            "Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (instance role)."
        )
    return {"access_key": key, "secret_key": secret} if key else {}


def s3_from_variables(environ: Mapping[str, str]) -> dict | None:
    """The S3 STORAGES entry the usual ``AWS_*`` variables name, or None without a bucket."""
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME", "")
    if not bucket:
        return None
    options: dict = {"bucket_name": bucket, **_credentials(environ)}
    for variable, option in (
        ("AWS_S3_ENDPOINT_URL", "endpoint_url"),
        ("AWS_S3_REGION_NAME", "region_name"),
        ("AWS_LOCATION", "location"),
        ("AWS_S3_ADDRESSING_STYLE", "addressing_style"),
        ("AWS_S3_SIGNATURE_VERSION", "signature_version"),
        ("AWS_S3_SERVER_SIDE_ENCRYPTION", "server_side_encryption"),
    ):
        if environ.get(variable):
            options[option] = environ[variable]
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}


def media_storages(environ: Mapping[str, str]) -> dict[str, dict]:
    """STORAGES entries for media: ``default`` and, by name, ``local`` and (when set) ``s3``.

    ``local`` is always the disk under MEDIA_ROOT, so ``manage.py migrate_media
    --from local --to s3`` can move what was stored there before the switch.
    """
    local = {"BACKEND": LOCAL_BACKEND}
    url = environ.get("MEDIA_STORAGE_URL", "")
    chosen = storage_from_url(url, environ) if url else s3_from_variables(environ)
    storages = {"default": chosen or local, "local": local}
    if chosen is not None and chosen["BACKEND"] == S3_BACKEND:
        storages["s3"] = chosen
    return storages
