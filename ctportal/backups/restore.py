"""Bringing a backup archive back into an empty system."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.core.files.base import File
from django.core.files.storage import Storage, storages
from django.db import connection

from .system import FORMAT, MANIFEST, MEDIA, BackupError, run_pg_tool, storage_files, table_counts


@dataclass
class Restored:
    """Rows of every table after a restore, the tables (and media) unlike the manifest."""

    tables: dict[str, int] = field(default_factory=dict)
    mismatched: dict[str, tuple[int, int]] = field(default_factory=dict)
    files: int = 0


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
            f"The database {connection.settings_dict['NAME']} is not empty "
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
        run_pg_tool(
            [
                *("pg_restore", "--no-owner", "--no-acl", "--exit-on-error"),
                "--single-transaction",
                f"--dbname={connection.settings_dict['NAME']}",
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
