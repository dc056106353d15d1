"""Web forms of venues. They check shapes only; the services check values and answer with error codes,
which `add_service_error` puts next to the field concerned."""

from django import forms
from django.utils.translation import gettext_lazy as _

from phongdich.core.errors import ApplicationError
from phongdich.core.ids import id_or_none
from phongdich.core.text import fold
from phongdich.geo.forms import AreaPickerFormMixin
from phongdich.geo.models import Area

from .models import DECLARATION_REQUIRED_MAX_HOURS, VenueType
from .selectors import venues_named
from .services import DEFAULT_ENTRANCE

# Which form field each service error belongs to; unknown codes go to the top of the form.
ERROR_FIELDS = {
    "unknown_venue_type": "venue_type",
    "invalid_venue_area": "area",
    "invalid_coordinates": "latitude",
    "invalid_phone": "contact_phone",
    "invalid_tax_code": "tax_code",
    "entrances_required": "entrances",
    "invalid_entrance_label": "entrances",
    "username_taken": "username",
    "weak_password": "password",
    "status_reason_required": "reason",
}


def add_service_error(form: forms.Form, error: ApplicationError) -> None:
    """Show a service error beside its field, in the page's language (vi or en)."""
    message = error.as_dict()["message"]
    reasons = error.extra.get("reasons") if error.code == "weak_password" else None
    field = error.extra.get("field") or ERROR_FIELDS.get(error.code)
    if field not in form.fields:
        field = None
    form.add_error(field, message)
    for reason in reasons or []:
        form.add_error(field, reason)


def commune_field():
    # Rendered by the geo area picker (geo/area_picker.html), which posts the chosen area's id.
    return forms.ModelChoiceField(
        queryset=Area.objects.filter(kind=Area.Kind.COMMUNE),
        label=_("Commune / ward"),
        widget=forms.HiddenInput,
        error_messages={"required": _("Choose the commune or ward."), "invalid_choice": _("Choose a commune or ward.")},
    )


