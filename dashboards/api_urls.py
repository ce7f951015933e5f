"""Metrics API: /api/v1/metrics/ (see dashboards.api)."""

from django.urls import path

from . import api

urlpatterns = [
    path("", api.MetricListView.as_view(), name="metric-list"),
    path("<slug:code>/", api.MetricDetailView.as_view(), name="metric-detail"),
    path("<slug:code>/data/", api.MetricDataView.as_view(), name="metric-data"),
]
