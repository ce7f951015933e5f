"""Moving media files from one storage to another (``manage.py migrate_media``).

Every file of the source is copied under the same name, so the names the
database holds stay valid. A run can stop anywhere and be started again: a
file already in the target with the same size (and, with ``checksum``, the
same SHA-256) is skipped, and a file that differs is replaced in one step.
Nothing is deleted from the source; switch the portal to the target once a
run reports nothing left to copy.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files import File
from django.core.files.storage import Storage

from .storage import open_stream, replace

BLOCK = 1024 * 1024


@dataclass
class MigrationCounts:
    """What a run did (or, in a dry run, would do)."""

    copied: int = 0
    copied_bytes: int = 0
    skipped: int = 0
    failed: int = 0


def stored_names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name in ``storage`` under ``folder``, folders first, in name order.

    Hidden files (a name starting with ".", such as a replacement being
    written) are left out.
    """
    folders, files = storage.listdir(folder)
    for name in sorted(folders):
        if not name.startswith("."):
            yield from stored_names(storage, posixpath.join(folder, name))
    for name in sorted(files):
        if not name.startswith("."):
            yield posixpath.join(folder, name) if folder else name


def _sha256(storage: Storage, name: str) -> str:
    digest = hashlib.sha256()
    handle, _size = open_stream(storage, name)
    try:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)
    finally:
        handle.close()
    return digest.hexdigest()


def already_there(source: Storage, target: Storage, name: str, *, checksum: bool) -> bool | None:
    """True when ``target`` holds the same file, False when it holds another, None when none."""
    if not target.exists(name):
        return None
    if source.size(name) != target.size(name):
        return False
    return not checksum or _sha256(source, name) == _sha256(target, name)


def media_migrate(
    *,
    source: Storage,
    target: Storage,
    dry_run: bool = False,
    checksum: bool = False,
    report: Callable[[str, str], None] | None = None,
) -> MigrationCounts:
    """Copy every file of ``source`` missing or different in ``target``; returns the counts.

    ``report(action, name)`` hears of each file: ``copy``, ``replace``, ``skip``
    or ``fail: <error kind>``. A failure is counted and the run goes on.
    """
    report = report or (lambda action, name: None)
    counts = MigrationCounts()
    for name in stored_names(source):
        try:
            present = already_there(source, target, name, checksum=checksum)
            if present:
                counts.skipped += 1
                report("skip", name)
                continue
            size = source.size(name)
            if not dry_run:
                with source.open(name, "rb") as handle:
                    if present is False:
                        replace(target, name, File(handle, name=name))
                    else:
                        saved = target.save(name, File(handle, name=name))
                        if saved != name:
                            raise OSError(f"stored as {saved}")
        except (OSError, ClientError, BotoCoreError) as exc:
            counts.failed += 1
            report(f"fail: {exc.__class__.__name__}", name)
            continue
        counts.copied += 1
        counts.copied_bytes += size
        report("copy" if present is None else "replace", name)
    return counts
