from django.core.management.base import BaseCommand

from assistance.ctdc import ctdc_release_publish


class Command(BaseCommand):
    help = (
        "Publish a new CTDC release: anonymise every consenting case once; every later "
        "CTDC file and API page is cut from it."
    )

    def handle(self, *args, **options):
        release = ctdc_release_publish()
        self.stdout.write(
            f"Release {release.pk}: {release.total} consenting cases, "
            f"{release.published_count} published, {release.suppressed_count} suppressed, "
            f"generalisation {release.generalisation}."
        )
