"""Publishing a CTDC release: the one k-anonymisation every reader's records are cut from."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from ctportal import access

from ..export_models import CTDCRecord, CTDCRelease
from .layout import LAYOUT_VERSION
from .release import CHUNK_SIZE, K, consenting_cases, consistent_read, plan_for, release_rows
from .selectors import KEPT_RELEASES


def ctdc_release_publish(*, user=None) -> CTDCRelease:
    """Anonymise every consenting case once and store the rows as the new current release.

    ``user`` is the administrator who publishes (None for the scheduler and
    management commands). The counting and the rows are read in one snapshot.
    Records of all but the latest ``KEPT_RELEASES`` releases are then deleted;
    the releases themselves stay, with their figures.
    """
    if user is not None and access.role_of(user) != access.Role.ADMINISTRATOR:
        raise PermissionDenied
    with consistent_read():
        cases = consenting_cases()
        plan = plan_for(cases)
        release = CTDCRelease.objects.create(
            published_by=user,
            layout=LAYOUT_VERSION,
            k=K,
            generalisation=plan.levels,
            total=plan.total,
            suppressed_count=plan.suppressed,
        )
        batch: list[CTDCRecord] = []
        for project, office, row in release_rows(cases, plan):
            batch.append(
                CTDCRecord(
                    release=release, project_id=project, country_office_id=office, values=row
                )
            )
            if len(batch) >= CHUNK_SIZE:
                CTDCRecord.objects.bulk_create(batch)
                batch = []
        CTDCRecord.objects.bulk_create(batch)
        kept = CTDCRelease.objects.order_by("-pk").values_list("pk", flat=True)[:KEPT_RELEASES]
        old = CTDCRecord.objects.exclude(release__in=list(kept))
        # One DELETE statement: records have no signals or relations of their own to honour,
        # and the metrics' delete signal would otherwise load a whole release into memory.
        old._raw_delete(old.db)
    return release
