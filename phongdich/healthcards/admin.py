import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from phongdich.core.errors import ApplicationError

from .models import StatusRuleSet
from .services import status_rule_set_check, status_rule_set_create


class IndentedJSONField(forms.JSONField):
    """JSON shown indented, a rule a few lines, so that an official can read and edit it."""

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2, cls=self.encoder)


class StatusRuleSetForm(forms.ModelForm):
    """The rules are typed as JSON (grammar: docs/healthcards.md); a bad set is refused with every problem."""

    class Meta:
        model = StatusRuleSet
        fields = ["name", "area", "effective_from", "rules", "source"]
        field_classes = {"rules": IndentedJSONField}
        widgets = {"rules": forms.Textarea(attrs={"rows": 24, "cols": 100, "style": "font-family: monospace"})}

    user = None  # set by StatusRuleSetAdmin.get_form: who adds the set

    def clean_area(self):
        """A set applies to everybody in its area: an official adds them for their own area or one within it;
        a default for every area (no area) is a superuser's."""
        area = self.cleaned_data.get("area")
        if self.user is None or self.user.is_superuser:
            return area
        official = getattr(self.user, "official", None)
        if area is None:
            raise ValidationError(
                _("Choose your area or one within it: a rule set for every area is set by an administrator.")
            )
        if official is None or not area.is_within(official.area):
            raise ValidationError(_("You can add rule sets only for your own area or one within it."))
        return area

    def clean(self):
        cleaned = super().clean()
        if "rules" in cleaned:
            try:
                status_rule_set_check(rules=cleaned["rules"], source=cleaned.get("source", ""))
            except ApplicationError as exc:
                raise ValidationError([ValidationError(problem) for problem in exc.extra["errors"]]) from exc
        return cleaned


@admin.register(StatusRuleSet)
class StatusRuleSetAdmin(admin.ModelAdmin):
    form = StatusRuleSetForm
    list_display = ["name", "area", "effective_from", "created_by", "created_at"]
    list_filter = ["area"]
    raw_id_fields = ["area"]
    readonly_fields = ["created_by", "created_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def has_change_permission(self, request, obj=None):
        # A rule set in force is never edited: add a new one with a later date (it is then the one in force).
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # cards computed under it keep pointing at it

    def get_changeform_initial_data(self, request):
        latest = StatusRuleSet.objects.filter(area__isnull=True).order_by("-effective_from").first()
        initial = super().get_changeform_initial_data(request)
        if latest is not None:
            # The rules themselves: the field writes them as JSON (a JSON string here was written as a string,
            # and refused when saved).
            initial.setdefault("rules", latest.rules)
        return initial

    def save_model(self, request, obj, form, change):
        saved = status_rule_set_create(
            name=obj.name,
            area=obj.area,
            effective_from=obj.effective_from,
            rules=obj.rules,
            source=obj.source,
            created_by=request.user,
        )
        obj.pk = saved.pk
        obj.created_at = saved.created_at
        obj.created_by = saved.created_by
