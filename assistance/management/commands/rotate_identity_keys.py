"""Re-encrypt identities and case notes with the first key of IDENTITY_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand

from assistance.services import identities_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt every identity and case note with the first of IDENTITY_ENCRYPTION_KEYS. "
        "Put the new key first, keep the old ones, run this, then remove the old keys."
    )

    def handle(self, *args, **options):
        count = identities_reencrypt()
        self.stdout.write(self.style.SUCCESS(f"{count} rows re-encrypted with the current key."))
