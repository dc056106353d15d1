"""Forms of the declaration pages. They check the shape of what people type; declarations.services checks the
rest (and its ApplicationErrors are put back on the right field).

Labels are English msgids translated by the message catalogues (declarations/locale/<lang>), so another
language is only a translation file; symptom, exposure and vehicle labels come from declarations.questions,
country names from pycountry's catalogues.
"""

import secrets

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.core.errors import ApplicationError
from phongdich.geo.forms import AreaPickerFormMixin
from phongdich.geo.models import Area

from . import questions
from .countries import country_choices
from .models import Declaration, PortOfEntry

GENDERS = [("male", _("Male")), ("female", _("Female")), ("other", _("Other"))]
YES_NO = [("no", _("No")), ("yes", _("Yes"))]
DOSES = [("", "—"), ("0", "0"), ("1", "1"), ("2", "2"), ("3", "3"), ("4", "4")]

# Which form field a service error belongs to, when its `extra["field"]` does not say.
ERROR_FIELDS = {
    "invalid_phone": "phone",
    "invalid_citizen_id": "id_number",
    "invalid_id_number": "id_number",
    "invalid_passport": "passport_number",
    "unknown_port": "port_of_entry",
    "arrival_date_out_of_range": "arrival_date",
    "area_not_visible": "area",
}
FIELD_ALIASES = {"citizen_id": "id_number", "birth_year": "birth_year", "last_dose_date": "last_dose_date"}


def new_nonce() -> str:
    # Sent with the form: a double tap or a re-sent form records one declaration.
    return secrets.token_urlsafe(16)


def add_service_error(form: forms.Form, error: ApplicationError) -> None:
    """A service's refusal in the page's language, on its field when it has one."""
    data = error.as_dict()
    field = error.extra.get("field")
    field = FIELD_ALIASES.get(field, field) or ERROR_FIELDS.get(error.code)
    if field not in form.fields:
        field = ERROR_FIELDS.get(error.code)
    form.add_error(field if field in form.fields else None, data["message"])


def _yes_no(label):
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        initial="no",
        widget=forms.RadioSelect(attrs={"class": "toggle"}),
    )


