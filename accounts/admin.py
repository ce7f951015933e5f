from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin

from ctportal import access

from . import services
from .models import AccountLock, ApiToken, AuthenticatorDevice, User


@admin.register(User)
class PortalUserAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "email", "role", "organisation", "is_active", "last_login")
    list_filter = ("role", "is_active", "is_staff", "organisation")
    filter_horizontal = ("countries", "projects", "groups", "user_permissions")
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            _("Role and scope"),
            {"fields": ("role", "organisation", "country_office", "countries", "projects")},
        ),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Role and scope"), {"fields": ("role", "organisation", "country_office")}),
    )


class AdministratorsOnly:
    """Seen by administrators; written only through the actions below (services)."""

    def has_module_permission(self, request):
        return access.role_of(request.user) == access.Role.ADMINISTRATOR

    def has_view_permission(self, request, obj=None):
        return access.role_of(request.user) == access.Role.ADMINISTRATOR

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# django-otp's plain TOTP devices are no longer used (their secrets were in clear).
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(AuthenticatorDevice)
class AuthenticatorDeviceAdmin(AdministratorsOnly, admin.ModelAdmin):
    """Who has an authenticator app; deleting one makes its owner enrol again."""

    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username", "user__email")
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields
    list_select_related = ("user",)

    def has_delete_permission(self, request, obj=None):
        return access.role_of(request.user) == access.Role.ADMINISTRATOR


@admin.register(ApiToken)
class ApiTokenAdmin(AdministratorsOnly, admin.ModelAdmin):
    list_display = (
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "second_factor")
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("user",)
    fields = (
        "user",
        "name",
        "prefix",
        "second_factor",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "revoked_by",
    )
    readonly_fields = fields
    actions = ["revoke"]
    # No adding here: a secret is shown once, to its owner, on their "API tokens" page.

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            services.api_token_revoke(token=token, by=request.user)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(tokens))
            % {"count": len(tokens)},
            messages.SUCCESS,
        )


@admin.register(AccountLock)
class AccountLockAdmin(AdministratorsOnly, admin.ModelAdmin):
    """Accounts locked after failed sign-ins; an administrator may lift a lock."""

    list_display = (
        "username",
        "locked_at",
        "locked_until",
        "failures",
        "addresses",
        "ip_address",
        "unlocked_at",
        "unlocked_by",
    )
    list_select_related = ("unlocked_by",)
    search_fields = ("username", "ip_address")
    date_hierarchy = "locked_at"
    readonly_fields = [field.name for field in AccountLock._meta.fields]
    actions = ["unlock"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Lift the lock of the selected accounts"))
    def unlock(self, request, queryset):
        locks = list(queryset.filter(unlocked_at__isnull=True))
        for lock in locks:
            services.account_unlock(lock=lock, by=request.user)
        self.message_user(
            request,
            ngettext("%(count)d lock lifted.", "%(count)d locks lifted.", len(locks))
            % {"count": len(locks)},
            messages.SUCCESS,
        )
