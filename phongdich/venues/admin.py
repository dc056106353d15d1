from django.contrib import admin

from phongdich.core.scoping import scope_q

from .models import Venue, VenueCode, VenueMembership, VenueType


@admin.register(VenueType)
class VenueTypeAdmin(admin.ModelAdmin):
    # auto_checkout_minutes is our own default per type (migration 0002); officials tune it here.
    list_display = ["code", "name_vi", "name_en", "auto_checkout_minutes", "order"]
    list_editable = ["auto_checkout_minutes", "order"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []


class VenueCodeInline(admin.TabularInline):
    model = VenueCode
    extra = 0
    fields = ["label", "token", "created_at", "revoked_at"]
    readonly_fields = ["token", "created_at", "revoked_at"]
    can_delete = False  # revoke instead: check-ins keep pointing at the code


class VenueMembershipInline(admin.TabularInline):
    model = VenueMembership
    extra = 0
    raw_id_fields = ["user"]


class ScopedAdminMixin:
    """Staff who are not superusers see only their area's venues (core.scoping), as on every other page."""

    area_path_lookup = "area_path"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(scope_q(request.user, self.area_path_lookup))


@admin.register(Venue)
class VenueAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "venue_type", "area", "status", "registered_via", "created_at"]
    list_filter = ["status", "venue_type", "registered_via"]
    search_fields = ["name", "name_folded", "street_address", "tax_code"]
    raw_id_fields = ["area"]
    # Status changes go through the pages or the API (services: permission, transitions, audit).
    readonly_fields = [
        "status",
        "status_reason",
        "status_changed_at",
        "status_changed_by",
        "registered_via",
        "registered_by",
    ]
    inlines = [VenueCodeInline, VenueMembershipInline]

    def save_model(self, request, obj, form, change):
        from phongdich.core.text import fold

        # Keep the copies the model does not compute itself in step with what was edited.
        obj.name_folded = fold(obj.name)
        obj.area_path = obj.area.path
        if not change:
            obj.registered_via = Venue.RegisteredVia.OFFICIAL
            obj.registered_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(VenueCode)
class VenueCodeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    area_path_lookup = "venue__area_path"
    list_display = ["venue", "label", "created_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["venue__name", "label", "token"]
    raw_id_fields = ["venue"]
    readonly_fields = ["token", "created_at", "revoked_at", "revoked_by"]

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead (the page or the API), so that the cache is cleared and it is audited
