"""Vaccination: priority groups, products, sites, sessions and slots, registrations, invitations, doses,
reactions, and the optional population figures of coverage. Data only: every write is in services.py,
every read of personal data in selectors.py (docs/vaccination.md)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from phongdich.core.models import NamedInBothLanguages


class PriorityGroup(NamedInBothLanguages, models.Model):
    """A priority group for vaccination (data migration 0002: Resolution 21/NQ-CP, 26/02/2021; editable)."""

    code = models.CharField(max_length=20, unique=True, verbose_name=_("code"))
    order = models.PositiveSmallIntegerField(
        help_text=_("Lower first when invitations are sent"), verbose_name=_("order")
    )
    name_vi = models.CharField(max_length=300, verbose_name=_("name in Vietnamese"))
    name_en = models.CharField(max_length=300, verbose_name=_("name in English"))
    source = models.CharField(max_length=300, blank=True, verbose_name=_("source"))
    active = models.BooleanField(default=True, verbose_name=_("in use"))

    class Meta:
        verbose_name = _("priority group")
        verbose_name_plural = _("priority groups")
        ordering = ["order", "code"]

    def __str__(self):
        return f"{self.order}. {self.name}"


class VaccineProduct(models.Model):
    """A vaccine used in Vietnam, mapped to the EU DCC value sets (mp, ma, vp), with its primary series and
    the interval to the next dose. Loaded by data migration 0002; sources in docs/vaccination.md."""

    code = models.CharField(max_length=40, unique=True, verbose_name=_("code"))  # our short code, e.g. "astrazeneca"
    name = models.CharField(max_length=150, verbose_name=_("name"))  # as staff say it: "AstraZeneca (Vaxzevria)"
    # EU DCC mp, e.g. "EU/1/21/1529"
    medicinal_product = models.CharField(max_length=60, verbose_name=_("medicinal product (EU DCC mp)"))
    # EU DCC ma, e.g. "ORG-100001699"
    manufacturer = models.CharField(max_length=60, verbose_name=_("manufacturer (EU DCC ma)"))
    # EU DCC vp, e.g. "1119349007" (mRNA)
    prophylaxis = models.CharField(max_length=20, verbose_name=_("vaccine or prophylaxis (EU DCC vp)"))
    series_doses = models.PositiveSmallIntegerField(
        help_text=_("Doses in the primary series (Janssen: 1)"), verbose_name=_("doses in the primary series")
    )
    # A dose earlier than this after the previous one is refused; the next dose is due after the recommended one.
    min_interval_days = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("minimum interval (days)")
    )
    recommended_interval_days = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("recommended interval (days)")
    )
    interval_source = models.TextField(blank=True, verbose_name=_("source of the intervals"))
    interval_confirmed = models.BooleanField(default=False, verbose_name=_("intervals confirmed"))
    active = models.BooleanField(default=True, verbose_name=_("in use"))

    class Meta:
        verbose_name = _("vaccine product")
        verbose_name_plural = _("vaccine products")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(series_doses__gte=1), name="vacc_product_series_positive"),
        ]

    def __str__(self):
        return self.name

    @property
    def single_dose(self) -> bool:
        return self.series_doses == 1


class VaccinationSite(models.Model):
    name = models.CharField(max_length=200, verbose_name=_("name"))
    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="vaccination_sites", verbose_name=_("area")
    )
    area_path = models.CharField(max_length=255, db_index=True, editable=False, verbose_name=_("area path"))
    address = models.CharField(max_length=255, blank=True, verbose_name=_("address"))
    active = models.BooleanField(default=True, verbose_name=_("in use"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("vaccination site")
        verbose_name_plural = _("vaccination sites")
        ordering = ["area_path", "name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # The copy of the area's path that scoping filters on (core.scoping); it follows the area.
        self.area_path = self.area.path
        super().save(*args, **kwargs)


class VaccinationSession(models.Model):
    """One day of vaccination at a site with one product; capacity is shared by its time slots."""

    site = models.ForeignKey(
        VaccinationSite, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("vaccination site")
    )
    date = models.DateField(verbose_name=_("date"))
    product = models.ForeignKey(
        VaccineProduct, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("vaccine product")
    )
    capacity = models.PositiveIntegerField(verbose_name=_("capacity"))
    booked_count = models.PositiveIntegerField(default=0, verbose_name=_("places booked"))
    notes = models.CharField(max_length=300, blank=True, verbose_name=_("notes"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("vaccination session")
        verbose_name_plural = _("vaccination sessions")
        ordering = ["date", "site_id", "id"]
        indexes = [models.Index(fields=["site", "date"], name="vacc_session_site_date_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(booked_count__lte=F("capacity")), name="vacc_session_not_overbooked"),
        ]

    def __str__(self):
        return f"{self.site} {self.date:%d/%m/%Y} ({self.product})"

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked_count)


class TimeSlot(models.Model):
    session = models.ForeignKey(
        VaccinationSession, on_delete=models.CASCADE, related_name="slots", verbose_name=_("vaccination session")
    )
    starts_at = models.TimeField(verbose_name=_("starts at"))
    ends_at = models.TimeField(verbose_name=_("ends at"))
    capacity = models.PositiveIntegerField(verbose_name=_("capacity"))
    # Maintained by the booking services under select_for_update (services.registration_book).
    booked_count = models.PositiveIntegerField(default=0, verbose_name=_("places booked"))

    class Meta:
        verbose_name = _("time slot")
        verbose_name_plural = _("time slots")
        ordering = ["session_id", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(booked_count__lte=F("capacity")), name="vacc_slot_not_overbooked"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="vacc_slot_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked_count)


class VaccinationRegistration(models.Model):
    """A person's wish to get the next dose; it holds a slot once invited or booked."""

    class Status(models.TextChoices):
        REGISTERED = "registered", pgettext_lazy("vaccination registration status", "Registered")
        INVITED = "invited", pgettext_lazy("vaccination registration status", "Invited")
        BOOKED = "booked", pgettext_lazy("vaccination registration status", "Booked")
        CHECKED_IN = "checked_in", pgettext_lazy("vaccination registration status", "Arrived at the vaccination site")
        VACCINATED = "vaccinated", pgettext_lazy("vaccination registration status", "Vaccinated")
        CANCELLED = "cancelled", pgettext_lazy("vaccination registration status", "Cancelled")

    # Statuses that hold a slot (and count in its booked_count), and those still waiting for a dose.
    HOLDING = (Status.INVITED, Status.BOOKED, Status.CHECKED_IN)
    ACTIVE = (Status.REGISTERED, Status.INVITED, Status.BOOKED, Status.CHECKED_IN)

    class Via(models.TextChoices):
        CITIZEN = "citizen", _("Registered by the citizen")
        OFFICIAL = "official", _("Registered by an official")
        FOLLOW_ON = "follow_on", _("Next dose (automatic)")

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="vaccination_registrations", verbose_name=_("person")
    )
    priority_group = models.ForeignKey(
        PriorityGroup, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("priority group")
    )
    dose_number = models.PositiveSmallIntegerField(default=1, verbose_name=_("dose number"))
    preferred_site = models.ForeignKey(
        VaccinationSite,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("preferred site"),
    )
    preferred_area = models.ForeignKey(
        "geo.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("preferred area")
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.REGISTERED, verbose_name=_("status")
    )
    slot = models.ForeignKey(
        TimeSlot,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("time slot"),
    )
    # Scoping (core.scoping): the person's area, and the area of the site chosen or booked (staff of a site see
    # the people booked there even when they live elsewhere).
    area_path = models.CharField(max_length=255, verbose_name=_("area path"))
    site_area_path = models.CharField(max_length=255, blank=True, verbose_name=_("vaccination site area path"))
    registered_via = models.CharField(max_length=20, choices=Via.choices, verbose_name=_("registered via"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(verbose_name=_("created at"))
    checked_in_at = models.DateTimeField(null=True, blank=True, verbose_name=_("checked in at"))
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))

    class Meta:
        verbose_name = _("vaccination registration")
        verbose_name_plural = _("vaccination registrations")
        ordering = ["created_at", "id"]
        indexes = [
            # The invitation queue: waiting registrations of an area by priority.
            models.Index(fields=["status", "area_path"], name="vacc_reg_queue_idx"),
            models.Index(fields=["status", "site_area_path"], name="vacc_reg_site_queue_idx"),
        ]
        constraints = [
            # One registration waiting per person (a second one would take a second slot).
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=["registered", "invited", "booked", "checked_in"]),
                name="vacc_one_active_registration",
            ),
            models.CheckConstraint(
                condition=Q(slot__isnull=False) | ~Q(status__in=["invited", "booked", "checked_in"]),
                name="vacc_holding_status_has_slot",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_status_display()}"


