"""Pages of the knowledge library: search and list outputs, an output's page, its form.

Reads go through selectors, writes through services; a record outside the
user's scope is a 404 on every page. The editor and the exports here are
shared with the legislation and awareness pages.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ctportal.audit import StaleVersion
from projects.forms import formset_rows
from projects.views import place_errors
from trainings.views import label_empty_choices

from . import exports, selectors, services
from .forms import AttachmentForm, OutputForm, RecordForm
from .models import ResearchOutput

PAGE_SIZE = 20
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def list_page(request: HttpRequest, template: str, filterset, records: QuerySet, **extra):
    """A filtered, paginated list page."""
    label_empty_choices(filterset)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        template,
        {
            "filter": filterset,
            "page_obj": page,
            "records": page.object_list,
            "can_create": selectors.can_create(request.user),
            **extra,
        },
    )


def export_response(fmt: str, kind: str, records: QuerySet) -> HttpResponse:
    """A list as a CSV or XLSX download."""
    if fmt not in EXPORT_TYPES:
        raise Http404
    content = exports.render(kind, records, fmt=fmt)
    response = HttpResponse(content, content_type=EXPORT_TYPES[fmt])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{kind}-{stamp}.{fmt}"'
    return response


def editable(request: HttpRequest, model: type[Model], pk: int) -> Model:
    """A record the user may see (else 404) and edit (else 403)."""
    record = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
    if not selectors.can_edit(request.user, record):
        raise PermissionDenied
    return record


def record_editor(
    request: HttpRequest,
    *,
    form_class: type[RecordForm],
    record: Model | None,
    save: Callable[..., Model],
    template: str,
    detail: str,
    form_kwargs: dict | None = None,
    formsets: dict | None = None,
) -> HttpResponse:
    """Show and handle a record's form; ``save`` is the service, given the record as ``record``.

    ``formsets`` maps a service keyword (e.g. ``stages``) to an inline formset.
    """
    if not selectors.can_create(request.user):
        raise PermissionDenied
    user = request.user
    data = request.POST if request.method == "POST" else None
    initial = form_class.initial_for(record) if record is not None and data is None else None
    form = form_class(data, initial=initial, user=user, **(form_kwargs or {}))
    form.fields["version"].required = record is not None
    formsets = formsets or {}
    status, conflict = 200, False
    if data is not None:
        status = 400
        if form.is_valid() and all(fs.is_valid() for fs in formsets.values()):
            rows = {name: formset_rows(fs) for name, fs in formsets.items()}
            try:
                saved = save(
                    user=user,
                    record=record,
                    data=form.record_data(),
                    expected_version=form.cleaned_data["version"],
                    **form.lists(),
                    **{name: used[0] for name, used in rows.items()},
                )
            except StaleVersion:
                status, conflict = 409, True
            except ValidationError as error:
                place_errors(error, form, {k: (formsets[k], rows[k][1]) for k in formsets})
            else:
                messages.success(request, _("Saved."))
                return redirect(detail, pk=saved.pk)
    return render(
        request,
        template,
        {"record": record, "form": form, "formsets": formsets, "conflict": conflict},
        status=status,
    )


@login_required
@require_GET
def library(request: HttpRequest) -> HttpResponse:
    filterset, outputs = selectors.output_list(user=request.user, params=request.GET)
    return list_page(
        request,
        "research/library.html",
        filterset,
        outputs,
        query=request.GET.get("q", "").strip(),
    )


@login_required
@require_GET
def output_export(request: HttpRequest, fmt: str) -> HttpResponse:
    _filterset, outputs = selectors.output_list(user=request.user, params=request.GET)
    return export_response(fmt, "research-outputs", outputs)


@login_required
@require_GET
def output_detail(request: HttpRequest, pk: int) -> HttpResponse:
    output = selectors.output_get(user=request.user, pk=pk)
    can_edit = selectors.can_edit(request.user, output)
    return render(
        request,
        "research/output_detail.html",
        {
            "output": output,
            "history": selectors.record_history(record=output, user=request.user),
            "can_edit": can_edit,
            "attachment_form": AttachmentForm(initial={"language": output.language})
            if can_edit
            else None,
        },
    )


def _save_output(*, record, **kwargs) -> ResearchOutput:
    return services.output_save(output=record, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def output_create(request: HttpRequest) -> HttpResponse:
    return record_editor(
        request,
        form_class=OutputForm,
        record=None,
        save=_save_output,
        template="research/output_form.html",
        detail="research:output",
    )


@login_required
@require_http_methods(["GET", "POST"])
def output_edit(request: HttpRequest, pk: int) -> HttpResponse:
    output = editable(request, ResearchOutput, pk)
    return record_editor(
        request,
        form_class=OutputForm,
        record=output,
        save=_save_output,
        template="research/output_form.html",
        detail="research:output",
        form_kwargs={"output": output},
    )
