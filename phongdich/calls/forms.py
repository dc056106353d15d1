from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

RESULT_CHOICES = [
    ("present", _("Answered: was there (key 1)")),
    ("not_present", _("Answered: was not there (key 2)")),
    ("no_choice", _("Answered: would not say")),
    ("no_answer", pgettext_lazy("call status", "No answer")),
    ("busy", pgettext_lazy("call status", "Busy")),
    ("failed", _("Could not get through")),
]


class CampaignForm(forms.Form):
    """The targets of a new campaign (a GET with `preview` shows the counts; POST creates it)."""

    f1_candidates = forms.BooleanField(label=_("F1 candidates (not yet confirmed)"), required=False, initial=True)
    f1_confirmed = forms.BooleanField(label=_("F1 confirmed or in quarantine"), required=False, initial=True)
    f2 = forms.BooleanField(label=_("F2 and further"), required=False)
    telecom = forms.BooleanField(label=_("Unknown subscribers of the last telecom trace"), required=False)


class ResultForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=RESULT_CHOICES)
