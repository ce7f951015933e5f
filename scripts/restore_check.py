"""Restore drill (`make restore-check`): a backup brought back into a fresh system.

PostgreSQL: builds a source database (RESTORE_SOURCE_DB, default
ctportal_restore_source) with projects, a case whose identity is encrypted and a
document file, runs `manage.py backup` with the production settings, restores
the archive into a new empty database (RESTORE_DB, default ctportal_restore)
and a new empty media folder with `manage.py restore`, and checks:

- every table has the same rows in both databases, every media file the same bytes;
- the archive holds no identity in clear;
- identities decrypt with the same IDENTITY_ENCRYPTION_KEYS and fail with others;
- a second restore into the now non-empty system is refused, and --force replaces it.

SQLite (the embedded default): the same backup and restore between two database
files. Both databases are dropped at the end, and the work folder removed.
Exits non-zero on the first difference.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import stack
from cryptography.fernet import Fernet
from stack import ROOT, log

PYTHON = sys.executable
SOURCE_DB = os.environ.get("RESTORE_SOURCE_DB", "ctportal_restore_source")
TARGET_DB = os.environ.get("RESTORE_DB", "ctportal_restore")
KEY = Fernet.generate_key().decode()
OTHER_KEY = Fernet.generate_key().decode()
# Found nowhere in clear: not in the dump, not in the archive.
GIVEN_NAME = f"Amina-{secrets.token_hex(6)}"
DOCUMENT = f"restore drill {secrets.token_hex(8)}\n".encode()

SEED = f"""
from django.core.files.base import ContentFile
from accounts.models import User
from assistance.models import Identity
from ctportal.access import Role
from projects.models import Document
from tests import factories as f
worker = f.UserFactory(username="restore-worker", role=Role.CASE_WORKER)
project = f.ProjectFactory()
f.ProjectFactory.create_batch(5)
case = f.CaseFactory(project=project, registered_by=worker)
Identity.objects.create(case=case, given_name={GIVEN_NAME!r}, family_name="Haddad",
    updated_by=worker)
