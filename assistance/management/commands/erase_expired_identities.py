"""Erase the identities of cases closed longer ago than IDENTITY_RETENTION_YEARS."""

from django.conf import settings
from django.core.management.base import BaseCommand

from assistance.retention.services import identities_erase_expired, retention_cutoff


class Command(BaseCommand):
    help = (
        "Erase identities, case notes and their attachments of cases closed more than "
        "IDENTITY_RETENTION_YEARS ago; the anonymised cases stay. Safe to run again."
    )

    def handle(self, *args, **options):
        cutoff = retention_cutoff()
        erased = identities_erase_expired()
        self.stdout.write(
            f"Cases closed before {cutoff.isoformat()} "
            f"(retention {settings.IDENTITY_RETENTION_YEARS} years): "
            f"{len(erased)} erased."
        )
