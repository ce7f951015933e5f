"""Requesting and building anonymised CTDC exports (see ``assistance.ctdc``)."""

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
    with transaction.atomic():
        return job_queue(
            CTDCExport(
                requested_by=user, format=fmt, second_factor=access.second_factor_verified(user)
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
    export = CTDCExport.objects.select_related("requested_by").get(pk=export.pk)
    with spool() as handle:
        with anonymised_records(_acting_user(export)) as (plan, rows):
            count = WRITERS[export.format](rows, handle)
        handle.seek(0)
        name = job_store(export, "file", f"ctdc-{export.pk}.{export.format}", File(handle))
    job_finish(
        export,
        file=name,
        row_count=count,
        suppressed_count=plan.suppressed,
        generalisation=plan.levels,
        error="",
    )
