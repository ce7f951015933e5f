"""Pages of legislative support: the list, the per-country timeline, a record and its forms."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ctportal.forms import add_service_errors
from trainings.views import label_empty_choices

from . import selectors, services
from .forms import StageForm, StageFormSet, SupportForm, stage_initial
from .models import LegislativeSupport, Stage
from .views import editable, export_response, list_page, record_editor


@login_required
@require_GET
def support_list(request: HttpRequest) -> HttpResponse:
    filterset, supports = selectors.support_list(user=request.user, params=request.GET)
    return list_page(
        request, "research/support_list.html", filterset, supports, stage_choices=Stage.choices
    )


@login_required
@require_GET
def support_export(request: HttpRequest, fmt: str) -> HttpResponse:
    _filterset, supports = selectors.support_list(user=request.user, params=request.GET)
    return export_response(fmt, "legislative-support", supports)


@login_required
@require_GET
def support_timeline(request: HttpRequest) -> HttpResponse:
    """Each country's instruments with their dated stages, as the filters select them."""
    filterset, supports = selectors.support_list(user=request.user, params=request.GET)
    label_empty_choices(filterset)
    return render(
        request,
        "research/support_timeline.html",
        {
            "filter": filterset,
            "countries": selectors.legislative_timeline(supports=supports),
            "can_create": selectors.can_create(request.user),
        },
    )


def _detail(request: HttpRequest, support: LegislativeSupport, stage_form=None, status=200):
    can_edit = selectors.can_edit(request.user, support)
    if can_edit and stage_form is None:
        stage_form = StageForm()
    return render(
        request,
        "research/support_detail.html",
        {
            "support": support,
            "stages": list(support.stages.all()),
            "history": selectors.record_history(record=support, user=request.user),
            "can_edit": can_edit,
            "stage_form": stage_form,
        },
        status=status,
    )


@login_required
@require_GET
def support_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.support_get(user=request.user, pk=pk))


@login_required
@require_POST
def stage_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the next stage of an instrument from its page."""
    editable(request, LegislativeSupport, pk)
    support = selectors.support_get(user=request.user, pk=pk)
    form = StageForm(request.POST)
    if form.is_valid():
        try:
            services.stage_add(user=request.user, support=support, data=form.row())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The stage has been recorded."))
            return redirect(f"{reverse('research:support', args=[pk])}#stages")
    return _detail(request, support, stage_form=form, status=400)


def _save_support(*, record, support=None, **kwargs) -> LegislativeSupport:
    return services.support_save(support=record, support_types=support, **kwargs)


def _editor(request: HttpRequest, support: LegislativeSupport | None) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    initial = stage_initial(support) if support is not None and data is None else None
    stages = StageFormSet(data, prefix="stages", initial=initial)
    return record_editor(
        request,
        form_class=SupportForm,
        record=support,
        save=_save_support,
        template="research/support_form.html",
        detail="research:support",
        formsets={"stages": stages},
    )


@login_required
@require_http_methods(["GET", "POST"])
def support_create(request: HttpRequest) -> HttpResponse:
    return _editor(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def support_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _editor(request, editable(request, LegislativeSupport, pk))
