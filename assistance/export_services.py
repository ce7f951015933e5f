"""Requesting and building anonymised CTDC files, cut from the current release (see
``assistance.ctdc``)."""

from __future__ import annotations

import functools

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.middleware import is_verified

from accounts.models import AuthenticatorDevice
from ctportal import access
from ctportal.jobs import job_finish, job_queue, job_rerun, job_run, job_store
from ctportal.storage import spool

from .ctdc import available_release, current_release, published_rows, release_records
from .export_models import CTDCExport
from .exports import WRITERS


def ctdc_export_request(*, user, fmt: str) -> CTDCExport:
    """Queue the CTDC file of the current release's records the user may count; built
    after commit from that release, even if another is published meanwhile.

    Anyone with a role may ask: each gets the records of their own scope
    (``Case.objects.counted_for``), which is empty for some.
    """
    if not access.has_role(user):
        raise PermissionDenied
    if fmt not in CTDCExport.Format.values:
        raise ValidationError({"format": _("Unknown export format.")})
    release = current_release()
    if release is None:
        raise ValidationError(
            _("No anonymised release has been published yet. An administrator publishes one.")
        )
    with transaction.atomic():
        return job_queue(
            CTDCExport(
                requested_by=user,
                format=fmt,
                release=release,
                second_factor=access.second_factor_verified(user),
            )
        )


def ctdc_export_rerun(*, user, pk: int) -> CTDCExport:
    """Build a failed or stopped export of the user's own again (a new attempt)."""
    if not CTDCExport.objects.visible_to(user).filter(pk=pk, requested_by=user).exists():
        raise PermissionDenied
    return job_rerun(CTDCExport, pk, reset={"error": ""})


def _acting_user(export: CTDCExport):
    """The requester as their session was when they asked: with the second factor if given.

    Only while they still have a confirmed device, so removing it stops pending files.
    """
    user = export.requested_by
    user.otp_device = None
    if export.second_factor:
        user.otp_device = (
            AuthenticatorDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
        )
    user.is_verified = functools.partial(is_verified, user)
    return user


def ctdc_export_build(*, export_id: int, attempt: int | None = None, task=None) -> CTDCExport:
    """Build the file of one export. Safe to run twice: a finished export is kept as it is."""
    return job_run(task, CTDCExport, export_id, attempt, _build_ctdc_file)


def _build_ctdc_file(export: CTDCExport) -> None:
    export = CTDCExport.objects.select_related("requested_by", "release").get(pk=export.pk)
    release = export.release
    if release is None or available_release(release.pk) is None:
        # Its release's records were dropped while it waited: the current release.
        release = current_release()
    user = _acting_user(export)
    suppressed = release_records(release, user).suppressed().count()
    with spool() as handle:
        rows = published_rows(release, user).iterator(chunk_size=2000)
        count = WRITERS[export.format](rows, handle)
        handle.seek(0)
        name = job_store(export, "file", f"ctdc-{export.pk}.{export.format}", File(handle))
    job_finish(
        export,
        file=name,
        release=release,
        row_count=count,
        suppressed_count=suppressed,
        generalisation=release.generalisation if release else {},
        error="",
    )
