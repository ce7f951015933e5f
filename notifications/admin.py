from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """A read-only record of what was mailed to whom; the content is references and links."""

    list_display = ("kind", "user", "created_at", "sent_at", "attempts", "error")
    list_filter = ("kind", "sent_at")
    search_fields = ("user__username", "key")
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
