"""Check the IATI 2.03 file of the portfolio, or of one project, before publishing it."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from projects import iati
from projects.models import Project


class Command(BaseCommand):
    help = (
        "Check the IATI file of every project (or of --project CODE) against the IATI 2.03 "
        "schema, the standard ruleset and codelists; exit status 1 when there are errors."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--project", dest="code", metavar="CODE", help="Only this project.")
        parser.add_argument(
            "--base-url",
            default=settings.PORTAL_URL,
            help="Address of the portal, for links to public documents.",
        )

    def handle(self, *args, code: str | None, base_url: str, **options) -> None:
        projects = Project.objects.all()
        if code:
            projects = projects.filter(code=code)
            if not projects.exists():
                raise CommandError(f"Unknown project code: {code}")
        findings, count = iati.check_projects(projects, base_url=base_url)
        if not count:
            raise CommandError("There is no project to check.")
        for finding in findings:
            self.stdout.write(
                "\t".join(
                    (
                        finding.severity.upper(),
                        finding.activity or "-",
                        finding.path,
                        finding.rule,
                        finding.message,
                    )
                )
            )
        errors = sum(finding.is_error for finding in findings)
        summary = (
            f"{count} activities checked: {errors} error(s), {len(findings) - errors} warning(s)."
        )
        if errors:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
