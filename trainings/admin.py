"""Admin of trainings: sessions, the participant register and its merges, every change in history.

Lists start from ``visible_to(request.user)`` like every other read.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ctportal.audit import check_version
from projects.admin import ScopedAdmin

from . import services
from .models import (
    Attendance,
    AttendanceImport,
    Audience,
    ParticipantCount,
    Person,
    TrainingSession,
)


@admin.register(Audience)
class AudienceAdmin(ScopedAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class ParticipantCountInline(admin.TabularInline):
    model = ParticipantCount
    extra = 0
    autocomplete_fields = ["country"]


@admin.register(TrainingSession)
class TrainingSessionAdmin(ScopedAdmin):
    list_display = ["title", "project", "kind", "host_country", "start_date", "end_date", "status"]
    list_filter = ["kind", "status", "audiences", "host_country"]
    search_fields = ["title", "topics", "city", "project__code"]
    date_hierarchy = "start_date"
    list_select_related = ["project", "host_country"]
    autocomplete_fields = ["project", "host_country", "partners", "facilitators", "indicators"]
    filter_horizontal = ["audiences"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [ParticipantCountInline]

    def save_model(self, request, obj, form, change):
        # A change here must also outdate forms opened on the portal pages.
        if change:
            obj.version = check_version(TrainingSession, obj.pk, None)
        super().save_model(request, obj, form, change)


@admin.action(description=_("Merge the selected people into the oldest record"))
def merge_duplicates(modeladmin, request, queryset):
    """Keep the first registered person; fold every other selected one into them."""
    people = list(queryset.filter(merged_into__isnull=True).order_by("pk"))
    if len(people) < 2:
        modeladmin.message_user(
            request, _("Select at least two people not merged yet."), messages.WARNING
        )
        return
    keep, duplicates = people[0], people[1:]
    try:
        for duplicate in duplicates:
            services.persons_merge(user=request.user, keep=keep, duplicate=duplicate)
    except (PermissionDenied, ValidationError) as error:
        text = "; ".join(getattr(error, "messages", [])) or _("You may not merge people.")
        modeladmin.message_user(request, text, messages.ERROR)
        return
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d record merged into %(person)s.",
            "%(count)d records merged into %(person)s.",
            len(duplicates),
        )
        % {"count": len(duplicates), "person": keep},
        messages.SUCCESS,
    )


class MergedFilter(admin.SimpleListFilter):
    title = _("merged")
    parameter_name = "merged"

    def lookups(self, request, model_admin):
        return [("no", _("Not merged")), ("yes", _("Merged into another"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(merged_into__isnull=True)
        if self.value() == "yes":
            return queryset.filter(merged_into__isnull=False)
        return queryset


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    list_display = ["__str__", "sex", "institution", "institution_type", "country_of_work"]
    list_filter = [MergedFilter, "sex", "institution_type"]
    search_fields = ["full_name", "institution", "role"]
    list_select_related = ["country_of_work"]
    autocomplete_fields = ["nationality", "country_of_work"]
    readonly_fields = ["merged_into", "created_at"]
    actions = [merge_duplicates]


@admin.register(Attendance)
class AttendanceAdmin(ScopedAdmin):
    list_display = ["person", "session", "attended", "pre_score", "post_score"]
    list_filter = ["attended"]
    search_fields = ["person__full_name", "session__title"]
    list_select_related = ["person", "session"]
    autocomplete_fields = ["person", "session"]


@admin.register(ParticipantCount)
class ParticipantCountAdmin(ScopedAdmin):
    list_display = ["session", "dimension", "sex", "institution_type", "country", "count"]
    list_filter = ["dimension"]
    list_select_related = ["session", "country"]
    autocomplete_fields = ["session", "country"]
    search_fields = ["session__title"]


@admin.register(AttendanceImport)
class AttendanceImportAdmin(ScopedAdmin):
    list_display = ["created_at", "original_name", "session", "uploaded_by", "status"]
    list_filter = ["status"]
    list_select_related = ["session", "uploaded_by"]
    readonly_fields = [
        "session",
        "uploaded_by",
        "file",
        "original_name",
        "status",
        "total_rows",
        "processed_rows",
        "errors",
        "created_at",
        "finished_at",
    ]

    def has_add_permission(self, request):
        return False
