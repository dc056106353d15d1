"""Admin of robot-call campaigns: read-only and scoped like the pages (calls.selectors); campaigns are built,
run and changed only through services."""

from django.contrib import admin

from phongdich.cases.selectors import cases_visible_q

from .models import CallCampaign


@admin.register(CallCampaign)
class CallCampaignAdmin(admin.ModelAdmin):
    list_display = ["id", "case", "status", "created_at", "started_at", "finished_at"]
    list_filter = ["status"]
    readonly_fields = [field.name for field in CallCampaign._meta.fields]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(cases_visible_q(request.user)).select_related("case")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
