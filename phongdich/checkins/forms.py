"""Forms of the check-in pages. They check the shape of what people type; the services check the rest
(phone and ID rules, venue state) and their ApplicationErrors are put back on the right field."""

import datetime as dt
import secrets

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.core.dates import TypedDateField
from phongdich.core.errors import ApplicationError
from phongdich.core.ids import id_or_none
from phongdich.geo.forms import AreaPickerFormMixin
from phongdich.geo.models import Area
from phongdich.venues.forms import VenueByNameMixin
from phongdich.venues.models import Venue, VenueCode

YES_NO = [("no", _("No")), ("yes", _("Yes"))]

# Which form field a service error belongs to; other codes are shown above the form.
ERROR_FIELDS = {
    "invalid_phone": "phone",
    "invalid_citizen_id": "citizen_id",
    "invalid_id_number": "citizen_id",
    "invalid_passport": "citizen_id",
}


def new_nonce() -> str:
    # Sent with the form and passed to the service: a double tap or a re-sent form records one check-in.
    return secrets.token_urlsafe(16)


def add_service_error(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's refusal in Vietnamese with English below, on its field when it has one."""
    field = ERROR_FIELDS.get(error.code) or error.extra.get("field")
    form.add_error(field if field in form.fields else None, _both_languages(error))


def _both_languages(error: ApplicationError) -> str:
    data = error.as_dict()
    return f"{data['message_vi']} / {data['message_en']}"


def yes_no_field(label):
    """A Có/Không toggle that starts on "No" (RULES.md §6: each question is answered Có/Không)."""
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        initial="no",
        widget=forms.RadioSelect(attrs={"class": "toggle"}),
    )


def _max_birth_year() -> int:
    return timezone.localdate().year


class HealthQuestionsMixin(forms.Form):
    has_symptoms = yes_no_field(
        _(
            "In the last 14 days, have you had any of: fever, cough, shortness of breath, pneumonia,"
            " sore throat, tiredness?"
        )
    )
    had_contact = yes_no_field(
        _("In the last 14 days, have you been in contact with a person who has or is suspected to have COVID-19?")
    )
    travelled = yes_no_field(_("In the last 14 days, have you travelled to another province, country or territory?"))
    nonce = forms.CharField(widget=forms.HiddenInput, max_length=64)


