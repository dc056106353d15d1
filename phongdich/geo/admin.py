from django.contrib import admin

from phongdich.core.text import fold

from .models import Area


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "division_type", "path", "latitude", "longitude"]
    list_filter = ["kind", "depth"]
    # name_folded: an administrator may type without diacritics, as everywhere else.
    search_fields = ["name", "name_folded", "code", "path"]
    readonly_fields = ["path", "depth", "name_folded"]
    raw_id_fields = ["parent"]
    ordering = ["path"]

    def get_readonly_fields(self, request, obj=None):
        # Paths are made of codes: moving or recoding an area with records under it would orphan them.
        if obj is not None:
            return [*self.readonly_fields, "code", "parent"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        obj.name_folded = fold(obj.name)
        if not change:
            obj.path = f"{obj.parent.path if obj.parent else ''}{obj.code}/"
            obj.depth = obj.parent.depth + 1 if obj.parent else 0
        super().save_model(request, obj, form, change)
