"""Session documents (agenda, report, photos, attendance sheets): upload and protected download.

Files are only ever handed out by :func:`document_download`, which starts
from ``SessionDocument.objects.visible_to(user)``. Attendance sheets carry
the names of the people trained, so only those who may see participant names
get them; for everyone else they do not exist (404).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ctportal import access
from ctportal.files import file_response
from ctportal.forms import FileOrLinkForm, form_page
from ctportal.uploads import UploadedDocumentField, limit_upload_size

from . import services
from .models import SessionDocument, SessionDocumentKind, TrainingSession


def _label(name: str) -> str:
    return capfirst(SessionDocument._meta.get_field(name).verbose_name)


class SessionDocumentForm(FileOrLinkForm):
    title = forms.CharField(label=_label("title"), max_length=255)
    kind = forms.ChoiceField(label=_label("kind"), choices=SessionDocumentKind.choices)
    language = forms.ChoiceField(
        label=_label("language"), choices=[("", "—"), *settings.LANGUAGES], required=False
    )
    file = UploadedDocumentField(label=_label("file"), required=False)
    url = forms.URLField(
        label=_label("url"),
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy("Instead of a file, a link to a document published elsewhere."),
    )


def session_documents(*, user, session: TrainingSession) -> list[SessionDocument]:
    """The documents of one session shown to the user, in one query."""
    return list(SessionDocument.objects.visible_to(user).filter(session=session))


@login_required
@require_http_methods(["GET", "POST"])
@limit_upload_size
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a document to a session; editors of the session's project only."""
    sessions = TrainingSession.objects.visible_to(request.user).select_related(
        "project", "host_country"
    )
    session = get_object_or_404(sessions, pk=pk)
    if not access.can_edit_project(request.user, session.project):
        raise PermissionDenied
    posted = request.method == "POST"
    form = SessionDocumentForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        initial={"language": session.language},
    )
    return form_page(
        request,
        form=form,
        save=lambda: services.session_document_add(
            user=request.user,
            session=session,
            data=form.document_data(),
        ),
        success=_("The document was added."),
        next_url=f"{reverse('trainings:detail', args=[session.pk])}#documents",
        template="trainings/document_upload.html",
        context={"session": session, "document_form": form},
    )


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int, doc_pk: int) -> FileResponse:
    """The file of a document of a session the user may see; 404 otherwise."""
    documents = SessionDocument.objects.visible_to(request.user).filter(session_id=pk)
    document = get_object_or_404(documents.only("pk", "title", "file"), pk=doc_pk)
    return file_response(document.file, title=document.title)
