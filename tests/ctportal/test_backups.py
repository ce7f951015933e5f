import io
import json
import sqlite3
import tarfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from ctportal.backups import FORMAT, backup_create
from projects.models import Project
from tests import factories as f


def archive_with(tmp_path, manifest: dict | None, *, extra: dict[str, bytes] | None = None):
    path = tmp_path / "backup.tar"
    with tarfile.open(path, "w") as archive:
        members = dict(extra or {})
        if manifest is not None:
            members["manifest.json"] = json.dumps(manifest).encode()
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return path


def manifest_for(vendor: str) -> dict:
    return {
        "format": FORMAT,
        "database": {"vendor": vendor, "file": "database.dump"},
        "tables": {"projects_project": 0},
        "media": {"files": 0},
    }


@pytest.fixture(autouse=True)
def empty_media(settings):
    """A media storage of this test's own: other tests' files are not in its backup."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


@pytest.fixture
def stored_file():
    name = default_storage.save("documents/2026/minutes.txt", ContentFile(b"minutes\n"))
    yield name
    default_storage.delete(name)


def test_a_backup_holds_the_database_every_media_file_and_a_manifest(
    transactional_db, tmp_path, stored_file
):
    f.ProjectFactory.create_batch(2, title="مشروع الحماية")
    output = tmp_path / "ctportal.tar"

    call_command("backup", output=str(output))

    with tarfile.open(output) as archive:
        names = archive.getnames()
        manifest = json.load(archive.extractfile("manifest.json"))
        media = archive.extractfile(f"media/{stored_file}").read()
        dump = archive.extractfile(manifest["database"]["file"]).read()
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["tables"]["projects_project"] == 2
    assert manifest["tables"]["django_migrations"] > 0
    storage = type(storages["default"])
    assert manifest["media"] == {
        "storage": f"{storage.__module__}.{storage.__name__}",
        "files": 1,
        "bytes": 8,
    }
    assert manifest["migrations"]["projects"].startswith("00")
    assert "not included" in manifest["identity_keys"]
    assert media == b"minutes\n"
    assert set(names) == {"manifest.json", manifest["database"]["file"], f"media/{stored_file}"}
    assert len(dump) > 10_000
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite copy is read with sqlite3")
def test_a_sqlite_backup_is_a_database_file_with_the_same_rows(transactional_db, tmp_path):
    f.ProjectFactory.create_batch(3)
    output = tmp_path / "ctportal.tar"

    manifest = backup_create(output=output)

    with tarfile.open(output) as archive:
        archive.extract("database.sqlite3", tmp_path, filter="data")
    with sqlite3.connect(tmp_path / "database.sqlite3") as copy:
        (projects,) = copy.execute("SELECT count(*) FROM projects_project").fetchone()
    assert projects == manifest["tables"]["projects_project"] == 3


def test_a_backup_refuses_to_run_inside_a_transaction(db, tmp_path):
    with pytest.raises(CommandError, match="inside a database transaction"):
        call_command("backup", output=str(tmp_path / "x.tar"))
    assert not list(tmp_path.iterdir())


def test_restore_refuses_a_database_that_is_not_empty(db, tmp_path):
    f.ProjectFactory()
    archive = archive_with(tmp_path, manifest_for(connection.vendor))

    with pytest.raises(CommandError, match="is not empty .* give --force"):
        call_command("restore", str(archive))
    assert Project.objects.count() == 1


def test_restore_refuses_the_backup_of_another_database_before_touching_anything(db, tmp_path):
    f.ProjectFactory()
    archive = archive_with(tmp_path, manifest_for("mysql"))

    with pytest.raises(CommandError, match="holds a mysql database"):
        call_command("restore", str(archive), force=True)
    assert Project.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot be read as a backup archive"),
        ({}, "no manifest.json"),
        ({"manifest.json": b"{not json"}, "manifest of this archive cannot be read"),
        ({"manifest.json": b'{"format": 99}'}, "manifest of this archive cannot be read"),
    ],
)
def test_restore_refuses_what_is_not_a_backup(db, tmp_path, content, message):
    f.ProjectFactory()
    if content is None:
        archive = tmp_path / "backup.tar"
        archive.write_bytes(b"these bytes are not a tar archive" * 20)
    else:
        archive = archive_with(tmp_path, None, extra=content)

    with pytest.raises(CommandError, match=message):
        call_command("restore", str(archive), force=True)
    assert Project.objects.count() == 1
