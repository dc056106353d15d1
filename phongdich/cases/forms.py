"""Page forms of the cases app. They check shapes; the services check the rules."""

import datetime as dt
import secrets
from collections import defaultdict

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.core.errors import ApplicationError, ErrorCode
from phongdich.core.ids import id_or_none
from phongdich.geo.forms import AREA_TEXT_MAX, TEXT_SUFFIX, AreaPickerFormMixin
from phongdich.geo.models import Area
from phongdich.venues.forms import VenueByNameMixin

from . import errors
from .models import Case, Contact, ContactLink
from .selectors import official_name
from .services import CONTACT_MOVES, tracing_max_level

DATE_WIDGET = {"type": "date"}
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M"]

TEST_TYPE_CHOICES = [(Case.TestType.PCR, "RT-PCR"), (Case.TestType.ANTIGEN, _("Rapid antigen test"))]
CASE_STATUS_CHOICES = [
    ("", _("Any status")),
    (Case.Status.UNDER_TREATMENT, _("Under treatment")),
    (Case.Status.RECOVERED, _("Recovered")),
    (Case.Status.DIED, _("Died")),
    (Case.Status.WITHDRAWN, _("Withdrawn: not a case")),
]
OUTCOME_CHOICES = [(Case.Status.RECOVERED, _("Recovered")), (Case.Status.DIED, _("Died"))]
INTERVIEW_SETTING_CHOICES = [
    (ContactLink.Setting.HOUSEHOLD, _("Household")),
    (ContactLink.Setting.WORKPLACE, _("Workplace or school")),
    (ContactLink.Setting.TRANSPORT, _("Transport")),
    (ContactLink.Setting.OTHER, _("Other")),
]
WORKLIST_STATUS_CHOICES = [
    ("open", _("To handle (candidates, confirmed, in quarantine)")),
    ("all", _("All")),
    (Contact.Status.CANDIDATE, _("Candidate")),
    (Contact.Status.CONFIRMED, _("Confirmed")),
    (Contact.Status.QUARANTINED, _("In quarantine")),
    ("quarantine_over", _("Quarantine period over — awaiting release")),
    ("tests_due", _("In quarantine: test due today or missed")),
    ("monitoring", _("Self-monitoring after quarantine")),
    (Contact.Status.DISMISSED, _("Dismissed")),
    ("dismissed_new_evidence", _("Dismissed, with new evidence since")),
    (Contact.Status.RELEASED, _("Released")),
    (Contact.Status.BECAME_CASE, _("Became a case (F0)")),
    (Contact.Status.CASE_WITHDRAWN, _("No standing evidence")),
]


def level_choices() -> list[tuple[str, str]]:
    """The work list's levels: F1 to as deep as tracing goes (TRACING_MAX_LEVEL), as the API's filter takes them."""
    deepest = tracing_max_level()
    every = _("F1 and F2") if deepest == 2 else _("All levels")
    return [("", every), *((str(level), f"F{level}") for level in range(1, deepest + 1))]


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class DateTimeLocalField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", DATETIME_FORMATS)
        super().__init__(**kwargs)

    def clean(self, value):
        return _aware(super().clean(value))


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=CASE_STATUS_CHOICES, required=False)
    date_from = forms.DateField(label=_("Sample from"), required=False, widget=forms.DateInput(DATE_WIDGET))
    date_to = forms.DateField(label=_("Sample to"), required=False, widget=forms.DateInput(DATE_WIDGET))
    area = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    area_text = forms.CharField(required=False, max_length=AREA_TEXT_MAX)  # the picker's typed text (filter_area)


