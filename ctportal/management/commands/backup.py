"""manage.py backup: the database and media in one archive with a manifest (ctportal.backups)."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ctportal.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write a backup archive: a consistent database dump, every media file and a "
        "manifest. The identity encryption keys are not in it; keep them apart."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            help="archive to write, or - for standard output "
            "(default var/backups/ctportal-<UTC time>.tar)",
        )

    def handle(self, *args, output: str | None = None, **options):
        try:
            if output == "-":
                manifest = backup_create(stream=sys.stdout.buffer)
                sys.stdout.buffer.flush()
                report = self.stderr
            else:
                if output is None:
                    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
                    output = Path(settings.BASE_DIR) / "var" / "backups" / f"ctportal-{stamp}.tar"
                manifest = backup_create(output=Path(output))
                report = self.stdout
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["tables"].values())
        media = manifest["media"]
        report.write(
            f"{output}: {len(manifest['tables'])} tables, {rows} rows, "
            f"{media['files']} media files ({media['bytes']} bytes)"
        )
