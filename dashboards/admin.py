"""Composing dashboards in the admin, with a preview drawn by the portal's own components."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ctportal import access
from projects.admin import ScopedAdmin

from . import selectors
from .forms import DashboardAdminForm, PreviewForm, WidgetAdminForm, WidgetInlineFormSet
from .models import Dashboard, Widget
from .registry import DIMENSIONS, METRICS


class WidgetInline(admin.StackedInline):
    model = Widget
    form = WidgetAdminForm
    formset = WidgetInlineFormSet
    extra = 0
    autocomplete_fields = ["filter_project"]

    # Widgets are part of their dashboard: whoever may change it may change them.
    def has_view_permission(self, request, obj=None):
        return self.dashboard_admin.has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return self.dashboard_admin.has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.dashboard_admin.has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.dashboard_admin.has_change_permission(request, obj)

    @property
    def dashboard_admin(self):
        return self.admin_site.get_model_admin(Dashboard)

    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("position", "kind", "width"),
                    ("metric", "dimension", "series_dimension"),
                ]
            },
        ),
        (
            _("Narrowing, titles and rows"),
            {
                "classes": ["collapse"],
                "fields": [
                    ("filter_year", "filter_country", "filter_donor", "filter_project"),
                    ("title_en", "title_ar", "title_fr"),
                    "max_rows",
                ],
            },
        ),
    ]


def metric_reference() -> list[dict]:
    """Each metric with the breakdowns it offers, for the people composing widgets."""
    rows = []
    for metric in sorted(METRICS.values(), key=lambda m: str(m.label)):
        rows.append(
            {
                "code": metric.code,
                "label": metric.label,
                "description": metric.description,
                "dimensions": ", ".join(str(DIMENSIONS[d].label) for d in metric.dimensions),
                "money": metric.unit == "money",
                "sensitive": bool(metric.sensitivity),
            }
        )
    return rows


@admin.register(Dashboard)
class DashboardAdmin(ScopedAdmin):
    form = DashboardAdminForm
    inlines = [WidgetInline]
    change_form_template = "admin/dashboards/dashboard/change_form.html"
    list_display = ["title_en", "slug", "audience", "narrowed_to", "widget_count"]
    list_display += ["is_published", "order", "preview_link"]
    list_filter = ["audience", "is_published"]
    search_fields = ["title_en", "title_ar", "title_fr", "slug"]
    prepopulated_fields = {"slug": ["title_en"]}
    autocomplete_fields = ["project"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "slug",
                    ("title_en", "title_ar", "title_fr"),
                    "audience",
                    ("country", "donor", "project"),
                    ("is_published", "order"),
                    "loaded_version",
                ]
            },
        ),
        (
            _("Description"),
            {
                "classes": ["collapse"],
                "fields": ["description_en", "description_ar", "description_fr"],
            },
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("country", "donor", "project")
            .annotate(widget_total=Count("widgets"))
        )

    @admin.display(description=_("narrowed to"))
    def narrowed_to(self, obj: Dashboard) -> str:
        return str(obj.country or obj.donor or obj.project or "—")

    @admin.display(description=_("widgets"), ordering="widget_total")
    def widget_count(self, obj: Dashboard) -> int:
        return obj.widget_total

    @admin.display(description=_("preview"))
    def preview_link(self, obj: Dashboard) -> str:
        url = reverse("admin:dashboards_dashboard_preview", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Preview"))

    def save_model(self, request, obj, form, change):
        if change and form.next_version is not None:
            obj.version = form.next_version
        super().save_model(request, obj, form, change)

    def render_change_form(self, request, context, *args, **kwargs):
        context["metric_reference"] = metric_reference()
        return super().render_change_form(request, context, *args, **kwargs)

    def get_urls(self):
        preview = path(
            "<path:object_id>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name="dashboards_dashboard_preview",
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request, object_id: str):
        """The dashboard drawn as on its page, published or not, optionally as a donor sees it."""
        dashboard = self.get_object(request, unquote(object_id))
        if dashboard is None:
            raise Http404
        if not self.has_view_permission(request, dashboard):
            raise PermissionDenied
        form = PreviewForm(request.GET or None)
        viewer, donor = request.user, None
        if form.is_valid() and form.cleaned_data["donor"]:
            # A donor's figures are of its projects: only for staff who see every project.
            if access.visible_project_ids(request.user) is not None:
                raise PermissionDenied
            donor = form.cleaned_data["donor"]
            viewer = selectors.donor_viewer(donor)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": dashboard,
            "dashboard": dashboard,
            "title": gettext("Preview of “%(title)s”") % {"title": dashboard.title},
            "form": form,
            "as_donor": donor,
            "donor_sees": (
                Dashboard.objects.visible_to(viewer).filter(pk=dashboard.pk).exists()
                if donor
                else True
            ),
            "widgets": selectors.dashboard_widgets(dashboard=dashboard, user=viewer),
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/dashboards/dashboard/preview.html", context)
