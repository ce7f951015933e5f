"""Re-encrypt identities, notes, attachments and authenticator secrets with the first key."""

from django.core.management.base import BaseCommand

from accounts.services import authenticator_keys_reencrypt
from assistance.note_files import attachments_reencrypt
from assistance.services import identities_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt every identity, case note, attachment and authenticator-app secret "
        "with the first of "
        "IDENTITY_ENCRYPTION_KEYS. Put the new key first, keep the old ones, run this, "
        "then remove the old keys."
    )

    def handle(self, *args, **options):
        count = identities_reencrypt()
        files = attachments_reencrypt()
        devices = authenticator_keys_reencrypt()
        self.stdout.write(
            self.style.SUCCESS(
                f"{count} rows, {files} attachments and {devices} authenticator secrets "
                "re-encrypted with the current key."
            )
        )
