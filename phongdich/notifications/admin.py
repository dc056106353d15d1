from django.contrib import admin

from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The outbox: what was sent to whom and whether it went. Read-only: messages are sent by services."""

    list_display = ("created_at", "kind", "phone", "status", "attempts", "sent_at")
    list_filter = ("kind", "status")
    search_fields = ("phone",)
    readonly_fields = [field.name for field in Message._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
