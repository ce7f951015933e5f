"""Copy media files between storages, e.g. from the local disk to S3 before switching."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from ctportal.media_migration import media_migrate
from ctportal.storage import named_storage


class Command(BaseCommand):
    help = (
        "Copy every media file from one storage to another under the same name. Storages "
        "are named as in settings (local: the disk under MEDIA_ROOT; s3: the store "
        "MEDIA_STORAGE_URL or AWS_STORAGE_BUCKET_NAME names; default) or given as a URL "
        "(s3://bucket?endpoint_url=..., file:///path). Resumable: files already in the "
        "target with the same size (--checksum: same SHA-256) are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True, help="storage to copy from")
        parser.add_argument("--to", dest="target", required=True, help="storage to copy to")
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be copied, copy nothing"
        )
        parser.add_argument(
            "--checksum",
            action="store_true",
            help="compare contents (SHA-256), not only sizes, of files already in the target",
        )

    def handle(self, *args, source, target, dry_run, checksum, verbosity, **options):
        if source == target:
            raise CommandError("--from and --to name the same storage.")
        try:
            source_storage, target_storage = named_storage(source), named_storage(target)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc

        def report(action: str, name: str) -> None:
            if action.startswith("fail"):
                self.stderr.write(f"{action} {name}")
            elif verbosity >= 2 or (action != "skip" and verbosity >= 1 and not dry_run):
                self.stdout.write(f"{action} {name}")

        counts = media_migrate(
            source=source_storage,
            target=target_storage,
            dry_run=dry_run,
            checksum=checksum,
            report=report,
        )
        verb = "would copy" if dry_run else "copied"
        size = filesizeformat(counts.copied_bytes).replace("\xa0", " ")
        summary = (
            f"{source} -> {target}: {verb} {counts.copied} ({size}), "
            f"already there {counts.skipped}, failed {counts.failed}."
        )
        if counts.failed:
            raise CommandError(summary + " Run it again to retry the failed files.")
        self.stdout.write(self.style.SUCCESS(summary))
