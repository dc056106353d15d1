"""Admin for check-ins (read-only, scoped like every other list) and scanner devices.

Check-ins are movement data: the admin shows an official only their area's (checkins.selectors), never
lets anyone edit or add one (they come only through the services, with their checks), and audits the
change list and detail reads like the API does.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from phongdich.core.admin import AuditedReadOnlyAdmin

from . import selectors, services
from .models import CheckIn, ScannerDevice, VenueDailyCount


@admin.register(CheckIn)
class CheckInAdmin(AuditedReadOnlyAdmin):
    list_display = ["id", "venue", "code", "checked_in_at", "checked_out_at", "checkout_kind", "source", "received_at"]
    list_filter = ["source", "checkout_kind"]
    date_hierarchy = "checked_in_at"
    list_select_related = ["venue", "code"]
    raw_id_fields = ["person", "venue", "code", "device", "recorded_by"]
    show_full_result_count = False  # a count over millions of rows on every page is the slow part

    def get_queryset(self, request):
        return super().get_queryset(request).filter(selectors.checkins_visible_q(request.user))


@admin.register(ScannerDevice)
class ScannerDeviceAdmin(admin.ModelAdmin):
    """Devices are made through the API or the venue page (the token is shown once there); here they are
    listed and revoked."""

    list_display = ["name", "venue", "token_prefix", "created_by", "created_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "token_prefix", "venue__name"]
    list_select_related = ["venue", "created_by"]
    readonly_fields = ["name", "venue", "token_prefix", "created_by", "created_at", "revoked_at"]
    exclude = ["token_hash"]
    actions = ["revoke"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        if selectors.viewer_sees_people(request.user):
            return qs.filter(venue__area_path__startswith=request.user.official.area.path)
        # Venue managers: their own venues' devices only.
        return qs.filter(venue__memberships__user=request.user, venue__memberships__role="manager")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected devices"))
    def revoke(self, request, queryset):
        for device in queryset.select_related("venue"):
            services.scanner_device_revoke(device=device, actor=request.user)


@admin.register(VenueDailyCount)
class VenueDailyCountAdmin(admin.ModelAdmin):
    list_display = ["day", "venue", "area_path", "checkins"]
    date_hierarchy = "day"
    list_select_related = ["venue"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        area = getattr(getattr(request.user, "official", None), "area", None)
        return qs.filter(area_path__startswith=area.path) if area is not None else qs.none()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
