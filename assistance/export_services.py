"""Requesting and building anonymised CTDC exports (see ``assistance.ctdc``)."""

from __future__ import annotations

import functools

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.middleware import is_verified

from accounts.models import AuthenticatorDevice
from ctportal import access
from projects.models import ExportStatus

from .ctdc import anonymised_records
from .export_models import CTDCExport
from .exports import WRITERS, spool


def ctdc_export_request(*, user, fmt: str) -> CTDCExport:
    """Queue the CTDC file of the cases the user may count; built after commit.

    Anyone with a role may ask: each gets the k-anonymised records of their own
    scope (``Case.objects.counted_for``), which is empty for some.
    """
    if not access.has_role(user):
        raise PermissionDenied
    if fmt not in CTDCExport.Format.values:
        raise ValidationError({"format": _("Unknown export format.")})
    from .tasks import build_ctdc_export

    with transaction.atomic():
        export = CTDCExport.objects.create(
            requested_by=user, format=fmt, second_factor=access.second_factor_verified(user)
        )
        transaction.on_commit(lambda: build_ctdc_export.delay(export.pk))
    return export


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


def ctdc_export_build(*, export_id: int) -> CTDCExport:
    """Build the file of one export. Safe to run twice: a finished export is kept as it is."""
    export = CTDCExport.objects.select_related("requested_by").get(pk=export_id)
    if export.status == ExportStatus.DONE:
        return export
    export.status = ExportStatus.RUNNING
    export.save(update_fields=["status"])
    try:
        with spool() as handle:
            with anonymised_records(_acting_user(export)) as (plan, rows):
                count = WRITERS[export.format](rows, handle)
            handle.seek(0)
            if export.file:
                # A retry after a crash between storing the file and recording it.
                export.file.delete(save=False)
            export.file.save(f"ctdc-{export.pk}.{export.format}", File(handle), save=False)
    except Exception as exc:
        export.status = ExportStatus.FAILED
        export.error = exc.__class__.__name__
        export.finished_at = timezone.now()
        export.save(update_fields=["status", "error", "finished_at"])
        raise
    export.row_count = count
    export.suppressed_count = plan.suppressed
    export.generalisation = plan.levels
    export.status = ExportStatus.DONE
    export.error = ""
    export.finished_at = timezone.now()
    export.save()
    return export
