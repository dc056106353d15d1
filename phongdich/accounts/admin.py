from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Official

User = get_user_model()


class OfficialInline(admin.StackedInline):
    model = Official
    can_delete = False
    fk_name = "user"
    raw_id_fields = ["area"]
    extra = 0
    max_num = 1


class UserWithOfficialAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, OfficialInline]
    list_display = [*UserAdmin.list_display, "official_role", "official_area"]
    list_select_related = ["official__area"]

    @admin.display(description=_("role"))
    def official_role(self, user):
        official = getattr(user, "official", None)
        return official.get_role_display() if official else ""

    @admin.display(description=_("area"))
    def official_area(self, user):
        official = getattr(user, "official", None)
        return official.area if official else ""


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, UserWithOfficialAdmin)


@admin.register(Official)
class OfficialAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "area", "organisation", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "area__name", "area__name_folded", "area__code", "organisation"]
    raw_id_fields = ["user", "area"]
    list_select_related = ["user", "area"]
