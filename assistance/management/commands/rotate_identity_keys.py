"""Re-encrypt identities, notes and attachments with the first of IDENTITY_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand

from assistance.note_files import attachments_reencrypt
from assistance.services import identities_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt every identity, case note and attachment with the first of "
        "IDENTITY_ENCRYPTION_KEYS. Put the new key first, keep the old ones, run this, "
        "then remove the old keys."
    )

    def handle(self, *args, **options):
        count = identities_reencrypt()
        files = attachments_reencrypt()
        self.stdout.write(
            self.style.SUCCESS(
                f"{count} rows and {files} attachments re-encrypted with the current key."
            )
        )
