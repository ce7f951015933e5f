"""Donor reports in admin: a scoped list to look at; reports are written on their pages."""

from django.contrib import admin

from projects.admin import ScopedAdmin

from .models import DonorReport


@admin.register(DonorReport)
class DonorReportAdmin(ScopedAdmin):
    list_display = [
        "project",
        "period_kind",
        "period_start",
        "period_end",
        "language",
        "status",
        "scheduled",
        "finished_at",
    ]
    list_filter = ["status", "period_kind", "language", "scheduled"]
    list_select_related = ["project"]
    search_fields = ["project__code", "project__title"]
    date_hierarchy = "period_end"
    # Files are handed out by the report page, which checks the access policy.
    fields = [
        "project",
        "period_kind",
        "period_start",
        "period_end",
        "language",
        "summary",
        "challenges",
        "next_steps",
        "status",
        "step",
        "progress",
        "error",
        "scheduled",
        "requested_by",
        "created_at",
        "finished_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