document = Document(project=project, title="Attendance", category="A08")
document.file.save("attendance.txt", ContentFile({DOCUMENT!r}), save=False)
document.save()
"""
READ_NAMES = (
    "from assistance.models import Identity; "
    "print(sorted(i.given_name for i in Identity.objects.all()))"
)


def sql(query: str, params: tuple = (), *, database: str = "postgres") -> list[tuple]:
    return stack.sql(query, params, database=database)


def fresh_database(name: str) -> None:
    sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    sql(f'CREATE DATABASE "{name}"')


def pg_counts(database: str) -> dict[str, int]:
    tables = sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", database=database
    )
    union = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for (t,) in tables)  # noqa: S608
    return dict(sql(union, database=database)) if tables else {}


def sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}  # noqa: S608


class Failed(Exception):
    pass


def check(condition: bool, what: str) -> None:
    if not condition:
        raise Failed(what)
    log(f"ok: {what}")


def manage(env: dict, *args: str, expect: int = 0) -> subprocess.CompletedProcess:
    result = subprocess.run(  # noqa: S603 - our own fixed command lines
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if (result.returncode == 0) != (expect == 0):
        raise Failed(
            f"manage.py {' '.join(args)} exited {result.returncode}:\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def environment(database_url: str, media: Path, *, keys: str = KEY, production=True) -> dict:
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "HOME")},
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media),
        "IDENTITY_ENCRYPTION_KEYS": keys,
        "LOG_LEVEL": "ERROR",
        # Seeding runs the portal's signals; their jobs and cache stay in this process.
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }
    if production:
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "ctportal.settings.production",
                "SECRET_KEY": secrets.token_urlsafe(64),
                "ALLOWED_HOSTS": "127.0.0.1",
                # Named because production requires it; backup and restore never use it.
                "REDIS_URL": "redis://127.0.0.1:1/0",
            }
        )
    else:
        env["DJANGO_SETTINGS_MODULE"] = "ctportal.settings.local"
    return env


def last_line(output: str) -> str:
    lines = output.strip().splitlines()
    return lines[-1] if lines else ""


def same_files(left: Path, right: Path) -> bool:
    def files(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    return files(left) == files(right)


def drill_postgresql(work: Path) -> None:
    pg = "postgres://postgres@127.0.0.1:5432/"
    source_media, target_media = work / "media-source", work / "media-restored"
    source = environment(pg + SOURCE_DB, source_media)
    target = environment(pg + TARGET_DB, target_media)
    archive = work / "backup.tar"

    log(f"PostgreSQL: source database {SOURCE_DB}: migrate and seed")
    fresh_database(SOURCE_DB)
    manage(source, "migrate", "--noinput", "-v", "0")
    manage(source, "shell", "-c", SEED)
    log("backup")
    print(manage(source, "backup", "--output", str(archive)).stdout.strip())
    check(GIVEN_NAME.encode() not in archive.read_bytes(), "no identity in clear in the archive")

    log(f"restore into the empty database {TARGET_DB} and an empty media folder")
    fresh_database(TARGET_DB)
    print(manage(target, "restore", str(archive)).stdout.strip())
    expected, found = pg_counts(SOURCE_DB), pg_counts(TARGET_DB)
    check(len(expected) > 100 and sum(expected.values()) > 0, "the source has tables and rows")
    check(expected == found, f"every table has the same rows ({sum(found.values())} rows)")
    check(same_files(source_media, target_media), "every media file has the same bytes")

    names = last_line(manage(target, "shell", "-v", "0", "-c", READ_NAMES).stdout)
    check(names == repr([GIVEN_NAME]), f"identities decrypt with the same keys ({names})")
    other = environment(pg + TARGET_DB, target_media, keys=OTHER_KEY)
    refused = manage(other, "shell", "-v", "0", "-c", READ_NAMES, expect=1)
    check("UndecryptableValue" in refused.stderr, "identities do not decrypt with other keys")

    again = manage(target, "restore", str(archive), expect=1)
    check("is not empty" in again.stderr, "a second restore into a non-empty system is refused")
    check(pg_counts(TARGET_DB) == expected, "and changed nothing")
    manage(target, "restore", str(archive), "--force")
    check(pg_counts(TARGET_DB) == expected, "--force replaces it with the same rows")


def drill_sqlite(work: Path) -> None:
    source_file, target_file = work / "source.sqlite3", work / "restored.sqlite3"
    source_media, target_media = work / "sqlite-media-source", work / "sqlite-media-restored"
    source = environment(f"sqlite:///{source_file}", source_media, production=False)
    target = environment(f"sqlite:///{target_file}", target_media, production=False)
    archive = work / "sqlite-backup.tar"

    log("SQLite (embedded default): migrate and seed a database file")
    manage(source, "migrate", "--noinput", "-v", "0")
    manage(source, "shell", "-c", SEED)
    print(manage(source, "backup", "--output", str(archive)).stdout.strip())
    print(manage(target, "restore", str(archive)).stdout.strip())
    expected = sqlite_counts(source_file)
    check(expected == sqlite_counts(target_file), "SQLite: every table has the same rows")
    check(same_files(source_media, target_media), "SQLite: every media file has the same bytes")
    names = last_line(manage(target, "shell", "-v", "0", "-c", READ_NAMES).stdout)
    check(names == repr([GIVEN_NAME]), f"SQLite: identities decrypt with the same keys ({names})")


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="ctportal-restore-"))
    started = time.monotonic()
    try:
        drill_postgresql(work)
        drill_sqlite(work)
    except Failed as exc:
        print(f"\nRESTORE CHECK FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        for name in (SOURCE_DB, TARGET_DB):
            sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)
    log(f"restore check passed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
