from django.contrib import admin

from .models import TestingSession, TestingSite


@admin.register(TestingSite)
class TestingSiteAdmin(admin.ModelAdmin):
    """Sites are few and set up once by the health department: the admin is their page."""

    list_display = ("name", "code", "kind", "area", "pool_max_size", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "code")
    autocomplete_fields = ("area",)


@admin.register(TestingSession)
class TestingSessionAdmin(admin.ModelAdmin):
    list_display = ("site", "date", "start_time", "end_time", "test_type", "capacity", "registered_count")
    list_filter = ("test_type", "site")
    date_hierarchy = "date"
    readonly_fields = ("registered_count",)

    def save_model(self, request, obj, form, change):
        # Save only what the form changed: registered_count is kept by the registration service under a row
        # lock, and the admin's copy of it may be stale by the time the form is posted.
        if change:
            if form.changed_data:
                obj.save(update_fields=form.changed_data)
            return
        super().save_model(request, obj, form, change)
