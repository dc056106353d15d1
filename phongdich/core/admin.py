from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .audit import audit_record
from .models import AuditLog, ExportJob, UnpublishedTask

# The officials' admin carries the platform's name, not Django's ("Trang quản trị cho Django").
admin.site.site_header = _("Phòng Dịch: administration")
admin.site.site_title = _("Phòng Dịch administration")
admin.site.index_title = _("Records and settings")


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "action", "object_type", "object_id", "reason"]
    list_filter = ["action"]
    search_fields = ["actor_label", "object_id", "action"]
    date_hierarchy = "at"

    # The audit log is append-only, also for administrators.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UnpublishedTask)
class UnpublishedTaskAdmin(admin.ModelAdmin):
    """What the broker refused and waits to be published again (core.queue): seen, not edited."""

    list_display = ["created_at", "name", "args", "attempts", "last_error"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AuditedReadOnlyAdmin(admin.ModelAdmin):
    """Admin for personal records that only their services may write: read-only, and every list and record
    opened is in the audit log as `<app>.<model>.listed` / `.viewed`. Subclasses still scope get_queryset."""

    def _audit(self, request, verb: str, extra: dict):
        meta = self.model._meta
        audit_record(actor=request.user, action=f"{meta.app_label}.{meta.model_name}.{verb}", extra=extra)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        self._audit(request, "listed", {"via": "admin"})
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._audit(request, "viewed", {"via": "admin", f"{self.model._meta.model_name}_id": str(object_id)[:20]})
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    """Who asked for which spreadsheet and how it went (a stuck or failed export is seen here). Read-only: jobs
    are written by core.exports, and the files are downloaded only by their requester, from /exports/."""

    list_display = ["created_at", "kind", "requested_by", "status", "rows_done", "rows_total", "finished_at"]
    list_filter = ["status", "kind"]
    search_fields = ["requested_by__username", "kind"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in ExportJob._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the hourly exports-prune task removes a job with its file; a row removed here would orphan it
