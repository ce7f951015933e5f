"""manage.py restore: a backup archive brought back into an empty system (ctportal.backups)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ctportal.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup archive into an empty database and media storage, then compare "
        "every table's rows with the manifest. Identities decrypt only with the same "
        "IDENTITY_ENCRYPTION_KEYS as when the backup was made."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the backup archive, or - for standard input")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace whatever the database and the media storage hold",
        )

    def handle(self, *args, archive: str, force: bool = False, **options):
        try:
            if archive == "-":
                result = backup_restore(stream=sys.stdin.buffer, force=force)
            else:
                result = backup_restore(source=Path(archive), force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for name, (expected, found) in sorted(result.mismatched.items()):
            self.stderr.write(f"{name}: {found} rows restored, the manifest says {expected}")
        if result.mismatched:
            raise CommandError(f"{len(result.mismatched)} tables differ from the manifest.")
        self.stdout.write(
            f"{archive}: {len(result.tables)} tables, {sum(result.tables.values())} rows and "
            f"{result.files} media files restored; every count matches the manifest"
        )
