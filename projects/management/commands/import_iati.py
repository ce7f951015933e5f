"""Import an IATI 2.03 activity file as a given user, all or nothing."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from ctportal.uploads import upload_max_bytes
from projects.iati_import import iati_import


class Command(BaseCommand):
    help = "Create or update projects from an IATI 2.03 activity file, with USERNAME's rights."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="The iati-activities XML file.")
        parser.add_argument("--user", required=True, help="Import as this user (their scope).")
        parser.add_argument("--dry-run", action="store_true", help="Only report what would change.")

    def handle(self, *args, file: str, user: str, dry_run: bool, **options):
        User = get_user_model()
        try:
            account = User.objects.get(username=user)
        except User.DoesNotExist as exc:
            raise CommandError(f"Unknown user {user}.") from exc
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        if path.stat().st_size > upload_max_bytes():
            raise CommandError(f"The file is larger than {upload_max_bytes()} bytes.")
        try:
            outcome = iati_import(user=account, content=path.read_bytes(), dry_run=dry_run)
        except PermissionDenied as exc:
            raise CommandError(f"{user} may not import projects.") from exc
        summary = outcome.plan.summary
        if outcome.problems:
            for problem in outcome.problems:
                self.stderr.write(problem.as_text())
            raise CommandError(f"{len(outcome.problems)} problems; nothing was imported.")
        verb = "Would create" if dry_run else "Created"
        self.stdout.write(
            f"{verb} {summary['create']} projects, "
            f"{'would update' if dry_run else 'updated'} {summary['update']}, "
            f"{summary['unchanged']} unchanged, {summary['organisations']} new organisations."
        )
