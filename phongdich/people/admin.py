from django.contrib import admin

from phongdich.core.audit import audit_record, client_ip
from phongdich.core.ids import id_or_none

from .models import Person
from .selectors import people_visible_q


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["full_name", "birth_year", "phone", "citizen_id", "area_path", "created_via"]
    list_filter = ["created_via", "gender", "nationality"]
    search_fields = ["name_folded", "full_name", "phone", "citizen_id", "old_id_number", "passport_number"]
    readonly_fields = ["public_id", "name_folded", "area_path", "created_at", "updated_at"]
    raw_id_fields = ["address_area"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        # Staff who are not superusers see only their area's people, as everywhere else.
        return queryset.filter(people_visible_q(request.user))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        person_id = id_or_none(object_id)
        person = self.get_queryset(request).filter(pk=person_id).first() if person_id else None
        if person is not None:
            audit_record(
                actor=request.user,
                action="people.person.viewed",
                obj=person,
                area_path=person.area_path,
                reason="admin",
                ip=client_ip(request),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    # Changes go through people.services (validation, normalisation, audit), never through a raw admin form.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
