"""Backups of the whole portal, and bringing one back into an empty system.

A backup is one tar archive:

- ``manifest.json``: when, from what versions, the rows of every table and the
  media files it holds;
- ``database.dump``: PostgreSQL's own custom-format dump (``pg_dump -Fc
  --no-owner --no-acl``), or ``database.sqlite3`` for the embedded SQLite
  database, copied with SQLite's online backup API;
- ``media/<name>``: every file of the default storage, read through Django's
  storage API, so local folders and object storage are backed up alike.

On PostgreSQL the row counts and the dump come from one exported snapshot
(``pg_export_snapshot`` and ``pg_dump --snapshot``): they describe exactly the
same moment, whatever is written meanwhile. Media files are read after it;
a file written meanwhile may be in the archive without its row.

The identity encryption keys are never in a backup: identities in the dump
stay encrypted, and whoever holds the archive alone cannot read them.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import BinaryIO

import django
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage, storages
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MEDIA = "media/"
# Bounds of one pg_dump or pg_restore run.
DATABASE_TOOL_SECONDS = 60 * 60


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Restored:
    tables: dict[str, int] = field(default_factory=dict)
    mismatched: dict[str, tuple[int, int]] = field(default_factory=dict)
    files: int = 0


# --- what the system holds ------------------------------------------------------------


def table_counts() -> dict[str, int]:
    """Rows of every table of the database, by name."""
    with connection.cursor() as cursor:
        names = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for name in names:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608
            counts[name] = cursor.fetchone()[0]
    return counts


def storage_files(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name in ``storage``, folders walked depth-first, in a stable order."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a local media folder nothing was ever written to
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from storage_files(storage, f"{folder}/{sub}" if folder else sub)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def _tool_version(tool: str) -> str:
    found = shutil.which(tool)
    if not found:
        return "missing"
    result = subprocess.run(  # noqa: S603 - a fixed command line
        [found, "--version"], capture_output=True, text=True, check=False, timeout=30
    )
    return result.stdout.strip()


def _migrations() -> dict[str, str]:
    """The last migration applied of each app: what a restore must run the same code as."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.order_by("app", "name").values_list(
        "app", "name"
    ):
        latest[app] = name
    return latest


# --- PostgreSQL tools ------------------------------------------------------------------


def _pg_environment() -> dict[str, str]:
    """libpq's variables for the default database, so no password is on a command line."""
    db = settings.DATABASES["default"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    values = {
        "PGHOST": db.get("HOST"),
        "PGPORT": str(db.get("PORT") or ""),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGDATABASE": db.get("NAME"),
    }
    env.update({k: v for k, v in values.items() if v})
    return env


def _run_pg_tool(args: list[str]) -> None:
    tool = shutil.which(args[0])
    if not tool:
        raise BackupError(
            f"{args[0]} is not installed: install PostgreSQL's client tools, of the server's "
            "major version or newer (Debian: postgresql-client)."
        )
    result = subprocess.run(  # noqa: S603 - fixed tools, arguments built here
        [tool, *args[1:]],
        env=_pg_environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=DATABASE_TOOL_SECONDS,
    )
    if result.returncode != 0:
        raise BackupError(f"{args[0]} failed: {result.stderr.strip()[-2000:]}")


# --- backup --------------------------------------------------------------------------------


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
            _run_pg_tool(
                [
                    *("pg_dump", "--format=custom", "--no-owner", "--no-acl"),
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                ]
            )
        facts = {"server_version": server, "pg_dump": _tool_version("pg_dump")}
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
            "ctportal": _version("ctportal"),
            "django": django.get_version(),
            "python": platform.python_version(),
        },
        "migrations": _migrations(),
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


# --- restore --------------------------------------------------------------------------------


