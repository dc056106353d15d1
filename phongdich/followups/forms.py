import datetime as dt
import secrets

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.geo.forms import AREA_TEXT_MAX, AreaPickerFormMixin

from .models import FollowUpCall

STATUS_CHOICES = [
    ("open", _("In the queue")),
    ("closed", _("Closed")),
    ("all", _("All")),
    ("reached", _("Reached")),
    ("referred_test", _("Referred for a test")),
    ("cleared", _("Cleared")),
    ("unreachable", _("Could not be reached")),
]
REASON_CHOICES = [("", _("Any reason")), ("symptoms", _("Symptoms")), ("exposure", _("Exposure"))]
AGE_CHOICES = [
    ("", _("Any age")),
    ("under_24h", _("Under 24 hours")),
    ("1_3_days", _("1–3 days")),
    ("over_3_days", _("Over 3 days")),
]
OUTCOME_CHOICES = [
    (FollowUpCall.Outcome.REACHED, _("Reached: spoke to the person")),
    (FollowUpCall.Outcome.REFERRED_TEST, _("Referred for a test (closes the task)")),
    (FollowUpCall.Outcome.CLEARED, _("Cleared: no risk found (closes the task)")),
    (FollowUpCall.Outcome.COULD_NOT_REACH, _("Could not reach")),
]


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class QueueFilterForm(forms.Form):
    """The queue's filters. The area is an id from the area picker; its scope is checked by the selector."""

    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    reason = forms.ChoiceField(label=_("Reason"), choices=REASON_CHOICES, required=False)
    age = forms.ChoiceField(label=_("Waiting"), choices=AGE_CHOICES, required=False)
    area = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    area_text = forms.CharField(required=False, max_length=AREA_TEXT_MAX)  # the picker's text (followup_filter_area)


class CallForm(forms.Form):
    """One call: keyboard-first (outcome radios, then the notes; Enter in the time field submits)."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=OUTCOME_CHOICES, widget=forms.RadioSelect)
    close_unreachable = forms.BooleanField(
        label=_("Stop trying: close as could not be reached"),
        required=False,
        help_text=_("Only with “Could not reach”, after repeated attempts."),
    )
    at = forms.DateTimeField(
        label=_("Time of the call"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    nonce = forms.CharField(widget=forms.HiddenInput, max_length=64)

    @classmethod
    def blank(cls) -> "CallForm":
        now = timezone.localtime().replace(second=0, microsecond=0)
        return cls(initial={"nonce": new_nonce(), "at": now})

    def clean_at(self) -> dt.datetime:
        value = self.cleaned_data["at"]
        return timezone.make_aware(value) if timezone.is_naive(value) else value


class HandOverForm(AreaPickerFormMixin, forms.Form):
    """Hand the task to another commune: the commune from the area picker (its scope is checked by the service). A
    commune's name typed and not chosen is taken when it names one commune of `within_path`, the official's area, as
    the picker offers them (geo.forms.AreaPickerFormMixin)."""

    area = forms.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        widget=forms.HiddenInput,
        error_messages={"required": _("Choose the commune to hand the follow-up to.")},
    )
    note = forms.CharField(label=_("Note for the commune (optional)"), required=False, max_length=500)

    def __init__(self, *args, within_path: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.area_picker_setup("area", within_path=within_path, kind="commune")
