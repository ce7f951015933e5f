"""Files of research outputs and awareness materials: upload and protected download.

Files are checked by the shared upload policy (type by content, size, name)
and only ever handed out by the download views here, which start from the
parent record's ``visible_to(user)``: someone who may not see the record
gets a 404 for its files too.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ctportal.files import file_response
from ctportal.forms import form_page
from ctportal.uploads import limit_upload_size

from . import services
from .forms import AttachmentForm
from .models import ActivityMaterial, AwarenessActivity, OutputFile, ResearchOutput
from .views import editable

PARENTS = {
    "output": (ResearchOutput, services.output_file_add, "research:output"),
    "activity": (AwarenessActivity, services.activity_material_add, "research:activity"),
}


def _upload(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model, add, detail = PARENTS[kind]
    record = editable(request, model, pk)
    posted = request.method == "POST"
    form = AttachmentForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        initial={"language": getattr(record, "language", "")},
    )
    return form_page(
        request,
        form=form,
        save=lambda: add(user=request.user, **{kind: record}, data=form.attachment_data()),
        success=_("The file was added."),
        next_url=f"{reverse(detail, args=[record.pk])}#files",
        template="research/attachment_upload.html",
        context={"record": record, "attachment_form": form, "detail": detail},
    )


@login_required
@require_http_methods(["GET", "POST"])
@limit_upload_size
def output_file_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a file or link to a research output; editors of the output only."""
    return _upload(request, "output", pk)


@login_required
@require_http_methods(["GET", "POST"])
@limit_upload_size
def activity_material_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a material (file or link) to an awareness activity; its editors only."""
    return _upload(request, "activity", pk)


@login_required
@require_GET
def output_file_download(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    files = OutputFile.objects.visible_to(request.user).filter(output_id=pk)
    attachment = get_object_or_404(files.only("pk", "title", "file"), pk=file_pk)
    return file_response(attachment.file, title=attachment.title)


@login_required
@require_GET
def activity_material_download(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    files = ActivityMaterial.objects.visible_to(request.user).filter(activity_id=pk)
    attachment = get_object_or_404(files.only("pk", "title", "file"), pk=file_pk)
    return file_response(attachment.file, title=attachment.title)
