"""The "Run again" answer every background job's page shares (see ``ctportal.jobs``)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _


def job_rerun_response(
    request: HttpRequest, *, rerun: Callable[..., object], pk: int, back_to: str
) -> HttpResponse:
    """Call a job's rerun service for the user; 404 for a job that is not theirs."""
    try:
        rerun(user=request.user, pk=pk)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Your export is being prepared. This page shows when it is ready.")
        )
    return redirect(back_to)