class AreaField(forms.ModelChoiceField):
    """An area chosen with the area picker (geo/area_picker.html), which posts the area's id."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Area.objects.all(), widget=forms.HiddenInput, **kwargs)


class DeclarationForm(AreaPickerFormMixin, forms.Form):
    """One person's declaration of one kind (the fields of RULES.md §6 for that kind). An area's name typed in a
    picker and not chosen is taken when it names one commune (the address) or one province (from, to) of the
    country, as the pickers offer them (geo.forms.AreaPickerFormMixin)."""

    # Identity block (RULES.md §6: all forms).
    full_name = forms.CharField(label=_("Full name (in capitals)"), max_length=150)
    id_number = forms.CharField(label=_("Citizen ID number (CCCD, 12 digits)"), max_length=20, required=False)
    birth_year = forms.IntegerField(label=_("Year of birth"), min_value=1900)
    gender = forms.ChoiceField(label=_("Sex"), choices=GENDERS, widget=forms.RadioSelect(attrs={"class": "toggle"}))
    nationality = forms.ChoiceField(label=_("Nationality"))
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    email = forms.EmailField(label=_("Email (optional)"), max_length=150, required=False)
    # Address in Vietnam.
    area = AreaField(label=_("Province, district, commune"))
    address_street = forms.CharField(label=_("House number, street, village"), max_length=255, required=False)
    # Questions.
    travelled_14d = _yes_no(
        _("In the last 14 days, have you been to another province or city, country or territory (possibly several)?")
    )
    travel_places = forms.CharField(
        label=_("Where?"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    symptoms = forms.MultipleChoiceField(
        label=_("In the last 14 days, have you had any of these signs? Tick each one you had."),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "ticks"}),
    )
    symptom_notes = forms.CharField(
        label=_("Other signs or details"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    exposures = forms.MultipleChoiceField(
        label=_("In the last 14 days, have you been in contact with… Tick each that applies."),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "ticks"}),
    )
    # Travel (movement, entry).
    vehicle_type = forms.ChoiceField(label=_("Means of transport"), required=False)
    vehicle_number = forms.CharField(label=_("Flight or vehicle number"), max_length=30, required=False)
    seat = forms.CharField(label=_("Seat"), max_length=10, required=False)
    origin_area = AreaField(label=_("From (province)"), required=False)
    origin_point = forms.CharField(label=_("Departure point (airport, station, port)"), max_length=150, required=False)
    destination_area = AreaField(label=_("To (province)"), required=False)
    destination_point = forms.CharField(label=_("Arrival point"), max_length=150, required=False)
    departure_date = forms.DateField(
        label=_("Departure date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    # Entry (VHD).
    passport_number = forms.CharField(label=_("Passport number"), max_length=30, required=False)
    port_of_entry = forms.ModelChoiceField(
        label=_("Port of entry"), queryset=PortOfEntry.objects.filter(active=True), required=False, to_field_name="code"
    )
    arrival_date = forms.DateField(
        label=_("Date of arrival in Vietnam"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    countries_visited = forms.MultipleChoiceField(
        label=_("Countries or territories visited in the last 14 days"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    vaccine_doses = forms.ChoiceField(label=_("COVID-19 vaccine doses received"), choices=DOSES, required=False)
    vaccine = forms.CharField(label=_("Vaccine"), max_length=100, required=False)
    last_dose_date = forms.DateField(
        label=_("Date of the last dose"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    nonce = forms.CharField(widget=forms.HiddenInput, max_length=64)

    KIND_FIELDS = {
        Declaration.Kind.DOMESTIC: (),
        Declaration.Kind.MOVEMENT: (
            "vehicle_type",
            "vehicle_number",
            "seat",
            "origin_area",
            "origin_point",
            "destination_area",
            "destination_point",
            "departure_date",
        ),
        Declaration.Kind.ENTRY: (
            "vehicle_type",
            "vehicle_number",
            "seat",
            "departure_date",
            "passport_number",
            "port_of_entry",
            "arrival_date",
            "countries_visited",
            "vaccine_doses",
            "vaccine",
            "last_dose_date",
        ),
    }
    OPTIONAL_BLOCKS = {field for fields in KIND_FIELDS.values() for field in fields}

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        for name in self.OPTIONAL_BLOCKS - set(self.KIND_FIELDS[kind]):
            del self.fields[name]
        country_list = country_choices()
        self.fields["nationality"].choices = country_list
        self.fields["nationality"].initial = "VN"
        self.fields["symptoms"].choices = [(item.code, item.label()) for item in questions.symptoms_for(kind).values()]
        self.fields["exposures"].choices = [
            (item.code, item.label()) for item in questions.exposures_for(kind).values()
        ]
        self.fields["full_name"].widget.attrs.update({"autocomplete": "name", "autocapitalize": "characters"})
        self.fields["phone"].widget.attrs.update({"type": "tel", "inputmode": "tel", "autocomplete": "tel"})
        self.fields["birth_year"].widget.attrs.update({"inputmode": "numeric", "placeholder": "1985"})
        self.fields["id_number"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        if "vehicle_type" in self.fields:
            self.fields["vehicle_type"].choices = [("", "—")] + [
                (code, questions.VEHICLES[code].label()) for code in questions.vehicles_for(kind)
            ]
        if kind == Declaration.Kind.MOVEMENT:
            for name in ("vehicle_type", "vehicle_number", "origin_area", "origin_point"):
                self.fields[name].required = True
            for name in ("destination_area", "destination_point", "departure_date"):
                self.fields[name].required = True
        if kind == Declaration.Kind.ENTRY:
            self.fields["passport_number"].required = True
            self.fields["port_of_entry"].required = True
            self.fields["arrival_date"].required = True
            self.fields["port_of_entry"].label_from_instance = self._port_label
            self.fields["countries_visited"].choices = country_list
            self.fields["area"].required = False
            self.fields["area"].label = _("Address in Vietnam: province, district, commune")
            self.fields["id_number"].label = _("Vietnamese citizen ID (CCCD), if any")
            self.fields["nationality"].initial = ""
            self.fields["nationality"].choices = [("", "—")] + country_list
        else:
            self.fields["address_street"].required = True
        self.area_picker_setup("area", kind=Area.Kind.COMMUNE)
        for name in ("origin_area", "destination_area"):
            if name in self.fields:
                self.area_picker_setup(name, kind=Area.Kind.PROVINCE)

    @staticmethod
    def _port_label(port: PortOfEntry) -> str:
        return port.name

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if len(name) < 2:
            raise forms.ValidationError(_("Enter the full name."))
        return name

    def clean_birth_year(self):
        year = self.cleaned_data["birth_year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(_("The year of birth cannot be in the future."))
        return year

    def member(self) -> dict:
        """The person part, as declaration_submit_for_family takes it."""
        data = self.cleaned_data
        member = {"full_name": data["full_name"], "birth_year": data["birth_year"], "gender": data["gender"]}
        id_number = (data.get("id_number") or "").strip()
        if id_number:
            member["citizen_id"] = id_number
        return member

    def declaration_data(self) -> dict:
        """The `data` of declarations.services.declaration_submit for this kind."""
        data = self.cleaned_data
        out = {
            "email": data.get("email") or "",
            "area": data.get("area"),
            "address_street": data.get("address_street") or "",
            "travelled_14d": data["travelled_14d"],
            "travel_places": data.get("travel_places") or "",
            "symptoms": list(data.get("symptoms") or []),
            "symptom_notes": data.get("symptom_notes") or "",
            "exposures": list(data.get("exposures") or []),
        }
        for name in self.KIND_FIELDS[self.kind]:
            if name in ("vaccine_doses", "vaccine", "last_dose_date"):
                continue
            out[name] = data.get(name)
        if self.kind == Declaration.Kind.ENTRY:
            out["nationality"] = data.get("nationality") or ""
            if data.get("vaccine_doses") not in (None, ""):
                out["vaccination_declared"] = {
                    "doses": data["vaccine_doses"],
                    "vaccine": data.get("vaccine") or "",
                    "last_dose_date": data.get("last_dose_date"),
                }
        return out


class StaffDeclarationForm(DeclarationForm):
    """Staff type in a paper declaration: the same fields plus the kind; keyboard-first (see the template)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].widget.attrs.update({"autofocus": True, "autocomplete": "off"})
        self.fields["phone"].widget.attrs["autocomplete"] = "off"
        # Paper forms are often incomplete: the gender may be unknown.
        self.fields["gender"].required = False
