"""Project documents: the upload form for editors and the protected download.

Files are only ever handed out by :func:`document_download`, which starts
from ``Document.objects.visible_to(user)``, or, for documents marked public
(the ones the IATI file links to), by :func:`public_document_download`;
there is no public media URL.
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
from .models import Document, DocumentCategory, Project


def _label(name: str) -> str:
    return capfirst(Document._meta.get_field(name).verbose_name)


class ProjectDocumentForm(FileOrLinkForm):
    title = forms.CharField(label=_label("title"), max_length=255)
    category = forms.ChoiceField(label=_label("category"), choices=DocumentCategory.choices)
    language = forms.ChoiceField(label=_label("language"), choices=settings.LANGUAGES)
    document_date = forms.DateField(
        label=_label("document_date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    file = UploadedDocumentField(label=_label("file"), required=False)
    url = forms.URLField(
        label=_label("url"),
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy("Instead of a file, a link to a document published elsewhere."),
    )
    is_public = forms.BooleanField(
        label=_label("is_public"),
        required=False,
        help_text=Document._meta.get_field("is_public").help_text,
    )


def document_url(document: Document) -> str:
    """Where a document is opened from: the protected download, or its external link."""
    if document.file:
        return reverse("projects:document", args=[document.project_id, document.pk])
    return document.url


@login_required
@require_http_methods(["GET", "POST"])
@limit_upload_size
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a document (file or link) to a project; editors of the project only."""
    project = get_object_or_404(Project.objects.visible_to(request.user), pk=pk)
    if not access.can_edit_project(request.user, project):
        raise PermissionDenied
    posted = request.method == "POST"
    form = ProjectDocumentForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        initial={"language": request.LANGUAGE_CODE},
    )
    return form_page(
        request,
        form=form,
        save=lambda: services.document_add(
            user=request.user,
            project=project,
            data=form.document_data(),
        ),
        success=_("The document was added."),
        next_url=f"{reverse('projects:detail', args=[project.pk])}#documents",
        template="projects/document_upload.html",
        context={"project": project, "document_form": form},
    )


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int, doc_pk: int) -> FileResponse:
    """The file of a document of a project the user may see; 404 otherwise."""
    documents = Document.objects.visible_to(request.user).filter(project_id=pk)
    document = get_object_or_404(documents.only("pk", "title", "file"), pk=doc_pk)
    return file_response(document.file, title=document.title)


@require_GET
def public_document_download(request: HttpRequest, pk: int, doc_pk: int) -> FileResponse:
    """The file of a public document of a project, for anyone; 404 for any other."""
    documents = Document.objects.public().filter(project_id=pk)
    document = get_object_or_404(documents.only("pk", "title", "file"), pk=doc_pk)
    return file_response(document.file, title=document.title)
