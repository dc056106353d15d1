"""Admin of follow-up tasks: read-only and scoped like the queue (followups.selectors).

Tasks are made by triage and changed by recording calls (services), never edited here; the admin is for
looking up a task and its calls. Opening one is audited like the API's detail.
"""

from django.contrib import admin

from phongdich.core.audit import audit_record

from .models import FollowUpCall, FollowUpTask
from .selectors import followups_visible_q


class FollowUpCallInline(admin.TabularInline):
    model = FollowUpCall
    fields = ["at", "outcome", "notes", "closed_task", "official"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "declared_at",
        "area",
        "area_is_commune",
        "status",
        "has_symptoms",
        "has_exposure",
        "calls_count",
    ]
    list_filter = ["status", "has_symptoms", "has_exposure", "area_is_commune"]
    date_hierarchy = "declared_at"
    list_select_related = ["area"]
    raw_id_fields = ["declaration", "person", "area", "assigned_to"]
    readonly_fields = [
        "declaration",
        "person",
        "area",
        "area_path",
        "area_is_commune",
        "reason_vi",
        "reason_en",
        "has_symptoms",
        "has_exposure",
        "declared_at",
        "status",
        "created_at",
        "closed_at",
        "assigned_to",
        "calls_count",
        "last_call_at",
    ]
    inlines = [FollowUpCallInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(followups_visible_q(request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        audit_record(
            actor=request.user,
            action="followups.task.viewed",
            extra={"via": "admin", "task_id": str(object_id)[:20]},
        )
        return super().change_view(request, object_id, form_url, extra_context)
