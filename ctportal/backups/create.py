"""Writing a backup archive (see the package's docstring for what it holds)."""

from __future__ import annotations

import datetime
import io
import json
import platform
import sqlite3
import tarfile
import tempfile
from pathlib import Path
from typing import BinaryIO

import django
from django.core.files.storage import Storage, storages
from django.db import connection, transaction

from .system import (
    FORMAT,
    MANIFEST,
    MEDIA,
    PG_DUMP,
    SQLITE_COPY,
    BackupError,
    applied_migrations,
    package_version,
    run_pg_tool,
    storage_files,
    table_counts,
    tool_version,
)


def _add_bytes(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(datetime.datetime.now(datetime.UTC).timestamp())
    archive.addfile(info, io.BytesIO(content))


def _dump_database(work: Path) -> tuple[Path, dict[str, int], dict]:
    """The database copied into ``work``, the row counts of the same moment, and its facts."""
    vendor = connection.vendor
    if connection.in_atomic_block:
        # The snapshot must be the first thing its transaction does.
        raise BackupError("A backup cannot run inside a database transaction.")
    if vendor == "postgresql":
        target = work / PG_DUMP
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
                snapshot, server = cursor.fetchone()
            counts = table_counts()
            # The exporting transaction stays open while pg_dump reads its snapshot.
            run_pg_tool(
                [
                    *("pg_dump", "--format=custom", "--no-owner", "--no-acl"),
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                ]
            )
        facts = {"server_version": server, "pg_dump": tool_version("pg_dump")}
        return target, counts, facts
    if vendor == "sqlite":
        target = work / SQLITE_COPY
        connection.ensure_connection()
        with transaction.atomic():
            counts = table_counts()
            copy = sqlite3.connect(target)
            try:
                # SQLite's online backup: a consistent copy while others may write.
                connection.connection.backup(copy)
            finally:
                copy.close()
        return target, counts, {"sqlite_version": sqlite3.sqlite_version}
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")


def _write_archive(archive: tarfile.TarFile, storage: Storage) -> dict:
    started = datetime.datetime.now(datetime.UTC)
    with tempfile.TemporaryDirectory(prefix="ctportal-backup-") as folder:
        dump, counts, facts = _dump_database(Path(folder))
        archive.add(dump, arcname=dump.name)
    files = size = 0
    for name in storage_files(storage):
        info = tarfile.TarInfo(MEDIA + name)
        info.size = storage.size(name)
        info.mtime = int(started.timestamp())
        with storage.open(name, "rb") as handle:
            archive.addfile(info, handle)
        files += 1
        size += info.size
    manifest = {
        "format": FORMAT,
        "created_at": started.isoformat(),
        "finished_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "database": {"vendor": connection.vendor, "file": dump.name, **facts},
        "versions": {
            "ctportal": package_version("ctportal"),
            "django": django.get_version(),
            "python": platform.python_version(),
        },
        "migrations": applied_migrations(),
        "tables": counts,
        "media": {
            "storage": f"{type(storage).__module__}.{type(storage).__name__}",
            "files": files,
            "bytes": size,
        },
        "identity_keys": "not included: restore with the same IDENTITY_ENCRYPTION_KEYS",
    }
    _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
    return manifest


def backup_create(
    *, output: Path | None = None, stream: BinaryIO | None = None, storage: Storage | None = None
) -> dict:
    """Write a backup archive to the file ``output`` or to ``stream``; returns its manifest.

    A file is written under a temporary name and renamed when complete, so an
    archive found under its own name is always whole.
    """
    storage = storage or storages["default"]
    if stream is not None:
        with tarfile.open(fileobj=stream, mode="w|") as archive:
            return _write_archive(archive, storage)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    try:
        with tarfile.open(partial, "w") as archive:
            manifest = _write_archive(archive, storage)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    return manifest
