"""Reads of CTDC releases: the current one and a reader's share of it."""

from __future__ import annotations

from django.db.models import QuerySet

from ..export_models import CTDCRecord, CTDCRelease

# Releases whose records are kept, so that a reader paging through one finishes it.
KEPT_RELEASES = 3


def current_release() -> CTDCRelease | None:
    """The latest release, or None before the first is published."""
    return CTDCRelease.objects.order_by("-pk").first()


def available_release(pk: int) -> CTDCRelease | None:
    """One of the latest ``KEPT_RELEASES`` releases, whose records are still kept."""
    kept = CTDCRelease.objects.order_by("-pk")[:KEPT_RELEASES]
    return next((release for release in kept if release.pk == pk), None)


def release_records(release: CTDCRelease | None, user) -> QuerySet:
    """The records of ``release`` in the user's scope, published and suppressed, in
    release order; none without a release."""
    if release is None:
        return CTDCRecord.objects.none()
    return CTDCRecord.objects.visible_to(user).filter(release=release).order_by("pk")


def published_rows(release: CTDCRelease | None, user) -> QuerySet:
    """The published rows (lists in ``COLUMNS`` order) of the user's share of ``release``."""
    return release_records(release, user).published().values_list("values", flat=True)
