"""Pages of attendance imports: the upload form, the template and an import's progress.

Only editors of the session's project (programme officers in scope,
administrators) reach them; a session outside the user's scope is a 404, a
session they may see but not change is a 403.
"""

from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ctportal import access

from . import imports
from .import_services import (
    attendance_import_recheck,
    attendance_import_rerun,
    attendance_import_start,
    import_progress_key,
)
from .models import AttendanceImport, ImportStatus, TrainingSession

logger = logging.getLogger(__name__)

# Room for the form's other fields and the multipart boundaries around the file.
FORM_OVERHEAD = 64 * 1024
FINISHED = (ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED)


class AttendanceSheetForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Attendance sheet"),
        help_text=gettext_lazy("CSV (UTF-8) or XLSX, at most 10 MB, with the template's header."),
        widget=forms.FileInput(attrs={"accept": f".csv,.xlsx,text/csv,{imports.XLSX_TYPE}"}),
    )


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops keeping an upload once it passes the limit, instead of storing it whole."""

    def __init__(self, request=None, limit: int | None = None):
        super().__init__(request)
        self.limit = limit or imports.MAX_BYTES
        self.too_large = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


def _editable_session(request: HttpRequest, pk: int) -> TrainingSession:
    sessions = TrainingSession.objects.visible_to(request.user).select_related(
        "project", "host_country"
    )
    session = get_object_or_404(sessions, pk=pk)
    if not access.can_edit_project(request.user, session.project):
        raise PermissionDenied
    return session


def _too_large_form() -> AttendanceSheetForm:
    form = AttendanceSheetForm(data={}, files={})
    form.is_valid()
    message = _("The file is larger than %(limit)s MB. Split it into smaller files.") % {
        "limit": imports.MAX_BYTES // 1024 // 1024
    }
    form.errors["file"] = form.error_class([message])
    return form


@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def session_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload an attendance sheet for one session and see the earlier imports."""
    session = _editable_session(request, pk)
    if request.method == "POST":
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > imports.MAX_BYTES + FORM_OVERHEAD:
            # Refused before the body is read at all; nothing of it is kept.
            return _page(request, session, _too_large_form(), status=413)
        limiter = SizeLimitUploadHandler(request)
        request.upload_handlers.insert(0, limiter)
        return _upload(request, session, limiter)
    return _page(request, session, AttendanceSheetForm())


@csrf_protect
def _upload(request: HttpRequest, session: TrainingSession, limiter) -> HttpResponse:
    form = AttendanceSheetForm(request.POST, request.FILES)
    if limiter.too_large:
        return _page(request, session, _too_large_form(), status=413)
    if not form.is_valid():
        return _page(request, session, form, status=400)
    try:
        record = attendance_import_start(
            user=request.user, session=session, upload=form.cleaned_data["file"]
        )
    except ValidationError as exc:
        form.add_error("file", exc.message_dict.get("file", exc.messages))
        return _page(request, session, form, status=400)
    except PermissionDenied:
        raise
    except Exception:
        # The failure is recorded on the import and listed on the page.
        logger.exception("Attendance import of session %s failed", session.pk)
        messages.error(request, _("The sheet could not be imported; nothing was saved."))
        return redirect("trainings:import", pk=session.pk)
    _announce(request, record)
    return redirect("trainings:import", pk=session.pk)


def _announce(request: HttpRequest, record: AttendanceImport) -> None:
    if record.status == ImportStatus.DONE:
        messages.success(
            request,
            _("%(count)s participants imported.") % {"count": record.total_rows},
        )
    elif record.status == ImportStatus.REJECTED:
        messages.error(
            request, _("The sheet has problems and nothing was saved; they are listed first.")
        )
    else:
        messages.info(request, _("The sheet is being imported; this page shows its progress."))


def _page(request, session, form, *, status: int = 200) -> HttpResponse:
    records = list(
        AttendanceImport.objects.filter(session=session)
        .select_related("uploaded_by")
        .order_by("-created_at", "-pk")[:20]
    )
    latest = records[0] if records else None
    context = {
        "session": session,
        "form": form,
        "imports": records,
        # The last sheet's problems lead the page: what to fix comes before how.
        "refused": latest if latest and latest.status == ImportStatus.REJECTED else None,
        # Sheets list people one by one: a session kept as totals cannot take one.
        "by_totals": session.participant_counts.exists(),
        "columns": imports.COLUMNS,
        "finished": FINISHED,
    }
    return render(request, "trainings/import.html", context, status=status)


@login_required
@require_GET
def import_template(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The empty sheet to fill in, with two example rows, as CSV or XLSX."""
    session = _editable_session(request, pk)
    if fmt == "csv":
        content, content_type = imports.template_csv(), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        content, content_type = imports.template_xlsx(), imports.XLSX_TYPE
    else:
        raise Http404
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="attendance-{session.pk}.{fmt}"'
    return response


@login_required
@require_POST
def import_rerun(request: HttpRequest, pk: int) -> HttpResponse:
    """Import a failed or stopped sheet again; 404 outside the user's scope."""
    records = AttendanceImport.objects.visible_to(request.user).select_related("session__project")
    record = get_object_or_404(records, pk=pk)
    try:
        attendance_import_rerun(user=request.user, record=record)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The sheet is being imported again."))
    return redirect("trainings:import", record.session_id)


@login_required
@require_POST
def import_recheck(request: HttpRequest, pk: int) -> HttpResponse:
    """Check a refused sheet again from its kept copy; 404 outside the user's scope."""
    records = AttendanceImport.objects.visible_to(request.user).select_related("session__project")
    record = get_object_or_404(records, pk=pk)
    if not access.can_edit_project(request.user, record.session.project):
        raise PermissionDenied
    try:
        fresh = attendance_import_recheck(user=request.user, record=record)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        _announce(request, fresh)
    return redirect("trainings:import", record.session_id)


@login_required
@require_GET
def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Where an import stands, for the page's progress bar."""
    records = AttendanceImport.objects.visible_to(request.user).select_related("session__project")
    record = get_object_or_404(records, pk=pk)
    if not access.can_edit_project(request.user, record.session.project):
        raise PermissionDenied
    processed = record.processed_rows
    if record.status == ImportStatus.WRITING:
        # Rows being written are inside a transaction; the writer counts them in the cache.
        processed = cache.get(import_progress_key(record.pk), processed)
    total = record.total_rows
    return JsonResponse(
        {
            "id": record.pk,
            "status": record.status,
            "label": str(record.job_state_label if record.stopped else record.get_status_display()),
            "processed_rows": processed,
            "total_rows": total,
            "progress": min(100, int(processed * 100 / total)) if total else 0,
            "finished": not record.in_progress,
            "error_count": len(record.errors),
        }
    )
