import io
import os

import pytest
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, InMemoryStorage
from django.core.management import CommandError, call_command

from ctportal.storage import named_storage, open_stream, replace


@pytest.fixture
def disk(tmp_path):
    return FileSystemStorage(location=tmp_path / "media")


def test_replace_on_disk_swaps_the_content_under_the_same_name(disk):
    name = disk.save("case-notes/2026/a.bin", ContentFile(b"old token"))

    replace(disk, name, ContentFile(b"new token"))

    assert disk.open(name).read() == b"new token"
    assert disk.listdir("case-notes/2026") == ([], ["a.bin"])


def test_replace_cut_short_keeps_the_old_content(disk):
    name = disk.save("case-notes/2026/a.bin", ContentFile(b"old token"))

    class Broken(File):
        def chunks(self, chunk_size=None):
            yield b"half"
            raise OSError("connection lost")

    with pytest.raises(OSError, match="connection lost"):
        replace(disk, name, Broken(io.BytesIO(b"new token")))

    assert disk.open(name).read() == b"old token"
    assert os.listdir(os.path.dirname(disk.path(name))) == ["a.bin"]


def test_replace_in_memory_keeps_the_name():
    memory = InMemoryStorage()
    name = memory.save("a.bin", ContentFile(b"old"))
    replace(memory, name, ContentFile(b"new"))
    assert memory.open(name).read() == b"new"


def test_open_stream_reads_a_stored_file_and_refuses_a_missing_one(disk):
    name = disk.save("exports/x.csv", ContentFile(b"a,b\r\n"))
    handle, _size = open_stream(disk, name)
    with handle:
        assert handle.read() == b"a,b\r\n"
    with pytest.raises(FileNotFoundError):
        open_stream(disk, "exports/gone.csv")


@pytest.fixture
def no_s3(settings):
    settings.STORAGES = {name: entry for name, entry in settings.STORAGES.items() if name != "s3"}


def test_a_storage_is_named_or_given_by_url(tmp_path, no_s3):
    assert isinstance(named_storage("local"), FileSystemStorage)
    storage = named_storage(f"file://{tmp_path}")
    assert storage.location == str(tmp_path)
    with pytest.raises(Exception, match="No storage named 's3'"):
        named_storage("s3")


def migrate(*args) -> str:
    out = io.StringIO()
    call_command("migrate_media", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_migrate_media_copies_then_skips_what_is_there(tmp_path):
    source = FileSystemStorage(location=tmp_path / "from")
    target = FileSystemStorage(location=tmp_path / "to")
    source.save("documents/2026/a.pdf", ContentFile(b"%PDF-a"))
    source.save("exports/ctdc/ctdc-1.csv", ContentFile(b"x" * 3000))
    source.save("exports/.replace-abc", ContentFile(b"half written"))
    urls = ("--from", f"file://{tmp_path / 'from'}", "--to", f"file://{tmp_path / 'to'}")

    dry = migrate(*urls, "--dry-run")
    assert "would copy 2 (2.9 KB), already there 0, failed 0" in dry
    assert not (tmp_path / "to").exists() or not target.listdir("")[0]

    first = migrate(*urls)
    assert "copied 2 (2.9 KB), already there 0, failed 0" in first
    assert target.open("documents/2026/a.pdf").read() == b"%PDF-a"
    assert not target.exists("exports/.replace-abc")

    again = migrate(*urls)
    assert "copied 0 (0 bytes), already there 2, failed 0" in again


def test_migrate_media_replaces_a_file_that_differs(tmp_path):
    source = FileSystemStorage(location=tmp_path / "from")
    target = FileSystemStorage(location=tmp_path / "to")
    source.save("a.txt", ContentFile(b"right"))
    target.save("a.txt", ContentFile(b"wrong"))
    source.save("b.txt", ContentFile(b"longer content"))
    target.save("b.txt", ContentFile(b"cut"))
    urls = ("--from", f"file://{tmp_path / 'from'}", "--to", f"file://{tmp_path / 'to'}")

    by_size = migrate(*urls)
    assert "copied 1" in by_size and "already there 1" in by_size
    assert target.open("b.txt").read() == b"longer content"
    assert target.open("a.txt").read() == b"wrong"

    by_content = migrate(*urls, "--checksum")
    assert "copied 1" in by_content and "already there 1" in by_content
    assert target.open("a.txt").read() == b"right"


def test_migrate_media_refuses_unknown_or_identical_storages(no_s3):
    with pytest.raises(CommandError, match="No storage named 's3'"):
        migrate("--from", "local", "--to", "s3")
    with pytest.raises(CommandError, match="same storage"):
        migrate("--from", "local", "--to", "local")
