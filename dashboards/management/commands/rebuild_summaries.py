"""Recompute the figures kept for dashboards and figures pages (dashboards.summaries)."""

from django.core.management.base import BaseCommand, CommandError

from dashboards.summaries.build import rebuild


class Command(BaseCommand):
    help = (
        "Recompute the figures dashboards and figures pages read for every scope in use. "
        "Run after migrating and after loading data without the portal; safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--attempts",
            type=int,
            default=3,
            help="Tries when records change while the figures are being computed.",
        )

    def handle(self, *args, **options):
        for _attempt in range(max(1, options["attempts"])):
            done = rebuild()
            if done["written"]:
                self.stdout.write(
                    f"{done['summaries']} figures for {done['scopes']} scopes "
                    f"in {done['seconds']:.1f} s."
                )
                return
        raise CommandError("Records kept changing while the figures were computed; run again.")
