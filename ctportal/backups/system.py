"""What a backup reads of the running system: tables, media files, versions, PostgreSQL tools."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from importlib import metadata

from django.core.files.storage import Storage
from django.db import connection
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


def package_version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def tool_version(tool: str) -> str:
    found = shutil.which(tool)
    if not found:
        return "missing"
    result = subprocess.run(  # noqa: S603 - a fixed command line
        [found, "--version"], capture_output=True, text=True, check=False, timeout=30
    )
    return result.stdout.strip()


def applied_migrations() -> dict[str, str]:
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
    db = connection.settings_dict
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


def run_pg_tool(args: list[str]) -> None:
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