class Invitation(models.Model):
    registration = models.ForeignKey(
        VaccinationRegistration,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("vaccination registration"),
    )
    slot = models.ForeignKey(
        TimeSlot, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("time slot")
    )
    sent_at = models.DateTimeField(verbose_name=_("sent at"))
    message = models.ForeignKey(
        "notifications.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("message"),
    )
    # Set when the person answered by coming (check-in) or by cancelling.
    responded = models.BooleanField(default=False, verbose_name=_("responded"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["sent_at", "id"]


class Dose(models.Model):
    """One dose given. Numbered 1, 2, 3… per person without gaps (services.dose_record)."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="vaccination_doses", verbose_name=_("person")
    )
    product = models.ForeignKey(
        VaccineProduct, on_delete=models.PROTECT, related_name="doses", verbose_name=_("vaccine product")
    )
    lot = models.CharField(max_length=40, verbose_name=_("lot number"))
    dose_number = models.PositiveSmallIntegerField(verbose_name=_("dose number"))
    given_on = models.DateField(verbose_name=_("given on"))
    site = models.ForeignKey(
        VaccinationSite,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="doses",
        verbose_name=_("vaccination site"),
    )
    vaccinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("vaccinator"),
    )
    session = models.ForeignKey(
        VaccinationSession,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="doses",
        verbose_name=_("vaccination session"),
    )
    registration = models.ForeignKey(
        VaccinationRegistration,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="doses",
        verbose_name=_("vaccination registration"),
    )
    # True when this dose completes the primary series (it is what "fully vaccinated" and coverage count).
    completes_series = models.BooleanField(default=False, verbose_name=_("completes the primary series"))
    # True when the product differs from an earlier dose's (allowed, noted: docs/vaccination.md "Mixing").
    mixed_schedule = models.BooleanField(default=False, verbose_name=_("mixed schedule"))
    # the person's, at recording time
    area_path = models.CharField(max_length=255, db_index=True, verbose_name=_("area path"))
    site_area_path = models.CharField(max_length=255, blank=True, verbose_name=_("vaccination site area path"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("vaccine dose")
        verbose_name_plural = _("vaccine doses")
        ordering = ["person_id", "dose_number"]
        constraints = [
            models.UniqueConstraint(fields=["person", "dose_number"], name="vacc_dose_number_unique"),
            models.CheckConstraint(condition=Q(dose_number__gte=1), name="vacc_dose_number_positive"),
        ]
        indexes = [models.Index(fields=["person", "given_on"], name="vacc_dose_person_date_idx")]

    def __str__(self):
        return f"{self.product} #{self.dose_number} {self.given_on:%d/%m/%Y}"


class Reaction(models.Model):
    """A reaction after a dose (AEFI). Severity: our categories, docs/vaccination.md "Reactions"."""

    class Severity(models.TextChoices):
        MILD = "mild", pgettext_lazy("reaction severity", "Mild")
        MODERATE = "moderate", pgettext_lazy("reaction severity", "Moderate")
        SEVERE = "severe", pgettext_lazy("reaction severity", "Severe")
        SERIOUS = "serious", pgettext_lazy("reaction severity", "Serious (severe adverse event)")

    class Via(models.TextChoices):
        CITIZEN = "citizen", _("Reported by the citizen")
        STAFF = "staff", _("Recorded by health staff")

    dose = models.ForeignKey(Dose, on_delete=models.CASCADE, related_name="reactions", verbose_name=_("vaccine dose"))
    onset_at = models.DateTimeField(verbose_name=_("onset at"))
    severity = models.CharField(max_length=10, choices=Severity.choices, verbose_name=_("severity"))
    symptoms = models.CharField(max_length=500, verbose_name=_("symptoms"))
    treated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("treated at"))
    notes = models.TextField(blank=True, max_length=2000, verbose_name=_("notes"))
    reported_via = models.CharField(max_length=10, choices=Via.choices, verbose_name=_("reported via"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reported by"),
    )
    area_path = models.CharField(max_length=255, verbose_name=_("area path"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("reaction after vaccination")
        verbose_name_plural = _("reactions after vaccination")
        ordering = ["onset_at", "id"]


class AreaPopulation(models.Model):
    """The official population of an area in an age band, when the province has it: coverage then divides by
    it instead of the people known to the system (docs/vaccination.md "Coverage")."""

    class Band(models.TextChoices):
        AGE_18 = "18", "18+"
        AGE_50 = "50", "50+"
        AGE_65 = "65", "65+"

    area = models.ForeignKey(
        "geo.Area", on_delete=models.CASCADE, related_name="vaccination_populations", verbose_name=_("area")
    )
    band = models.CharField(max_length=4, choices=Band.choices, verbose_name=_("age band"))
    population = models.PositiveIntegerField(verbose_name=_("population"))
    as_of = models.DateField(verbose_name=_("as of"))
    source = models.CharField(max_length=300, verbose_name=_("source"))

    class Meta:
        verbose_name = _("area population")
        verbose_name_plural = _("area populations")
        ordering = ["area_id", "band"]
        constraints = [models.UniqueConstraint(fields=["area", "band"], name="vacc_population_one_per_band")]
