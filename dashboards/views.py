"""Dashboard pages: the list, one dashboard, and the CSV behind each widget."""

from __future__ import annotations

import csv
import io

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from ctportal.api import FORMULA_PREFIXES

from . import selectors
from .figures import BadDimension
from .registry import UnknownMetric


@login_required
@require_GET
def dashboard_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "dashboards/dashboard_list.html",
        {"dashboards": selectors.dashboard_list(user=request.user)},
    )


@login_required
@require_GET
def dashboard_detail(request: HttpRequest, slug: str) -> HttpResponse:
    dashboard = selectors.dashboard_get(user=request.user, slug=slug)
    return render(
        request,
        "dashboards/dashboard_detail.html",
        {
            "dashboard": dashboard,
            "widgets": selectors.dashboard_widgets(dashboard=dashboard, user=request.user),
        },
    )


def _csv_cell(value):
    if value is None:
        return ""
    text = str(value)
    # Spreadsheets run cells that start with these as formulas.
    if text.startswith(FORMULA_PREFIXES):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


@login_required
@require_GET
def widget_csv(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The widget's figures in long format, with the same cells hidden as on the page."""
    widget = selectors.widget_get(user=request.user, slug=slug, pk=pk)
    try:
        figure = selectors.widget_figure(widget=widget, user=request.user)
    except (UnknownMetric, BadDimension):
        raise Http404 from None
    header, rows = selectors.csv_rows(figure)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    response = HttpResponse(
        buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"{slug}-{widget.metric}-{widget.pk}.csv"
    )
    patch_cache_control(response, private=True)
    return response
