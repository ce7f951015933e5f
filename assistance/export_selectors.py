"""Reads of CTDC exports: a user's own list and the file they may download."""

from __future__ import annotations

from django.db.models import QuerySet

from projects.models import ExportStatus

from .export_models import CTDCExport


def ctdc_exports_for(user) -> QuerySet:
    """The user's own CTDC exports, newest first (administrators too see only theirs here)."""
    return CTDCExport.objects.visible_to(user).filter(requested_by=user)


def downloadable_ctdc_export(user, pk: int) -> CTDCExport | None:
    """A finished export of the user's own with its file, or None."""
    return ctdc_exports_for(user).filter(pk=pk, status=ExportStatus.DONE).exclude(file="").first()
