"""Admin of research records; lists start from ``visible_to(request.user)``, changes are audited."""

from django.contrib import admin

from ctportal.audit import check_version
from projects.admin import ScopedAdmin

from .models import (
    ActivityMaterial,
    AwarenessActivity,
    LegislativeStage,
    LegislativeSupport,
    OutputFile,
    ResearchOutput,
    SupportType,
)


class VersionedAdmin(ScopedAdmin):
    readonly_fields = ["version", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        # A change here must also outdate forms opened on the portal pages.
        if change:
            obj.version = check_version(type(obj), obj.pk, None)
        super().save_model(request, obj, form, change)


@admin.register(SupportType)
class SupportTypeAdmin(ScopedAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class OutputFileInline(admin.TabularInline):
    model = OutputFile
    extra = 0


@admin.register(ResearchOutput)
class ResearchOutputAdmin(VersionedAdmin):
    list_display = ["title", "kind", "language", "status", "publication_date"]
    list_filter = ["kind", "language", "status"]
    search_fields = ["title", "abstract", "authors"]
    date_hierarchy = "publication_date"
    list_select_related = ["translation_of"]
    autocomplete_fields = ["projects", "partners", "countries", "translation_of", "indicators"]
    inlines = [OutputFileInline]


class StageInline(admin.TabularInline):
    model = LegislativeStage
    extra = 0


@admin.register(LegislativeSupport)
class LegislativeSupportAdmin(VersionedAdmin):
    list_display = ["title", "country", "instrument", "reference"]
    list_filter = ["instrument", "country"]
    search_fields = ["title", "reference", "description"]
    list_select_related = ["country"]
    autocomplete_fields = ["country", "projects", "outputs", "indicators"]
    filter_horizontal = ["support"]
    inlines = [StageInline]


class MaterialInline(admin.TabularInline):
    model = ActivityMaterial
    extra = 0


@admin.register(AwarenessActivity)
class AwarenessActivityAdmin(VersionedAdmin):
    list_display = ["title", "kind", "audience", "channel", "start_date", "people_reached"]
    list_filter = ["kind", "audience", "channel"]
    search_fields = ["title", "description", "materials"]
    date_hierarchy = "start_date"
    autocomplete_fields = ["projects", "countries", "indicators"]
    inlines = [MaterialInline]
