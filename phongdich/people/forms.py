from django import forms
from django.utils.translation import gettext_lazy as _

PURPOSES = [
    ("tracing", _("Contact tracing")),
    ("follow_up", _("Health follow-up")),
    ("data_correction", _("Data correction")),
    ("other", _("Other")),
]


class AccessPurposeForm(forms.Form):
    """The purpose of access asked before a person's record is shown (it goes into the audit log)."""

    purpose = forms.ChoiceField(label=_("Purpose"), choices=PURPOSES, widget=forms.RadioSelect)
    detail = forms.CharField(label=_("Details"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data.get("purpose") == "other" and not (data.get("detail") or "").strip():
            self.add_error("detail", _("Say why you need this record."))
        return data

    def _detail(self) -> str:
        return " ".join((self.cleaned_data.get("detail") or "").split())

    def reason(self) -> str:
        """The reason as the audit log keeps it: the purpose's code, stable across languages."""
        detail = self._detail()
        return f"{self.cleaned_data['purpose']}: {detail}" if detail else self.cleaned_data["purpose"]

    def reason_label(self) -> str:
        """The reason as the official reads it on the page: the purpose's label, never its code."""
        label = str(dict(PURPOSES)[self.cleaned_data["purpose"]])
        detail = self._detail()
        return f"{label}: {detail}" if detail else label
