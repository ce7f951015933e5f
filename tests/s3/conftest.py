"""Media on a real S3-compatible server, spoken to over HTTP.

CI's own step starts moto's server and names it with MEDIA_STORAGE_URL
(``s3://bucket?endpoint_url=http://127.0.0.1:PORT``); run alone
(``pytest -m s3``), the session starts ``moto_server`` on 127.0.0.1 itself
(port S3_TEST_PORT, or a free one) and stops it at the end. Each test gets a
bucket of its own on that server, as the default storage.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest
from django.core.files.storage import storages

from ctportal.settings.media import storage_from_url

CREDENTIALS = {"access_key": "testing", "secret_key": "testing"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(endpoint: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited with status {process.returncode}")
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)  # noqa: S310 - our own server
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"moto_server did not answer on {endpoint} within 30 seconds")


@pytest.fixture(scope="session")
def s3_options():
    """Options of MediaS3Storage for the server (without a bucket)."""
    url = os.environ.get("MEDIA_STORAGE_URL", "")
    if url.startswith("s3://"):
        options = storage_from_url(url, os.environ)["OPTIONS"]
        options.pop("bucket_name")
        options.pop("location", None)
        yield {**CREDENTIALS, "region_name": "us-east-1", **options}
        return
    port = int(os.environ.get("S3_TEST_PORT") or _free_port())
    endpoint = f"http://127.0.0.1:{port}"
    server = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(  # noqa: S603 - a fixed command of our own
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(endpoint, process)
        yield {**CREDENTIALS, "region_name": "us-east-1", "endpoint_url": endpoint}
    finally:
        process.terminate()
        process.wait(timeout=10)


def s3_client(options: dict):
    return boto3.client(
        "s3",
        endpoint_url=options.get("endpoint_url"),
        region_name=options.get("region_name"),
        aws_access_key_id=options.get("access_key"),
        aws_secret_access_key=options.get("secret_key"),
    )


def bucket_keys(options: dict, bucket: str) -> dict[str, bytes]:
    """Every object of ``bucket`` and its bytes, read straight from the server."""
    client = s3_client(options)
    keys = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", ()):
            keys[entry["Key"]] = client.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
    return keys


@pytest.fixture
def s3_media(settings, s3_options):
    """A new bucket as the default storage (and the one named ``s3``); yields its name."""
    bucket = f"ctportal-test-{uuid.uuid4().hex[:12]}"
    client = s3_client(s3_options)
    client.create_bucket(Bucket=bucket)
    entry = {
        "BACKEND": "ctportal.storage.MediaS3Storage",
        "OPTIONS": {**s3_options, "bucket_name": bucket},
    }
    settings.STORAGES = {**settings.STORAGES, "default": entry, "s3": entry}
    assert type(storages["default"]).__name__ == "MediaS3Storage"
    yield bucket
    for key in bucket_keys(s3_options, bucket):
        client.delete_object(Bucket=bucket, Key=key)
    client.delete_bucket(Bucket=bucket)


# The case workers, cases and CTDC release the assistance tests build, for the same checks on S3.
from tests.assistance.conftest import case_workers, cases  # noqa: E402, F401
from tests.assistance.test_ctdc_exports import committed, shared  # noqa: E402, F401
