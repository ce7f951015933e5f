"""Admin of victim assistance: administrators review; case workers write through the services.

Identities and case notes are not in the admin at all: they stay with the
case workers of the case's country office. The identity access log is
read-only for everybody.
"""

from django.contrib import admin

from ctportal import access
from projects.admin import ScopedAdmin

from .models import (
    Case,
    CaseDataRead,
    CTDCExport,
    CTDCRelease,
    IdentityAccess,
    IdentityErasure,
    Referral,
    Service,
    Shelter,
    ShelterStay,
)


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceInline(ReadOnlyMixin, admin.TabularInline):
    model = Service
    fields = ("kind", "provider", "start_date", "end_date", "cost", "currency")
    readonly_fields = fields
    extra = 0


class ReferralInline(ReadOnlyMixin, admin.TabularInline):
    model = Referral
    fields = ("from_organisation", "to_organisation", "sent_on", "status", "consent_override")
    readonly_fields = fields
    extra = 0


class StayInline(ReadOnlyMixin, admin.TabularInline):
    model = ShelterStay
    fields = ("shelter", "admitted_on", "discharged_on")
    readonly_fields = fields
    extra = 0


@admin.register(Case)
class CaseAdmin(ReadOnlyMixin, ScopedAdmin):
    list_display = ("reference", "country_office", "project", "identification_date", "status")
    list_filter = ("status", "country_office")
    search_fields = ("reference",)
    list_select_related = ("country_office", "project")
    date_hierarchy = "identification_date"
    inlines = (ServiceInline, ReferralInline, StayInline)


@admin.register(Shelter)
class ShelterAdmin(ReadOnlyMixin, ScopedAdmin):
    """Shelters are added and changed on their page, whose service checks capacity."""

    list_display = ("name", "organisation", "country", "capacity")
    list_filter = ("country",)
    search_fields = ("name",)
    list_select_related = ("organisation", "country")


@admin.register(IdentityAccess)
class IdentityAccessAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("accessed_at", "user", "case", "action", "ip_address")
    list_filter = ("action",)
    search_fields = ("case__reference", "user__username")
    list_select_related = ("user", "case")
    date_hierarchy = "accessed_at"
    readonly_fields = ("accessed_at", "user", "case", "action", "ip_address", "user_agent")

    def has_module_permission(self, request):
        return access.role_of(request.user) == access.Role.ADMINISTRATOR

    def has_view_permission(self, request, obj=None):
        return access.role_of(request.user) == access.Role.ADMINISTRATOR

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


@admin.register(CaseDataRead)
class CaseDataReadAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """API reads of case data: who, when, which endpoint and query, which records, from where."""

    list_display = ("accessed_at", "user", "endpoint", "status_code", "ip_address")
    list_filter = ("endpoint", "status_code")
    search_fields = ("user__username", "path")
    list_select_related = ("user",)
    date_hierarchy = "accessed_at"
    readonly_fields = (
        "accessed_at",
        "user",
        "endpoint",
        "path",
        "query",
        "status_code",
        "object_ids",
        "case_ids",
        "ip_address",
        "user_agent",
    )

    def has_module_permission(self, request):
        return access.role_of(request.user) == access.Role.ADMINISTRATOR

    def has_view_permission(self, request, obj=None):
        return access.role_of(request.user) == access.Role.ADMINISTRATOR

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


@admin.register(IdentityErasure)
class IdentityErasureAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Erasures of identifying data, on request (from the case page) or by the retention task."""

    list_display = ("erased_at", "case", "kind", "erased_by", "identity_erased", "notes_erased")
    list_filter = ("kind",)
    search_fields = ("case__reference",)
    list_select_related = ("case", "erased_by")
    date_hierarchy = "erased_at"
    readonly_fields = (
        "erased_at",
        "case",
        "kind",
        "erased_by",
        "reason",
        "identity_erased",
        "notes_erased",
        "attachments_erased",
        "referral_reasons_erased",
        "ip_address",
    )

    def has_module_permission(self, request):
        return access.role_of(request.user) == access.Role.ADMINISTRATOR

    def has_view_permission(self, request, obj=None):
        return access.role_of(request.user) == access.Role.ADMINISTRATOR

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


@admin.register(CTDCExport)
class CTDCExportAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Who exported anonymised case data, when, and how much was generalised or left out."""

    list_display = ("created_at", "requested_by", "format", "release", "status", "row_count")
    list_filter = ("status", "format")
    list_select_related = ("requested_by",)
    date_hierarchy = "created_at"
    exclude = ("file",)

    def has_module_permission(self, request):
        return access.role_of(request.user) == access.Role.ADMINISTRATOR

    def has_view_permission(self, request, obj=None):
        return access.role_of(request.user) == access.Role.ADMINISTRATOR


@admin.register(CTDCRelease)
class CTDCReleaseAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Published releases and their figures; a new one is published from the exports page."""

    list_display = ("pk", "published_at", "published_by", "k", "total", "suppressed_count")
    list_select_related = ("published_by",)
    date_hierarchy = "published_at"

    def has_module_permission(self, request):
        return access.role_of(request.user) == access.Role.ADMINISTRATOR

    def has_view_permission(self, request, obj=None):
        return access.role_of(request.user) == access.Role.ADMINISTRATOR


from .providers.admin import ServiceProviderAdmin  # noqa: E402, F401 (registers it)
