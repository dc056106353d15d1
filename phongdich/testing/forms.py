"""Forms of the testing pages: they parse what was typed; the services decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from phongdich.core.dates import TypedDateField
from phongdich.geo.forms import AreaPickerFormMixin
from phongdich.geo.models import Area

from .models import TestRegistration, TestResult, TestType

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AreaField(forms.ModelChoiceField):
    """An area chosen with the area picker (geo/area_picker.html), which posts the area's id."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Area.objects.all(), widget=forms.HiddenInput, **kwargs)


class RegistrationForm(AreaPickerFormMixin, forms.Form):
    """A registration for a test, by the citizen or by an official. The commune's name typed and not chosen is taken
    when it names one commune under `within_path` ("" for the country; the official's area), as the picker offers
    them (geo.forms.AreaPickerFormMixin)."""

    session = forms.TypedChoiceField(
        label=_("Session"),
        coerce=int,
        widget=forms.RadioSelect,
        # Only open sessions are choices (selectors.sessions_open): one that ended since the page loaded lands here.
        error_messages={
            "invalid_choice": _("This session is no longer open: it has ended. Please choose another one.")
        },
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    id_number = forms.CharField(
        label=_("ID number (CCCD, CMND or passport)"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    birth_date = forms.DateField(label=_("Date of birth"), widget=DATE_INPUT)
    phone = forms.CharField(label=_("Mobile phone (the look-up code is sent here)"), max_length=20)
    area = AreaField(label=_("Address: province, district, commune"))
    reason = forms.ChoiceField(label=_("Reason for the test"), choices=TestRegistration.Reason.choices)

    def __init__(self, *args, sessions=(), within_path: str | None = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].choices = [(session.pk, str(session.pk)) for session in sessions]
        self.area_picker_setup("area", within_path=within_path, kind=Area.Kind.COMMUNE)


class LookupStartForm(forms.Form):
    id_number = forms.CharField(
        label=_("ID number (CCCD, CMND or passport)"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    birth_date = forms.DateField(label=_("Date of birth"), widget=DATE_INPUT)


class LookupCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class CollectForm(forms.Form):
    registration = forms.IntegerField(widget=forms.HiddenInput)


class PoolAddForm(forms.Form):
    pool = forms.CharField(label=_("Pool barcode"), max_length=32)
    sample = forms.CharField(label=_("Sample barcode"), max_length=32)


class ResultForm(forms.Form):
    barcode = forms.CharField(label=_("Barcode of the sample or pool"), max_length=32)
    test_type = forms.ChoiceField(
        label=_("Test type"), choices=[("", _("As the sample"))] + list(TestType.choices), required=False
    )
    outcome = forms.ChoiceField(label=_("Result"), choices=TestResult.Outcome.choices)
    ct_value = forms.CharField(label=_("Ct value (RT-PCR)"), max_length=10, required=False)
    tested_at = forms.DateTimeField(
        label=_("Tested at"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    device = forms.CharField(label=_("Rapid test device"), max_length=40, required=False)


class ResultCorrectForm(forms.Form):
    """A sample's result corrected after it was entered (services.result_correct)."""

    barcode = forms.CharField(label=_("Sample barcode"), max_length=32)
    outcome = forms.ChoiceField(label=_("Correct result"), choices=TestResult.Outcome.choices)
    ct_value = forms.CharField(label=_("Ct value (RT-PCR)"), max_length=10, required=False)
    reason = forms.CharField(label=_("Reason for the correction"), max_length=500)
    confirm = forms.BooleanField(label=_("I have checked the sample and the lab record."))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Lab sheet (.xlsx)"))


class ResultsFilterForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Result"), choices=[("", _("All"))] + list(TestResult.Outcome.choices), required=False
    )
    test_type = forms.ChoiceField(
        label=_("Test type"), choices=[("", _("All"))] + list(TestType.choices), required=False
    )
    date_from = TypedDateField(label=_("From"), required=False, widget=DATE_INPUT)
    date_to = TypedDateField(label=_("To"), required=False, widget=DATE_INPUT)