class PersonFieldsMixin(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    birth_year = forms.IntegerField(
        label=_("Year of birth"),
        min_value=1900,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "1985"}),
    )
    citizen_id = forms.CharField(
        label=_("Citizen ID (CCCD, optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if len(name) < 2:
            raise forms.ValidationError(_("Enter the full name."))
        return name

    def clean_birth_year(self):
        year = self.cleaned_data["birth_year"]
        if year > _max_birth_year():
            raise forms.ValidationError(_("The year of birth cannot be in the future."))
        return year


class DeclarationForm(PersonFieldsMixin, HealthQuestionsMixin):
    """A citizen's first check-in on a device: who they are and the three questions."""

    field_order = ["full_name", "phone", "birth_year", "citizen_id", "has_symptoms", "had_contact", "travelled"]


class QuickCheckinForm(HealthQuestionsMixin):
    """A remembered person checks in again: the three questions, defaulting to "No".

    The same questions in short (under the heading "In the last 14 days"), so that the button stays near.
    """

    person = forms.CharField(widget=forms.HiddenInput, max_length=32)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["has_symptoms"].label = _("Fever, cough, shortness of breath, pneumonia, sore throat or tiredness?")
        self.fields["had_contact"].label = _("Contact with a person who has or may have COVID-19?")
        self.fields["travelled"].label = _("Travel to another province or country?")


class CheckoutForm(forms.Form):
    person = forms.CharField(widget=forms.HiddenInput, max_length=32)
    checkin = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class EntranceSelect(forms.Select):
    """Each entrance option says its venue (data-venue), so the page can offer only the chosen venue's."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-venue"] = instance.venue_id
        return option


class PaperDeclarationForm(AreaPickerFormMixin, PersonFieldsMixin, HealthQuestionsMixin):
    """Control staff type in a paper declaration. Keyboard-first: the name is focused, Enter submits. The address's
    area typed and not chosen is taken when it names one area of the country, as the picker offers them
    (geo.forms.AreaPickerFormMixin)."""

    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none())
    code = forms.ModelChoiceField(
        label=_("Entrance"),
        queryset=VenueCode.objects.none(),
        required=False,
        empty_label=_("(not known)"),
        widget=EntranceSelect,
    )
    address_area = forms.ModelChoiceField(label=_("Address: area"), queryset=Area.objects.all(), required=False)
    address_street = forms.CharField(label=_("Address: house number, street, village"), max_length=255, required=False)
    checked_in_at = forms.DateTimeField(
        label=_("Time of entry"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    field_order = [
        "full_name",
        "phone",
        "birth_year",
        "citizen_id",
        "address_area",
        "address_street",
        "has_symptoms",
        "had_contact",
        "travelled",
        "checked_in_at",
        "venue",
        "code",
    ]

    def __init__(self, *args, venues, searched: bool = False, **kwargs):
        """`venues`: those the user records at (selectors.staff_venues). `searched`: too many for a drop-down, so
        the page searches them (checkins/_venue_search.html) and the form carries the chosen one in a hidden field,
        offering only its entrances (a district's codes would make the page megabytes)."""
        super().__init__(*args, **kwargs)
        self.venue_searched = searched
        self.fields["venue"].queryset = venues
        codes = VenueCode.objects.filter(revoked_at__isnull=True).select_related("venue")
        if searched:
            self.fields["venue"].widget = forms.HiddenInput()
            self.fields["venue"].error_messages["required"] = _("Choose the venue: search for it by its name above.")
            given = self.data if self.is_bound else self.initial
            venue_id = id_or_none(given.get("venue"))
            self.chosen_venue = venues.filter(pk=venue_id).first() if venue_id else None
            codes = codes.filter(venue=self.chosen_venue) if self.chosen_venue else codes.none()
        else:
            codes = codes.filter(venue_id__in=[venue.pk for venue in venues])
        self.fields["code"].queryset = codes
        self.fields["code"].label_from_instance = lambda code: f"{code.venue.name} – {code.label}"
        self.area_picker_setup("address_area")
        self.fields["full_name"].widget.attrs["autofocus"] = True
        # Paper declarations are written in capitals (RULES.md §6, "ghi chữ IN HOA"); staff type as they read.
        self.fields["full_name"].widget.attrs["autocomplete"] = "off"
        self.fields["phone"].widget.attrs["autocomplete"] = "off"

    def area_not_chosen_message(self, error: ApplicationError) -> str:
        return _both_languages(error)  # as add_service_error shows a refusal

    def clean(self):
        cleaned = super().clean()
        venue, code = cleaned.get("venue"), cleaned.get("code")
        if venue is not None and code is not None and code.venue_id != venue.pk:
            self.add_error("code", _("This entrance belongs to another venue."))
        return cleaned


class CheckinFilterForm(VenueByNameMixin, forms.Form):
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none(), required=False)
    start = TypedDateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = TypedDateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, venues, **kwargs):
        super().__init__(*args, **kwargs)
        self.venue_by_name_setup(venues)

    def clean(self):
        cleaned = self.venue_by_name_clean(super().clean())
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date is before the start date."))
        return cleaned

    def period(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The chosen days as aware datetimes: from the start of `start` to the end of `end`, local time."""
        tz = timezone.get_current_timezone()
        start, end = self.cleaned_data.get("start"), self.cleaned_data.get("end")
        start_at = dt.datetime.combine(start, dt.time.min, tzinfo=tz) if start else None
        end_at = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz) if end else None
        return start_at, end_at
