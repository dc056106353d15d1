"""Admin of the cases app for officials: cases, contacts and clusters read-only, scoped to the official's area
and audited (core.admin.AuditedReadOnlyAdmin); changes go through the pages and the API (services), which
validate and audit. The infectious-window rules are data with effective dates that only superusers edit.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from phongdich.core.admin import AuditedReadOnlyAdmin

from .models import (
    Case,
    Cluster,
    Contact,
    ContactLink,
    ExposureNotice,
    InfectiousWindowRule,
    QuarantineRule,
    TracingRun,
)
from .selectors import CONTACT_AREA, cases_visible_q


class _Scoped(AuditedReadOnlyAdmin):
    area_field = "area_path"  # the path that scopes a row to the official's area

    def get_queryset(self, request):
        return super().get_queryset(request).filter(cases_visible_q(request.user, self.area_field))


class ContactLinkInline(admin.TabularInline):
    model = ContactLink
    fk_name = "contact"
    fields = [
        "case",
        "level",
        "source",
        "setting",
        "place",
        "exposure_start",
        "exposure_end",
        "overlap_minutes",
        "occasions",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(_Scoped):
    list_display = ["number", "sample_date", "test_type", "status", "area_path", "window_start", "window_end"]
    list_filter = ["status", "test_type", "rule"]
    search_fields = ["number"]
    date_hierarchy = "sample_date"
    raw_id_fields = ["person", "infected_by", "cluster", "investigator", "created_by"]
    list_select_related = ["rule"]


@admin.register(Contact)
class ContactAdmin(_Scoped):
    area_field = CONTACT_AREA
    list_display = ["id", "level", "status", "person_area_path", "first_exposure_at", "quarantine_end"]
    list_select_related = ["person"]
    list_filter = ["level", "status"]
    raw_id_fields = ["person", "status_changed_by"]
    inlines = [ContactLinkInline]

    # A lookup in list_display gets an English label made from its name ("Person  area path"): name it here.
    @admin.display(description=_("area path"), ordering=CONTACT_AREA)
    def person_area_path(self, contact):
        return contact.area_path


@admin.register(Cluster)
class ClusterAdmin(_Scoped):
    list_display = ["name", "venue", "area_path", "created_at"]
    search_fields = ["name"]
    raw_id_fields = ["venue", "created_by"]


@admin.register(ExposureNotice)
class ExposureNoticeAdmin(admin.ModelAdmin):
    """Notices name a venue and times, no person; officials of the area may see them (read-only)."""

    list_display = ["venue", "start", "end", "end_assumed", "published_at"]
    list_filter = ["end_assumed"]
    raw_id_fields = ["case", "venue"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(cases_visible_q(request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InfectiousWindowRule)
class InfectiousWindowRuleAdmin(admin.ModelAdmin):
    """Rules are data with effective dates (RULES.md §1.2): every official may read them, only superusers
    change them (a changed rule applies to cases saved afterwards)."""

    list_display = [
        "code",
        "name",
        "effective_from",
        "days_before_onset",
        "days_before_sample",
        "min_overlap_minutes",
        "antigen_confirms_only_f1",
    ]
    ordering = ["effective_from"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(TracingRun)
class TracingRunAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "done", "total", "contacts_found", "links_added", "created_at", "created_by"]
    list_filter = ["status"]
    readonly_fields = [field.name for field in TracingRun._meta.fields] + ["cases"]

    def get_queryset(self, request):
        runs = super().get_queryset(request)
        return runs if request.user.is_superuser else runs.filter(created_by=request.user)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(QuarantineRule)
class QuarantineRuleAdmin(InfectiousWindowRuleAdmin):
    """Quarantine days by the date a quarantine starts (RULES.md §2): read by every official, changed by superusers
    (a new rule applies to quarantines that start on or after its date; those already set keep their end)."""

    list_display = ["code", "name", "effective_from", "days", "days_protected", "test_days", "monitoring_days"]
    fieldsets = [
        (None, {"fields": ["code", "name", "source", "effective_from", "days", "unconfirmed_vi", "unconfirmed"]}),
        (
            # Day numbers as 1,7,14 (QuarantineRule.clean checks them against the days); empty: none given.
            _("Tests and self-monitoring (day 1: the last exposure's day; of the monitoring: the quarantine's end)"),
            {
                "fields": [
                    "test_days",
                    "monitoring_days",
                    "monitoring_test_days",
                    "test_days_protected",
                    "monitoring_days_protected",
                    "monitoring_test_days_protected",
                ]
            },
        ),
        (
            _("Fully vaccinated or recovered (empty: the rule makes no distinction)"),
            {
                "fields": [
                    "days_protected",
                    "protected_min_doses",
                    "protected_min_days_after_dose",
                    "protected_max_months_after_dose",
                    "recovered_within_months",
                    "unconfirmed_unprotected_vi",
                    "unconfirmed_unprotected",
                ]
            },
        ),
    ]