class ExposureFilterForm(forms.Form):
    """The public list of places visited by cases: an area (a commune, or a province for all of its communes)
    and words of the place's name."""

    # Django's own "Select a valid choice. … is not one of the available choices." said neither what was wrong nor
    # what to do (a link with an area's id mistyped or cut: the page was walked with ?area=abc).
    area = forms.TypedChoiceField(
        label=_("Area"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("No such area: choose one from the list.")},
    )
    q = forms.CharField(label=_("Place name"), max_length=100, required=False)

    def __init__(self, *args, areas: list[tuple[Area, int]], **kwargs):
        """`areas`: (area, notices within it) in tree order, the areas above the places included
        (selectors.exposure_notice_areas). An area with others under it is a group ("All of ...", then its
        communes); the count is always that of the whole subtree, as the filter lists it."""
        super().__init__(*args, **kwargs)
        listed = {area.pk for area, _count in areas}
        parents = {area.parent_id for area, _count in areas}
        leaves: dict = defaultdict(list)  # parent pk -> its communes' choices
        for area, count in sorted(areas, key=lambda pair: pair[0].name_folded):
            if area.pk not in parents:
                leaves[area.parent_id if area.parent_id in listed else None].append((area.pk, f"{area.name} ({count})"))
        choices: list = [("", _("All areas"))]
        for area, count in areas:
            if area.pk in parents:
                everywhere = _("All of %(area)s (%(count)s)") % {"area": area.name, "count": count}
                choices.append((area.name, [(area.pk, everywhere), *leaves[area.pk]]))
        self.fields["area"].choices = choices + leaves[None]


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Find the person (name, phone or ID number)"), max_length=100, required=False)


class NewPersonForm(AreaPickerFormMixin, forms.Form):
    """A person not yet on record, created through people.services.person_create. The commune's name typed and not
    chosen is taken when it names one of `areas` (geo.forms.AreaPickerFormMixin)."""

    typed = False  # shown again as typed, unchecked (typed()): the page opens its block

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    birth_year = forms.IntegerField(label=_("Year of birth"), required=False, min_value=1900, max_value=2100)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    citizen_id = forms.CharField(label=_("Citizen ID (CCCD)"), max_length=12, required=False)
    address_area = forms.ModelChoiceField(label=_("Commune of residence"), queryset=None, widget=forms.HiddenInput)
    address_street = forms.CharField(label=_("Street address"), max_length=255, required=False)

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address_area"].queryset = areas
        self.area_picker_setup("address_area", kind="commune")  # among `areas`: the official's communes

    @classmethod
    def typed_again(cls, data, *, areas, prefix: str) -> "NewPersonForm":
        """What was typed in the block, shown again unchecked (the person search sent with the interview form): an
        unbound form with the posted values as its initial ones, so that no field says it is missing yet."""
        values = {name: (data.get(f"{prefix}-{name}") or "").strip() for name in cls.base_fields}
        initial = {name: value for name, value in values.items() if value and name != "address_area"}
        area_id = id_or_none(values["address_area"])
        if area_id:
            initial["address_area"] = areas.filter(pk=area_id).first()
        form = cls(areas=areas, prefix=prefix, initial=initial, use_required_attribute=False)
        area_text = (data.get(f"{prefix}-address_area{TEXT_SUFFIX}") or "").strip()[:AREA_TEXT_MAX]
        if area_text and not area_id:
            form.typed_areas["address_area"] = area_text  # typed, not chosen: shown as typed, resolved when sent
        form.typed = any(values.values()) or bool(area_text)
        return form

    def picked_area(self) -> Area | None:
        """The commune the area picker shows: the one sent or named by the text sent (when it is among `areas`), so
        that a refused form keeps it; else the initial one."""
        area = super().picked_area("address_area")
        queryset = self.fields["address_area"].queryset
        if not self.is_bound or area is None or queryset is None:
            return area
        return area if queryset.filter(pk=area.pk).exists() else None