class VenueFieldsForm(AreaPickerFormMixin, forms.Form):
    """The venue's fields. The commune's name typed and not chosen is taken when it names one commune of the country,
    as the picker offers them (geo.forms.AreaPickerFormMixin); the services check whose area it is."""

    name = forms.CharField(label=_("Name of the venue"), max_length=200)
    venue_type = forms.ModelChoiceField(queryset=VenueType.objects.all(), label=_("Type of venue"))
    area = None  # set in __init__ (a fresh queryset per form)
    street_address = forms.CharField(label=_("Street address"), max_length=255)
    latitude = forms.CharField(label=_("Latitude (optional)"), required=False, max_length=20)
    longitude = forms.CharField(label=_("Longitude (optional)"), required=False, max_length=20)
    contact_name = forms.CharField(label=_("Contact person"), max_length=150)
    contact_phone = forms.CharField(label=_("Contact mobile phone"), max_length=30)
    tax_code = forms.CharField(label=_("Tax code (optional)"), required=False, max_length=20)
    entrances = forms.CharField(
        label=_("Entrances, one per line (each gets its own QR code)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        initial=DEFAULT_ENTRANCE,
        required=False,  # the service says "entrances_required" in both languages
    )

    field_order = ["name", "venue_type", "area", "street_address", "latitude", "longitude"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"] = commune_field()
        self.order_fields(self.field_order)
        self.area_picker_setup("area", kind=Area.Kind.COMMUNE)

    def venue_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["entrances"] = (data.get("entrances") or "").splitlines()
        return data


class VenueRegisterForm(VenueFieldsForm):
    username = forms.CharField(label=_("Username for logging in"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128)
    email = forms.EmailField(label=_("Email (optional)"), required=False)


class VenueCreateForm(VenueFieldsForm):
    # An official often enters a venue from a paper list without a contact.
    contact_name = forms.CharField(label=_("Contact person"), max_length=150, required=False)
    contact_phone = forms.CharField(label=_("Contact mobile phone"), max_length=30, required=False)


class ReasonForm(forms.Form):
    # Not required here: the service refuses an empty reason with its own bilingual message.
    reason = forms.CharField(
        label=_("Reason"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CodeAddForm(forms.Form):
    label = forms.CharField(label=_("Entrance"), max_length=100)


class DeclarationRuleForm(forms.Form):
    """The venue rule of issue 3 (item 3): a health declaration made within the last N hours before check-in."""

    declaration_required_hours = forms.IntegerField(
        label=_("Require a health declaration made within the last (hours)"),
        min_value=1,
        max_value=DECLARATION_REQUIRED_MAX_HOURS,
        required=False,
        help_text=_("Leave empty for no requirement. Others answer the short declaration when checking in."),
    )


class VenueByNameMixin:
    """For a form whose `venue` field (a ModelChoiceField) chooses among the viewer's `venues`: a drop-down when
    they are few (a venue's own staff), a search by name when they are many (an official's area: a province has
    100,000 venues, and a drop-down of them all made a page 5 MB and 7 s). The search takes one match, offers up
    to VENUE_CHOICES_SHOWN to choose from, and asks for more of the name beyond; `venue` carries the choice, or
    a venue given by id (a link's ?venue=). Rendered by venues/_venue_by_name.html."""

    VENUE_SELECT_MAX = 50
    VENUE_CHOICES_SHOWN = 20

    def venue_by_name_setup(self, venues) -> None:
        field = self.fields["venue"]
        field.queryset = venues
        # Not Django's "Select a valid choice. That choice is not one of the available choices.": a venue given by id
        # (a link's ?venue=, a page kept open) that is not, or no longer, among the viewer's venues.
        field.error_messages["invalid_choice"] = _(
            "This venue is not one you can choose (the venues of your area): choose one from the list."
        )
        self.venue_searched = venues.count() > self.VENUE_SELECT_MAX
        if not self.venue_searched:
            return
        field.widget = forms.HiddenInput()
        self.fields["venue_query"] = forms.CharField(
            label=field.label,
            max_length=100,
            required=False,
            help_text=_("Part of its name; without diacritics is fine."),
        )
        # A venue given by id alone shows its name, so that the search box says what is chosen.
        given = self.data if self.is_bound else self.initial
        venue_id = id_or_none(given.get("venue"))
        if venue_id is None or given.get("venue_query"):
            return
        venue = venues.filter(pk=venue_id).first()
        if venue is not None:
            if self.is_bound:
                self.data = given = self.data.copy()
            given["venue_query"] = venue.name

    def venue_by_name_clean(self, cleaned: dict) -> dict:
        if not self.venue_searched:
            return cleaned
        query, venue = cleaned.get("venue_query", ""), cleaned.get("venue")
        if not query or (venue is not None and fold(query) in venue.name_folded):
            return cleaned  # nothing asked, or the venue chosen still answers what is typed
        venues = venues_named(self.fields["venue"].queryset, query)
        matches = list(venues[: self.VENUE_CHOICES_SHOWN + 1])
        if len(matches) == 1:
            cleaned["venue"] = matches[0]
            return cleaned
        cleaned.pop("venue", None)
        if not matches:
            self.add_error("venue_query", _("No venue of your area has “%(query)s” in its name.") % {"query": query})
        elif len(matches) > self.VENUE_CHOICES_SHOWN:
            self.add_error(
                "venue_query",
                _("More than %(n)s venues match: type more of the name.") % {"n": self.VENUE_CHOICES_SHOWN},
            )
        else:
            self.fields["venue"].widget = forms.Select(
                choices=[("", "—")] + [(v.pk, f"{v.name} · {v.area.name}") for v in matches]
            )
            self.add_error("venue_query", _("Several venues match: choose one below."))
        return cleaned
