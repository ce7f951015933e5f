"""Write the IATI 2.03 activity file of the portfolio, or of some projects."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from projects import iati
from projects.models import Project


class Command(BaseCommand):
    help = "Write IATI 2.03 iati-activities XML of every project (or of --project CODE)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output", "-o", default="-", help="File to write; '-' (the default) is stdout."
        )
        parser.add_argument(
            "--project",
            action="append",
            dest="codes",
            metavar="CODE",
            help="Only this project code; repeat for several.",
        )
        parser.add_argument(
            "--base-url",
            default=settings.PORTAL_URL,
            help="Address of the portal, for links to attached documents.",
        )
        parser.add_argument(
            "--validate",
            action="store_true",
            help="Check the file against the IATI 2.03 schema after writing it.",
        )

    def handle(self, *args, output: str, codes: list[str] | None, base_url: str, **options):
        projects = Project.objects.all()
        if codes:
            found = set(projects.filter(code__in=codes).values_list("code", flat=True))
            missing = sorted(set(codes) - found)
            if missing:
                raise CommandError(f"Unknown project code(s): {', '.join(missing)}")
            projects = projects.filter(code__in=codes)
        if not projects.exists():
            raise CommandError("There is no project to export.")

        content, count = iati.render_activities(projects, base_url=base_url)
        if options["validate"]:
            errors = iati.schema_errors(content)
            if errors:
                raise CommandError("The file is not valid IATI 2.03:\n" + "\n".join(errors[:20]))
        if output == "-":
            self.stdout.write(content.decode("utf-8"), ending="")
        else:
            Path(output).write_bytes(content)
            self.stdout.write(self.style.SUCCESS(f"Wrote {count} activities to {output}."))
