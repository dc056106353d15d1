"""Forms of the vaccination pages. They parse; the services validate the rules and say what is wrong."""

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.core.dates import TypedDateField
from phongdich.geo.forms import AreaPickerFormMixin
from phongdich.geo.models import Area

from .models import Reaction
from .selectors import priority_groups, products

_SLOT_LINE = re.compile(r"^\s*(\d{1,2})[:h](\d{2})\s*[-–]\s*(\d{1,2})[:h](\d{2})\s*[x×*]\s*(\d{1,5})\s*$")


class AreaField(forms.ModelChoiceField):
    """An area chosen with the area picker (geo/area_picker.html), which posts the area's id."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Area.objects.all(), widget=forms.HiddenInput, **kwargs)


def _group_choices():
    return [
        (group.code, f"{group.order}. {group.name}" if group.order < 99 else group.name) for group in priority_groups()
    ]


def product_choices():
    """Products whose codes are in the EU DCC value sets, with the value set's name beside ours."""
    from phongdich.certificates.valuesets import vaccine_products

    names = vaccine_products()
    return [
        (product.code, f"{product.name} – {names[product.medicinal_product]}")
        for product in products()
        if product.medicinal_product in names
    ]


class RegisterForm(AreaPickerFormMixin, forms.Form):
    """A citizen's registration. The commune's name typed and not chosen is taken when it names one commune of the
    country, as the picker offers them (geo.forms.AreaPickerFormMixin)."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    citizen_id = forms.CharField(label=_("Citizen ID number (CCCD, 12 digits)"), max_length=12, required=False)
    birth_date = forms.DateField(label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    area = AreaField(label=_("Commune or ward where you live"))
    address_street = forms.CharField(label=_("House number, street, village"), max_length=255, required=False)
    priority_group = forms.ChoiceField(label=_("Priority group"))
    slot = forms.TypedChoiceField(label=_("Session and time (optional)"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priority_group"].choices = _group_choices()
        self.fields["slot"].choices = [("", _("No preference: send me an invitation"))] + list(slots)
        self.area_picker_setup("area", kind=Area.Kind.COMMUNE)

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        if value > timezone.localdate() or value.year < 1900:
            raise forms.ValidationError(_("The date of birth is impossible."))
        return value


class OfficialRegisterForm(RegisterForm):
    """The same fields; an official registers someone of their area."""


class ReactionForm(forms.Form):
    dose = forms.IntegerField(widget=forms.HiddenInput)
    severity = forms.ChoiceField(label=_("How serious"), choices=Reaction.Severity.choices)
    symptoms = forms.CharField(label=_("Symptoms"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    onset_at = forms.DateTimeField(label=_("Started at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    treated_at = forms.DateTimeField(
        label=_("Treated at (optional)"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    notes = forms.CharField(label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CitizenReactionForm(forms.Form):
    dose = forms.IntegerField(widget=forms.HiddenInput)
    severity = forms.ChoiceField(label=_("How serious"), choices=Reaction.Severity.choices)
    symptoms = forms.CharField(label=_("What happened"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    onset_at = forms.DateTimeField(label=_("Started at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class DoseForm(forms.Form):
    product = forms.ChoiceField(label=_("Vaccine"))
    lot = forms.CharField(label=_("Lot number"), max_length=40)
    dose_number = forms.IntegerField(label=_("Dose number"), min_value=1, max_value=20)
    given_on = forms.DateField(label=_("Date given"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = product_choices()


class SessionForm(forms.Form):
    site = forms.ChoiceField(label=_("Vaccination site"))
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    product = forms.ChoiceField(label=_("Vaccine"))
    slots = forms.CharField(
        label=_("Time slots, one per line: start–end × places"),
        initial="07:30-09:00 x 40\n09:00-10:30 x 40\n13:30-15:00 x 40",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)

    def __init__(self, *args, sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [(site.pk, site.name) for site in sites]
        self.fields["product"].choices = product_choices()

    def clean_slots(self):
        slots = []
        for line in self.cleaned_data["slots"].splitlines():
            if not line.strip():
                continue
            match = _SLOT_LINE.match(line)
            if not match:
                raise forms.ValidationError(_("Write each slot as 07:30-09:00 x 40."))
            h1, m1, h2, m2, places = (int(value) for value in match.groups())
            try:
                slots.append((dt.time(h1, m1), dt.time(h2, m2), places))
            except ValueError:
                raise forms.ValidationError(_("Write each slot as 07:30-09:00 x 40.")) from None
        return slots


class InviteForm(forms.Form):
    priority_group = forms.ChoiceField(label=_("Priority group"), required=False)
    limit = forms.IntegerField(label=_("At most"), min_value=1, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priority_group"].choices = [("", _("All groups, by priority"))] + _group_choices()


class CoverageForm(forms.Form):
    area = AreaField(required=False)
    at = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ReactionFilterForm(forms.Form):
    """The reactions list's filters (GET): severity (or the grave ones) and the onset's period."""

    severity = forms.ChoiceField(
        label=_("Severity"),
        required=False,
        choices=[("", _("All")), ("grave", _("Serious and severe")), *Reaction.Severity.choices],
    )
    onset_from = TypedDateField(label=_("Onset from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    onset_to = TypedDateField(label=_("Onset to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("onset_from") and data.get("onset_to") and data["onset_from"] > data["onset_to"]:
            self.add_error("onset_to", _("The end of the period is before its start."))
        return data
