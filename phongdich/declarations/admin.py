"""Admin for declarations (read-only, scoped to the official's area, reads audited) and ports of entry
(reference data officials edit: add a gate, rename it, close it with `active`)."""

from django.contrib import admin

from phongdich.core.admin import AuditedReadOnlyAdmin

from .models import Declaration, PortOfEntry
from .selectors import declarations_visible


@admin.register(Declaration)
class DeclarationAdmin(AuditedReadOnlyAdmin):
    list_display = ["id", "kind", "source", "submitted_at", "flagged", "area", "port_of_entry"]
    list_filter = ["kind", "source", "flagged"]
    date_hierarchy = "submitted_at"
    list_select_related = ["area", "port_of_entry"]
    raw_id_fields = ["person", "area", "origin_area", "destination_area", "recorded_by"]
    show_full_result_count = False

    def get_queryset(self, request):
        # Declarations come only through the services (validation, audit, signal); here they are read.
        return declarations_visible(viewer=request.user)


@admin.register(PortOfEntry)
class PortOfEntryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "kind", "province", "province_code", "active"]
    list_filter = ["kind", "active"]
    list_editable = ["active"]
    search_fields = ["code", "name_vi", "name_en"]
    raw_id_fields = ["province"]

    def get_readonly_fields(self, request, obj=None):
        # The code is stored in declarations' answers through the FK and named by API clients: fixed once made.
        return ["code"] if obj is not None else []
