"""Pages of awareness raising: the list of campaigns and events, one activity, its form."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors, services
from .forms import ActivityForm, AttachmentForm
from .models import AwarenessActivity
from .views import editable, export_response, list_page, record_editor


@login_required
@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    filterset, activities = selectors.activity_list(user=request.user, params=request.GET)
    return list_page(request, "research/activity_list.html", filterset, activities)


@login_required
@require_GET
def activity_export(request: HttpRequest, fmt: str) -> HttpResponse:
    _filterset, activities = selectors.activity_list(user=request.user, params=request.GET)
    return export_response(fmt, "awareness-activities", activities)


@login_required
@require_GET
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(user=request.user, pk=pk)
    can_edit = selectors.can_edit(request.user, activity)
    return render(
        request,
        "research/activity_detail.html",
        {
            "activity": activity,
            "history": selectors.record_history(record=activity, user=request.user),
            "can_edit": can_edit,
            "attachment_form": AttachmentForm() if can_edit else None,
        },
    )


def _save_activity(*, record, **kwargs) -> AwarenessActivity:
    return services.activity_save(activity=record, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest) -> HttpResponse:
    return record_editor(
        request,
        form_class=ActivityForm,
        record=None,
        save=_save_activity,
        template="research/activity_form.html",
        detail="research:activity",
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return record_editor(
        request,
        form_class=ActivityForm,
        record=editable(request, AwarenessActivity, pk),
        save=_save_activity,
        template="research/activity_form.html",
        detail="research:activity",
    )
