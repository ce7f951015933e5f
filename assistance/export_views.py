"""The page of a user's anonymised CTDC exports: ask for one, follow it, download it."""

from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ctportal import access
from ctportal.files import file_response
from ctportal.job_views import job_rerun_response
from ctportal.suppression import Cell

from .ctdc import LAYOUT_VERSION, QUASI_IDENTIFIERS, K, coarser
from .ctdc import current_release as current_ctdc_release
from .export_models import CTDCExport
from .export_selectors import ctdc_exports_for, downloadable_ctdc_export
from .export_services import ctdc_export_request, ctdc_export_rerun

logger = logging.getLogger(__name__)


class CTDCExportForm(forms.Form):
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=CTDCExport.Format.choices,
        initial=CTDCExport.Format.CSV,
    )


@login_required
@require_http_methods(["GET", "POST"])
def exports(request) -> HttpResponse:
    """The user's CTDC exports and the form to ask for another."""
    form = CTDCExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            ctdc_export_request(user=request.user, fmt=form.cleaned_data["format"])
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            form.add_error(None, exc)
        except Exception:
            # Without a broker the file is built in this request; its failure is
            # recorded on the export and shown in the list below.
            logger.exception("CTDC export failed while building in-process")
            messages.error(request, _("The export could not be built."))
            return redirect("assistance_exports:list")
        else:
            messages.success(
                request, _("Your export is being prepared. This page shows when it is ready.")
            )
            return redirect("assistance_exports:list")
    limit = access.small_cell_limit(request.user, "case")
    rows = [
        (export, Cell(export.suppressed_count, limit), coarser(export.generalisation))
        for export in ctdc_exports_for(request.user)[:50]
    ]
    context = {
        "form": form,
        "rows": rows,
        "k": K,
        "layout": LAYOUT_VERSION,
        "release": current_ctdc_release(),
        "may_publish": access.role_of(request.user) == access.Role.ADMINISTRATOR,
        "hierarchy": [(qi.label, qi.level_labels) for qi in QUASI_IDENTIFIERS],
    }
    return render(
        request, "assistance/ctdc_exports.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def rerun(request, pk: int) -> HttpResponse:
    """Build a failed or stopped export again; 404 for anyone else's."""
    return job_rerun_response(
        request, rerun=ctdc_export_rerun, pk=pk, back_to="assistance_exports:list"
    )


@login_required
@require_GET
def download(request, pk: int) -> FileResponse:
    """The file of a finished export; only its owner gets it, anyone else a 404."""
    export = downloadable_ctdc_export(request.user, pk)
    if export is None:
        raise Http404
    return file_response(export.file, title=f"ctdc-{export.created_at:%Y%m%d-%H%M}")


@login_required
@require_http_methods(["POST"])
def publish(request) -> HttpResponse:
    """An administrator publishes a new release, in the background: a national caseload
    takes longer than a page may. Files asked for once it is done are cut from it."""
    if access.role_of(request.user) != access.Role.ADMINISTRATOR:
        raise Http404
    from .tasks import publish_ctdc_release

    user_id = request.user.pk
    try:
        with transaction.atomic():
            transaction.on_commit(lambda: publish_ctdc_release.delay(user_id))
    except Exception:
        # Without a broker the release is published in this request.
        logger.exception("CTDC release failed while publishing in-process")
        messages.error(request, _("The release could not be published."))
    else:
        messages.success(
            request,
            _(
                "A new release is being published. Files asked for once it is done are cut "
                "from it; this page shows which release is current."
            ),
        )
    return redirect("assistance_exports:list")