def read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.getmember(MANIFEST)
    except KeyError:
        message = "This archive has no manifest.json: it is not a ctportal backup."
        raise BackupError(message) from None
    try:
        manifest = json.load(archive.extractfile(member))
        known = manifest.get("format") == FORMAT
        parts = manifest["database"]["vendor"], manifest["tables"], manifest["media"]["files"]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BackupError(f"The manifest of this archive cannot be read ({exc!r}).") from exc
    if not known or not all(part is not None for part in parts):
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    return manifest


def _empty_database(force: bool) -> None:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if not tables:
        return
    if not force:
        raise BackupError(
            f"The database {settings.DATABASES['default']['NAME']} is not empty "
            f"({len(tables)} tables). Restore into an empty database, or give --force "
            "to replace everything in it."
        )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for name in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(name)}")


def _empty_storage(storage: Storage, force: bool) -> None:
    names = list(storage_files(storage))
    if not names:
        return
    if not force:
        raise BackupError(
            f"The media storage already holds {len(names)} files. Restore into an empty "
            "storage, or give --force to replace them."
        )
    for name in names:
        storage.delete(name)


def _restore_database(archive: tarfile.TarFile, manifest: dict, work: Path) -> None:
    vendor = manifest["database"]["vendor"]
    member = archive.getmember(manifest["database"]["file"])
    target = work / Path(member.name).name
    with archive.extractfile(member) as source, target.open("wb") as copy:
        shutil.copyfileobj(source, copy)
    if vendor == "postgresql":
        connection.close()
        _run_pg_tool(
            [
                *("pg_restore", "--no-owner", "--no-acl", "--exit-on-error"),
                "--single-transaction",
                f"--dbname={settings.DATABASES['default']['NAME']}",
                str(target),
            ]
        )
        return
    connection.ensure_connection()
    source = sqlite3.connect(target)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _restore_media(archive: tarfile.TarFile, storage: Storage) -> int:
    restored = 0
    for member in archive:
        if not member.isfile() or not member.name.startswith(MEDIA):
            continue
        name = member.name[len(MEDIA) :]
        with archive.extractfile(member) as content:
            saved = storage.save(name, File(content, name=name))
        if saved != name:
            raise BackupError(f"The storage saved {name} as {saved}; it was not empty.")
        restored += 1
    return restored


def backup_restore(
    *,
    source: Path | None = None,
    stream: BinaryIO | None = None,
    force: bool = False,
    storage: Storage | None = None,
) -> Restored:
    """Bring the database and media of ``source`` back; refuses a system that is not empty.

    Returns the tables' row counts after the restore and every table whose count
    differs from the manifest's.
    """
    storage = storage or storages["default"]
    with tempfile.TemporaryDirectory(prefix="ctportal-restore-") as folder:
        if stream is not None:
            # The manifest is read first and sits at the end: the archive needs a file.
            source = Path(folder) / "backup.tar"
            with source.open("wb") as copy:
                shutil.copyfileobj(stream, copy)
        return _restore(source, force, storage, Path(folder))


def _restore(source: Path, force: bool, storage: Storage, folder: Path) -> Restored:
    try:
        archive = tarfile.open(source, "r")  # noqa: SIM115 - closed by the block below
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{source} cannot be read as a backup archive: {exc}") from exc
    with archive:
        manifest = read_manifest(archive)
        vendor = manifest["database"]["vendor"]
        # Checked before anything is emptied: a refused restore changes nothing.
        if vendor != connection.vendor:
            raise BackupError(
                f"This backup holds a {vendor} database; the portal is configured for "
                f"{connection.vendor}. Set DATABASE_URL to a {vendor} database."
            )
        _empty_database(force)
        _empty_storage(storage, force)
        _restore_database(archive, manifest, folder)
        result = Restored(files=_restore_media(archive, storage))
    result.tables = table_counts()
    for name, expected in manifest["tables"].items():
        found = result.tables.get(name, 0)
        if found != expected:
            result.mismatched[name] = (expected, found)
    if result.files != manifest["media"]["files"]:
        result.mismatched[MEDIA] = (manifest["media"]["files"], result.files)
    return result