class CaseForm(forms.Form):
    sample_date = forms.DateField(
        label=_("Date of the positive sample"), required=False, widget=forms.DateInput(DATE_WIDGET)
    )
    test_type = forms.ChoiceField(label=_("Test type"), choices=TEST_TYPE_CHOICES)
    onset_date = forms.DateField(
        label=_("Symptom onset (empty: no symptoms)"), required=False, widget=forms.DateInput(DATE_WIDGET)
    )
    source_exposure_date = forms.DateField(
        label=_("First contact with a known source (if known)"), required=False, widget=forms.DateInput(DATE_WIDGET)
    )
    isolated_at = DateTimeLocalField(label=_("Isolated at"), required=False)
    isolation_place = forms.CharField(label=_("Where isolated or treated"), max_length=255, required=False)
    infected_by = forms.CharField(label=_("Infected by (case number, if known)"), max_length=30, required=False)
    cluster = forms.ModelChoiceField(
        label=_("Cluster"),
        queryset=None,
        required=False,
        error_messages={
            "invalid_choice": _(
                "This cluster is not one you can put the case in (or no longer exists): choose one from the list."
            )
        },
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, clusters=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cluster"].queryset = clusters


class InvestigatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return official_name(user)  # as the case page names its investigator


class CaseEditForm(CaseForm):
    """The case form of the case's page: also who investigates it (cases.selectors.case_investigators)."""

    investigator = InvestigatorChoiceField(
        label=_("Investigator"),
        queryset=None,
        required=False,
        error_messages={
            "invalid_choice": _(
                "This official cannot investigate the case (only active officials of its area or an area above it "
                "can): choose one from the list."
            )
        },
    )
    # The id of the cluster the case is in, sent by the page's tick box to confirm moving it to the cluster chosen
    # (case_in_other_cluster). Hidden, and not rendered by the form (hidden_fields): its only input is that tick box
    # (cases/detail.html), unticked again after a refusal. It was a number field labelled in English ("Cluster move
    # from") among the case's facts, and a value typed there confirmed the move without the tick.
    cluster_move_from = forms.CharField(required=False, widget=forms.HiddenInput, strip=True)

    def __init__(self, *args, investigators=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["investigator"].queryset = investigators

    def hidden_fields(self):
        return [field for field in super().hidden_fields() if field.name != "cluster_move_from"]

    def clean_cluster_move_from(self) -> int | None:
        """The tick's cluster id, or None unticked; anything else (a value changed by hand) is refused in words, as
        the form's own error, not Django's "Enter a whole number." beside a field the page does not show."""
        value = self.cleaned_data.get("cluster_move_from") or ""
        if not value:
            return None
        cluster_id = id_or_none(value)
        if cluster_id is None:
            self.add_error(
                None,
                _(
                    "The confirmation to move the case out of its cluster was not understood. Open the case page "
                    "again, tick the confirmation if the case should move, and send again."
                ),
            )
        return cluster_id


class CaseCreateForm(CaseForm):
    """The case form of /cases/new/, with the nonce that makes a double submission enter one case
    (core.formonce). Not required: a page opened before the field existed still works, unguarded."""

    nonce = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class _TickedAgainAfterRefusal:
    """A form whose ticks confirm a step hard to take back: refused, it is shown again with them unticked (`untick`),
    so that the official ticks again knowingly for what they send next. Shown ticked, a corrected date or outcome was
    recorded on the tick given to the one refused."""

    ticks: tuple[str, ...] = ("confirm",)

    def untick(self) -> None:
        if self.is_bound:
            self.data = self.data.copy()  # a QueryDict, immutable as the request's
            for name in self.ticks:
                self.data.pop(self.add_prefix(name), None)


class _ReasonRequiredAsTheService:
    """A form whose `reason` left empty (or spaces only) is refused in the words of the service's own refusal
    (`reason_required`, the message the API gives, in the page's language), which say what reason is asked for with
    an example, instead of Django's "This field is required."."""

    reason_required: ErrorCode

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        message = ApplicationError(self.reason_required).as_dict()["message"]
        self.fields["reason"].error_messages["required"] = message


class CaseStatusForm(_TickedAgainAfterRefusal, forms.Form):
    """The outcome of a case: none is preselected (the official chooses), and a tick confirms it; `date_confirmed`
    answers the warning of a recovery earlier than usual (services.case_status_set). Both come back unticked when the
    outcome is refused (untick)."""

    ticks = ("confirm", "date_confirmed")

    status = forms.ChoiceField(label=_("Outcome"), choices=[("", _("Choose the outcome")), *OUTCOME_CHOICES])
    on = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(DATE_WIDGET))
    confirm = forms.BooleanField(label=_("I confirm this outcome and its date for this case."))
    date_confirmed = forms.BooleanField(
        label=_("I have checked the date: it is right although it is early."), required=False
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_outcome_%s")  # the withdrawal's form on the same page has a `confirm` too
        super().__init__(*args, **kwargs)


class CaseOutcomeUndoForm(_ReasonRequiredAsTheService, _TickedAgainAfterRefusal, forms.Form):
    """Undoing an outcome recorded by mistake (services.case_outcome_undo): the reason and a tick, which comes back
    unticked when the undoing is refused (untick)."""

    reason_required = errors.CASE_OUTCOME_UNDO_REASON_REQUIRED

    reason = forms.CharField(
        label=_("Why the outcome is undone"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
        help_text=_("For example: recorded for the wrong case; the person is still under treatment."),
    )
    confirm = forms.BooleanField(label=_("I confirm: this case is under treatment again."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_undo_%s")
        super().__init__(*args, **kwargs)


class ContactReleaseUndoForm(_ReasonRequiredAsTheService, _TickedAgainAfterRefusal, forms.Form):
    """Undoing a release from quarantine made by mistake (services.contact_release_undo): the reason and a tick."""

    reason_required = errors.CONTACT_RELEASE_UNDO_REASON_REQUIRED

    reason = forms.CharField(
        label=_("Why the release is undone"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
        help_text=_("For example: the wrong person was ticked in the work list; they are still in quarantine."),
    )
    confirm = forms.BooleanField(label=_("I confirm: this person is in quarantine again, until its end."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_release_undo_%s")  # the page's other forms have a `reason` too
        super().__init__(*args, **kwargs)


class CaseWithdrawForm(_ReasonRequiredAsTheService, _TickedAgainAfterRefusal, forms.Form):
    """Withdrawing a case that is not one (services.case_withdraw): the reason and a tick, which comes back unticked
    when the withdrawal is refused (untick)."""

    reason_required = errors.CASE_WITHDRAW_REASON_REQUIRED

    reason = forms.CharField(
        label=_("Why it is not a case"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
        help_text=_("For example: negative on confirmatory RT-PCR on 16/09; result entered for the wrong person."),
    )
    confirm = forms.BooleanField(label=_("I have checked: this person is not a case."))


class CaseRestoreForm(_ReasonRequiredAsTheService, _TickedAgainAfterRefusal, forms.Form):
    """Restoring a case withdrawn by mistake (services.case_restore): the reason and a tick; refused, unticked."""

    reason_required = errors.CASE_RESTORE_REASON_REQUIRED

    reason = forms.CharField(
        label=_("Why the withdrawal was a mistake"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
        help_text=_(
            "For example: the other entry of the same person should have been withdrawn; the negative RT-PCR "
            "was another person's."
        ),
    )
    confirm = forms.BooleanField(label=_("I confirm: this person is a case, as before the withdrawal."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_restore_%s")
        super().__init__(*args, **kwargs)


IDENTIFIED_PREFIX = "ref:"  # the interview's choice of a person found outside the area by an exact number


class InterviewForm(forms.Form):
    """A contact named in the case's interview. The nonce makes a double submission add one link."""

    # A person of the official's area (their id), or one an exact look-up found elsewhere ("ref:" and its signed ref,
    # people.selectors.person_identify): clean_person gives an int or the ref.
    person = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
    setting = forms.ChoiceField(label=_("Setting"), choices=INTERVIEW_SETTING_CHOICES, widget=forms.RadioSelect)
    place = forms.CharField(label=_("Place"), max_length=255, required=False)
    # Said in full: a bare "From" took another app's translation, "Từ ngày", for a field that takes a time too.
    exposure_start = DateTimeLocalField(label=_("From (date and time)"), required=False)
    exposure_end = DateTimeLocalField(label=_("To (date and time)"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    nonce = forms.CharField(widget=forms.HiddenInput, min_length=8, max_length=64)
    # Only on an F1's page (an F2 met while the F1 broke their quarantine: services.contact_interview_f2_add); the
    # case's interview does not read it.
    quarantine_breach = forms.BooleanField(label=_("Met while breaking quarantine"), required=False)

    @classmethod
    def blank(cls) -> "InterviewForm":
        return cls(initial={"nonce": new_nonce(), "setting": ContactLink.Setting.HOUSEHOLD})

    def clean_person(self) -> int | str | None:
        value = (self.cleaned_data.get("person") or "").strip()
        if not value:
            return None
        if value.startswith(IDENTIFIED_PREFIX) and len(value) > len(IDENTIFIED_PREFIX):
            return value[len(IDENTIFIED_PREFIX) :]
        person_id = id_or_none(value)
        if person_id is None:
            raise forms.ValidationError(_("Choose a person found in your area, or enter the new person."))
        return person_id

    @classmethod
    def typed_again(cls, data) -> "InterviewForm":
        """What was typed, shown again unchecked (the person search is a button of this form): an unbound form with
        the posted values as its initial ones, the same nonce, so that no field says it is wrong yet."""
        initial = {name: data.get(name) for name in cls.base_fields if data.get(name)}
        initial.setdefault("nonce", new_nonce())
        initial.setdefault("setting", ContactLink.Setting.HOUSEHOLD)
        return cls(initial=initial)


class ContactStatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(value, value) for value in Contact.Status.values])
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
    quarantine_start = forms.DateField(label=_("Quarantine from"), required=False, widget=forms.DateInput(DATE_WIDGET))


class ContactQuarantineStartForm(forms.Form):
    """The start of a contact's quarantine corrected (services.contact_quarantine_start_move), with the reason."""

    quarantine_start = forms.DateField(label=_("Quarantine began on"), widget=forms.DateInput(DATE_WIDGET))
    reason = forms.CharField(label=_("Reason (required)"), max_length=500, required=False)


class ContactDismissalKeepForm(_ReasonRequiredAsTheService, forms.Form):
    """A dismissal kept after reviewing the evidence added since (services.contact_dismissal_keep): the reason."""

    reason_required = errors.CONTACT_DISMISSAL_KEEP_REASON_REQUIRED

    reason = forms.CharField(
        label=_("Why they are still not a contact (required)"),
        max_length=500,
        widget=forms.TextInput(attrs={"maxlength": 500}),
        help_text=_("For example: called them; they were not at that place at that time."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_keep_%s")  # the page's other forms have a `reason` too
        super().__init__(*args, **kwargs)


class ContactLinkBreachForm(forms.Form):
    """An F2 link of the contact page marked, or unmarked, as met while the F1 broke quarantine
    (services.contact_link_breach_set), with the reason."""

    link = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    quarantine_breach = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1", widget=forms.HiddenInput
    )
    reason = forms.CharField(label=_("Reason (required)"), max_length=500, required=False)


class ContactsStatusForm(forms.Form):
    """A move of the contacts ticked on a case's page or the work list (the ids are `contact`, read by the
    view); `confirm_one`, a row's own Confirm button, confirms that one contact instead."""

    status = forms.ChoiceField(choices=[(value, value) for value in CONTACT_MOVES], required=False)
    confirm_one = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
    quarantine_start = forms.DateField(label=_("Quarantine from"), required=False, widget=forms.DateInput(DATE_WIDGET))

    def clean(self):
        data = super().clean()
        if data.get("confirm_one"):
            data["status"] = "confirmed"
        elif not data.get("status"):
            self.add_error("status", "no action")  # the view answers in both languages (views._BULK_FORM_ERRORS)
        return data


class WorklistFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=WORKLIST_STATUS_CHOICES, required=False)
    level = forms.ChoiceField(label=_("Level"), choices=level_choices, required=False)  # read at each form
    area = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    area_text = forms.CharField(required=False, max_length=AREA_TEXT_MAX)  # the picker's typed text (filter_area)


class ClusterForm(VenueByNameMixin, forms.Form):
    """A cluster's name and, optionally, its venue (searched by name in a large area)."""

    name = forms.CharField(label=_("Name of the cluster"), max_length=200)
    venue = forms.ModelChoiceField(label=_("Venue (optional)"), queryset=None, required=False)
    # The case whose exposure notice the form was opened from: the cluster holds it (services.cluster_create).
    case = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    cluster_move_from = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    nonce = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)  # core.formonce

    def __init__(self, *args, venues=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.venue_by_name_setup(venues)

    def clean(self):
        return self.venue_by_name_clean(super().clean())
