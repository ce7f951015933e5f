"""Composing dashboards in the admin, with a preview drawn by the portal's own components."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.forms.formsets import all_valid
from django.http import Http404, HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
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

    def get_extra(self, request, obj=None, **kwargs):
        # A new or empty dashboard opens with one widget row to fill in.
        if obj is None or obj.pk is None or not obj.widgets.exists():
            return 1
        return 0

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
                    ("title_en", "title_ar", "title_fr"),
                    ("position", "kind", "width"),
                    ("metric", "dimension", "series_dimension"),
                ]
            },
        ),
        (
            _("Narrowing and rows"),
            {
                "classes": ["collapse"],
                "fields": [
                    ("filter_year", "filter_country", "filter_donor", "filter_project"),
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
    list_display = ["title_en", "page_address", "audience", "narrowed_to", "widget_count"]
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

    @admin.display(description=_("page address"), ordering="slug")
    def page_address(self, obj: Dashboard) -> str:
        url = reverse("dashboards:detail", args=[obj.slug])
        return format_html('<a href="{}">{}</a>', url, url)

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
        live_change = path(
            "<path:object_id>/preview/live/",
            self.admin_site.admin_view(self.live_preview_view),
            name="dashboards_dashboard_live_preview",
        )
        live_add = path(
            "add/preview/live/",
            self.admin_site.admin_view(self.live_preview_view),
            name="dashboards_dashboard_live_preview_add",
        )
        return [live_add, live_change, preview, *super().get_urls()]

    def _preview_viewer(self, request, form: PreviewForm):
        """Whom the preview draws the figures for: the staff member, or a stand-in donor user."""
        if form.is_valid() and form.cleaned_data["donor"]:
            # A donor's figures are of its projects: only for staff who see every project.
            if access.visible_project_ids(request.user) is not None:
                raise PermissionDenied
            donor = form.cleaned_data["donor"]
            return selectors.donor_viewer(donor), donor
        return request.user, None

    def preview_view(self, request, object_id: str):
        """The dashboard drawn as on its page, published or not, optionally as a donor sees it."""
        dashboard = self.get_object(request, unquote(object_id))
        if dashboard is None:
            raise Http404
        if not self.has_view_permission(request, dashboard):
            raise PermissionDenied
        form = PreviewForm(request.GET or None)
        viewer, donor = self._preview_viewer(request, form)
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

    def live_preview_view(self, request, object_id: str | None = None):
        """The settings posted from the add or change form, drawn without saving anything.

        The same form and widget formset as a save check them; what they hold
        is drawn from unsaved records, or their errors are listed instead.
        """
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        original = None
        if object_id is None:
            if not self.has_add_permission(request):
                raise PermissionDenied
        else:
            original = self.get_object(request, unquote(object_id))
            if original is None:
                raise Http404
            if not self.has_change_permission(request, original):
                raise PermissionDenied
        form = PreviewForm(request.POST, prefix="preview")
        viewer, donor = self._preview_viewer(request, form)
        # Checking the edit lock takes a row lock; the rollback also keeps the preview read-only.
        with transaction.atomic():
            fields = flatten_fieldsets(self.get_fieldsets(request, original))
            ModelForm = self.get_form(request, original, change=original is not None, fields=fields)
            dashboard_form = ModelForm(request.POST, request.FILES, instance=original)
            formsets, __ = self._create_formsets(
                request, dashboard_form.instance, change=original is not None
            )
            valid = dashboard_form.is_valid()
            valid = all_valid(formsets) and valid
            dashboard = dashboard_form.instance
            widgets = unsaved_widgets(dashboard, formsets) if valid else []
            shown = [selectors.shown_widget(widget=widget, user=viewer) for widget in widgets]
            transaction.set_rollback(True)
        if valid:
            title = gettext("Preview of unsaved settings for “%(title)s”") % {
                "title": dashboard.title
            }
        else:
            title = gettext("These settings cannot be previewed")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": original,
            "dashboard": dashboard,
            "title": title,
            "valid": valid,
            "problems": [] if valid else form_problems(dashboard_form, formsets),
            "form": form,
            "resend": [
                (name, value)
                for name, values in request.POST.lists()
                if name != "csrfmiddlewaretoken" and not name.startswith(f"{form.prefix}-")
                for value in values
            ],
            "as_donor": donor,
            "widgets": shown,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/dashboards/dashboard/live_preview.html", context)


def unsaved_widgets(dashboard: Dashboard, formsets) -> list[Widget]:
    """The widgets as the valid formsets hold them, in order, none of them saved."""
    widgets = []
    for formset in formsets:
        deleted = formset.deleted_forms if formset.can_delete else []
        for form in formset.forms:
            if form in deleted or (form in formset.extra_forms and not form.has_changed()):
                continue
            form.instance.dashboard = dashboard
            widgets.append(form.instance)
    return sorted(widgets, key=lambda w: (w.position, w.pk is None, w.pk or 0))


def form_problems(form, formsets) -> list[tuple[str, list[str]]]:
    """Every error of the dashboard form and its widgets, each with where it is."""
    problems = []
    for name, messages in form.errors.items():
        field = form.fields.get(name)
        label = capfirst(field.label or name) if field else ""
        problems.append((str(label), list(messages)))
    for formset in formsets:
        if formset.non_form_errors():
            problems.append(("", list(formset.non_form_errors())))
        for number, widget_form in enumerate(formset.forms, start=1):
            place = gettext("Widget %(number)s") % {"number": number}
            for name, messages in widget_form.errors.items():
                if name == "__all__" or name not in widget_form.fields:
                    label = place
                else:
                    label = f"{place}: {capfirst(widget_form.fields[name].label or name)}"
                problems.append((label, list(messages)))
    return problems
