"""Vaccination: priority groups, products, sites, sessions and slots, registrations, invitations, doses,
reactions, and the optional population figures of coverage. Data only: every write is in services.py,
every read of personal data in selectors.py (docs/vaccination.md)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class PriorityGroup(models.Model):
    """A priority group for vaccination (data migration 0002: Resolution 21/NQ-CP, 26/02/2021; editable)."""

    code = models.CharField(max_length=20, unique=True)
    order = models.PositiveSmallIntegerField(help_text="Lower first when invitations are sent")
    name_vi = models.CharField(max_length=300)
    name_en = models.CharField(max_length=300)
    source = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self):
        return f"{self.order}. {self.name_vi}"


class VaccineProduct(models.Model):
    """A vaccine used in Vietnam, mapped to the EU DCC value sets (mp, ma, vp), with its primary series and
    the interval to the next dose. Loaded by data migration 0002; sources in docs/vaccination.md."""

    code = models.CharField(max_length=40, unique=True)  # our short code, e.g. "astrazeneca"
    name = models.CharField(max_length=150)  # as staff say it: "AstraZeneca (Vaxzevria)"
    medicinal_product = models.CharField(max_length=60)  # EU DCC mp, e.g. "EU/1/21/1529"
    manufacturer = models.CharField(max_length=60)  # EU DCC ma, e.g. "ORG-100001699"
    prophylaxis = models.CharField(max_length=20)  # EU DCC vp, e.g. "1119349007" (mRNA)
    series_doses = models.PositiveSmallIntegerField(help_text="Doses in the primary series (Janssen: 1)")
    # A dose earlier than this after the previous one is refused; the next dose is due after the recommended one.
    min_interval_days = models.PositiveSmallIntegerField(null=True, blank=True)
    recommended_interval_days = models.PositiveSmallIntegerField(null=True, blank=True)
    interval_source = models.TextField(blank=True)
    interval_confirmed = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    class Meta:
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
    name = models.CharField(max_length=200)
    area = models.ForeignKey("geo.Area", on_delete=models.PROTECT, related_name="vaccination_sites")
    area_path = models.CharField(max_length=255, db_index=True, editable=False)
    address = models.CharField(max_length=255, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["area_path", "name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # The copy of the area's path that scoping filters on (core.scoping); it follows the area.
        self.area_path = self.area.path
        super().save(*args, **kwargs)


class VaccinationSession(models.Model):
    """One day of vaccination at a site with one product; capacity is shared by its time slots."""

    site = models.ForeignKey(VaccinationSite, on_delete=models.PROTECT, related_name="sessions")
    date = models.DateField()
    product = models.ForeignKey(VaccineProduct, on_delete=models.PROTECT, related_name="sessions")
    capacity = models.PositiveIntegerField()
    booked_count = models.PositiveIntegerField(default=0)
    notes = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
    session = models.ForeignKey(VaccinationSession, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.TimeField()
    ends_at = models.TimeField()
    capacity = models.PositiveIntegerField()
    # Maintained by the booking services under select_for_update (services.registration_book).
    booked_count = models.PositiveIntegerField(default=0)

    class Meta:
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
        REGISTERED = "registered", "Đã đăng ký"
        INVITED = "invited", "Đã mời"
        BOOKED = "booked", "Đã đặt lịch"
        CHECKED_IN = "checked_in", "Đã đến điểm tiêm"
        VACCINATED = "vaccinated", "Đã tiêm"
        CANCELLED = "cancelled", "Đã hủy"

    # Statuses that hold a slot (and count in its booked_count), and those still waiting for a dose.
    HOLDING = (Status.INVITED, Status.BOOKED, Status.CHECKED_IN)
    ACTIVE = (Status.REGISTERED, Status.INVITED, Status.BOOKED, Status.CHECKED_IN)

    class Via(models.TextChoices):
        CITIZEN = "citizen", "Người dân tự đăng ký"
        OFFICIAL = "official", "Cán bộ đăng ký"
        FOLLOW_ON = "follow_on", "Mũi tiếp theo (tự động)"

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="vaccination_registrations")
    priority_group = models.ForeignKey(PriorityGroup, on_delete=models.PROTECT, related_name="registrations")
    dose_number = models.PositiveSmallIntegerField(default=1)
    preferred_site = models.ForeignKey(
        VaccinationSite, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    preferred_area = models.ForeignKey("geo.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REGISTERED)
    slot = models.ForeignKey(TimeSlot, null=True, blank=True, on_delete=models.PROTECT, related_name="registrations")
    # Scoping (core.scoping): the person's area, and the area of the site chosen or booked (staff of a site see
    # the people booked there even when they live elsewhere).
    area_path = models.CharField(max_length=255)
    site_area_path = models.CharField(max_length=255, blank=True)
    registered_via = models.CharField(max_length=20, choices=Via.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    checked_in_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
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
    registration = models.ForeignKey(VaccinationRegistration, on_delete=models.CASCADE, related_name="invitations")
    slot = models.ForeignKey(TimeSlot, on_delete=models.CASCADE, related_name="invitations")
    sent_at = models.DateTimeField()
    message = models.ForeignKey(
        "notifications.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when the person answered by coming (check-in) or by cancelling.
    responded = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["sent_at", "id"]


class Dose(models.Model):
    """One dose given. Numbered 1, 2, 3… per person without gaps (services.dose_record)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="vaccination_doses")
    product = models.ForeignKey(VaccineProduct, on_delete=models.PROTECT, related_name="doses")
    lot = models.CharField(max_length=40)
    dose_number = models.PositiveSmallIntegerField()
    given_on = models.DateField()
    site = models.ForeignKey(VaccinationSite, null=True, blank=True, on_delete=models.PROTECT, related_name="doses")
    vaccinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    session = models.ForeignKey(
        VaccinationSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="doses"
    )
    registration = models.ForeignKey(
        VaccinationRegistration, null=True, blank=True, on_delete=models.SET_NULL, related_name="doses"
    )
    # True when this dose completes the primary series (it is what "fully vaccinated" and coverage count).
    completes_series = models.BooleanField(default=False)
    # True when the product differs from an earlier dose's (allowed, noted: docs/vaccination.md "Mixing").
    mixed_schedule = models.BooleanField(default=False)
    area_path = models.CharField(max_length=255, db_index=True)  # the person's, at recording time
    site_area_path = models.CharField(max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
        MILD = "mild", "Nhẹ"
        MODERATE = "moderate", "Vừa"
        SEVERE = "severe", "Nặng"
        SERIOUS = "serious", "Nghiêm trọng (tai biến nặng)"

    class Via(models.TextChoices):
        CITIZEN = "citizen", "Người dân báo"
        STAFF = "staff", "Nhân viên y tế ghi"

    dose = models.ForeignKey(Dose, on_delete=models.CASCADE, related_name="reactions")
    onset_at = models.DateTimeField()
    severity = models.CharField(max_length=10, choices=Severity.choices)
    symptoms = models.CharField(max_length=500)
    treated_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True, max_length=2000)
    reported_via = models.CharField(max_length=10, choices=Via.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    area_path = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["onset_at", "id"]


class AreaPopulation(models.Model):
    """The official population of an area in an age band, when the province has it: coverage then divides by
    it instead of the people known to the system (docs/vaccination.md "Coverage")."""

    class Band(models.TextChoices):
        AGE_18 = "18", "18+"
        AGE_50 = "50", "50+"
        AGE_65 = "65", "65+"

    area = models.ForeignKey("geo.Area", on_delete=models.CASCADE, related_name="vaccination_populations")
    band = models.CharField(max_length=4, choices=Band.choices)
    population = models.PositiveIntegerField()
    as_of = models.DateField()
    source = models.CharField(max_length=300)

    class Meta:
        ordering = ["area_id", "band"]
        constraints = [models.UniqueConstraint(fields=["area", "band"], name="vacc_population_one_per_band")]
