"""SARS-CoV-2 testing: sites and sessions, registrations, samples (with printed barcodes), pools, results,
the re-test list, lab-sheet imports and the one-time codes of the citizen look-up.

Data and constraints only; every write goes through testing.services (and testing.imports, testing.lookup).
Rows about a person carry two area paths: `site_path` (where the sample was taken or tested; lab staff are
scoped by it) and `person_path` (where the person lives; commune officials are scoped by either).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from phongdich.core.models import OneTimeCode


class TestType(models.TextChoices):
    __test__ = False  # not a pytest test class

    PCR = "pcr", "RT-PCR"
    ANTIGEN = "antigen", _("Rapid antigen test")


class TestingSite(models.Model):
    """A place that takes samples (a commune health station, a mobile team) and/or tests them (a lab)."""

    __test__ = False

    class Kind(models.TextChoices):
        SAMPLING = "sampling", _("Sampling site")
        LAB = "lab", _("Testing laboratory")
        BOTH = "both", _("Sampling and testing")

    # Printed at the start of every barcode of the site: 2–4 capital letters or digits, unique.
    code = models.CharField(max_length=4, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    area = models.ForeignKey("geo.Area", on_delete=models.PROTECT, related_name="testing_sites", verbose_name=_("area"))
    area_path = models.CharField(max_length=255, db_index=True, editable=False, verbose_name=_("area path"))
    address = models.CharField(max_length=255, blank=True, verbose_name=_("address"))
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.BOTH, verbose_name=_("kind"))
    # How many individual samples one pool may hold at this site: the lab's validated pooling factor
    # (docs/testing.md "Pooling"; the MoH pooling guidance leaves it to the lab and its kit).
    pool_max_size = models.PositiveSmallIntegerField(default=10, verbose_name=_("maximum pool size"))
    active = models.BooleanField(default=True, verbose_name=_("in service"))
    # The last sequence number used in a barcode of this site (samples and pools share it).
    barcode_seq = models.PositiveBigIntegerField(default=0, editable=False, verbose_name=_("last barcode number"))

    class Meta:
        verbose_name = _("testing site")
        verbose_name_plural = _("testing sites")
        ordering = ["area_path", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(pool_max_size__gte=1), name="testing_site_pool_size_positive"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.area_path = self.area.path  # the admin edits sites; keep the copied path in step
        super().save(*args, **kwargs)


class TestingSession(models.Model):
    """A sampling session at a site: a day, opening hours and how many people it can take."""

    __test__ = False

    site = models.ForeignKey(
        TestingSite, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("testing site")
    )
    date = models.DateField(verbose_name=_("date"))
    start_time = models.TimeField(verbose_name=_("start time"))
    end_time = models.TimeField(verbose_name=_("end time"))
    capacity = models.PositiveIntegerField(verbose_name=_("capacity"))
    test_type = models.CharField(
        max_length=10, choices=TestType.choices, default=TestType.PCR, verbose_name=_("test type")
    )
    # Active registrations, kept by the registration service under a row lock (a full session is refused).
    registered_count = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("number registered"))
    note = models.CharField(max_length=255, blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("testing session")
        verbose_name_plural = _("testing sessions")
        ordering = ["date", "start_time", "id"]
        indexes = [models.Index(fields=["date", "site"], name="testing_session_day_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=models.F("start_time")), name="testing_session_times"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="testing_session_capacity_positive"),
        ]

    def __str__(self):
        return f"{self.site} {self.date:%d/%m/%Y} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.registered_count)


class TestRegistration(models.Model):
    """A person's registration for a session, made by the citizen or by an official for them."""

    __test__ = False

    class Reason(models.TextChoices):
        SYMPTOMS = "symptoms", _("Has symptoms")
        CONTACT = "contact", _("Contact with a case")
        TRAVEL = "travel", _("Travel, back from an outbreak area")
        SCREENING = "screening", _("Screening test")
        OTHER = "other", _("Other reason")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        SAMPLED = "sampled", _("Sampled")
        CANCELLED = "cancelled", _("Cancelled")

    class Via(models.TextChoices):
        CITIZEN = "citizen", _("Registered by the citizen")
        OFFICIAL = "official", _("Registered by an official")

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="test_registrations", verbose_name=_("person")
    )
    session = models.ForeignKey(
        TestingSession, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("testing session")
    )
    reason = models.CharField(max_length=12, choices=Reason.choices, verbose_name=_("reason"))
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.REGISTERED, verbose_name=_("status")
    )
    registered_via = models.CharField(max_length=10, choices=Via.choices, verbose_name=_("registered via"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("registered by"),
    )
    site_path = models.CharField(max_length=255, verbose_name=_("site area path"))
    person_path = models.CharField(max_length=255, verbose_name=_("home area path"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("test registration")
        verbose_name_plural = _("test registrations")
        ordering = ["session", "created_at", "id"]
        indexes = [
            models.Index(fields=["site_path"], name="testing_reg_site_idx"),
            models.Index(fields=["person_path"], name="testing_reg_person_idx"),
        ]
        constraints = [
            # One active registration per person per session (a cancelled one may be made again).
            models.UniqueConstraint(
                fields=["person", "session"],
                condition=~Q(status="cancelled"),
                name="testing_one_active_registration",
            ),
        ]

    def __str__(self):
        return f"{self.person} @ {self.session}"


class Pool(models.Model):
    """Several individual swabs tested together by RT-PCR. Its members are the samples pointing to it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Pooling")
        RESULTED = "resulted", _("Has a result")

    barcode = models.CharField(max_length=16, unique=True, verbose_name=_("barcode"))
    site = models.ForeignKey(
        TestingSite, on_delete=models.PROTECT, related_name="pools", verbose_name=_("testing site")
    )
    site_path = models.CharField(max_length=255, db_index=True, verbose_name=_("site area path"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, verbose_name=_("status"))
    # Members, kept by the pooling service.
    size = models.PositiveSmallIntegerField(default=0, verbose_name=_("number of samples"))
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
        verbose_name = _("pool")
        verbose_name_plural = _("pools")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.barcode


class Sample(models.Model):
    """One swab from one person, labelled with a barcode: site code, sequence number, check character."""

    class Status(models.TextChoices):
        AWAITING = "awaiting", _("Awaiting test")
        IN_POOL = "in_pool", _("In a pool")
        RESULTED = "resulted", _("Has a result")
        NEEDS_RETEST = "needs_retest", _("Needs a new sample")

    barcode = models.CharField(max_length=16, unique=True, verbose_name=_("barcode"))
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="samples", verbose_name=_("person")
    )
    registration = models.OneToOneField(
        TestRegistration,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sample",
        verbose_name=_("test registration"),
    )  # None: a walk-in
    site = models.ForeignKey(
        TestingSite, on_delete=models.PROTECT, related_name="samples", verbose_name=_("testing site")
    )
    test_type = models.CharField(max_length=10, choices=TestType.choices, verbose_name=_("test type"))
    collected_at = models.DateTimeField(verbose_name=_("collected at"))
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("collected by"),
    )
    pool = models.ForeignKey(
        Pool, null=True, blank=True, on_delete=models.PROTECT, related_name="samples", verbose_name=_("pool")
    )
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.AWAITING, verbose_name=_("status"))
    site_path = models.CharField(max_length=255, verbose_name=_("site area path"))
    person_path = models.CharField(max_length=255, verbose_name=_("home area path"))

    class Meta:
        verbose_name = _("sample")
        verbose_name_plural = _("samples")
        ordering = ["-collected_at", "-id"]
        indexes = [
            models.Index(fields=["site_path", "collected_at"], name="testing_sample_site_idx"),
            models.Index(fields=["person_path", "collected_at"], name="testing_sample_person_idx"),
            # The re-test list: samples of a subtree waiting to be taken again.
            models.Index(fields=["status", "site_path"], name="testing_sample_status_idx"),
        ]

    def __str__(self):
        return self.barcode


class TestResult(models.Model):
    """The result of one test, of an individual sample or of a pool.

    A negative pool gives each member sample a result of its own, marked `from_pool` (derived); a positive
    pool gives its members none: they go on the re-test list.
    """

    __test__ = False

    class Outcome(models.TextChoices):
        NEGATIVE = "negative", _("Negative")
        POSITIVE = "positive", _("Positive")
        INVALID = "invalid", _("Invalid (sample error)")

    sample = models.ForeignKey(
        Sample, null=True, blank=True, on_delete=models.CASCADE, related_name="results", verbose_name=_("sample")
    )
    pool = models.ForeignKey(
        Pool, null=True, blank=True, on_delete=models.CASCADE, related_name="results", verbose_name=_("pool")
    )
    from_pool = models.ForeignKey(
        Pool, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("derived from pool")
    )
    test_type = models.CharField(max_length=10, choices=TestType.choices, verbose_name=_("test type"))
    outcome = models.CharField(max_length=10, choices=Outcome.choices, verbose_name=_("outcome"))
    # Cycle threshold of an RT-PCR run (TESTING_CT_MAX); never for a rapid antigen test.
    ct_value = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True, verbose_name=_("Ct value"))
    # Rapid antigen test device (EU DCC value set "test-manf" id when known).
    device = models.CharField(max_length=40, blank=True, verbose_name=_("rapid test device"))
    lab = models.ForeignKey(TestingSite, on_delete=models.PROTECT, related_name="results", verbose_name=_("laboratory"))
    tested_at = models.DateTimeField(verbose_name=_("tested at"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(verbose_name=_("entered at"))
    notified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("notified at"))
    import_job = models.ForeignKey(
        "ImportJob",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="results",
        verbose_name=_("lab sheet import"),
    )
    # Copies for scoping without joins (a pool result: the pool's site, no person).
    site_path = models.CharField(max_length=255, verbose_name=_("site area path"))
    person_path = models.CharField(max_length=255, blank=True, verbose_name=_("home area path"))

    class Meta:
        verbose_name = _("test result")
        verbose_name_plural = _("test results")
        ordering = ["-tested_at", "-id"]
        indexes = [
            models.Index(fields=["site_path", "tested_at"], name="testing_result_site_idx"),
            models.Index(fields=["person_path", "tested_at"], name="testing_result_person_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(sample__isnull=False) & Q(pool__isnull=True))
                | (Q(sample__isnull=True) & Q(pool__isnull=False)),
                name="testing_result_sample_xor_pool",
            ),
            # One result per sample and per pool; a re-test is a new sample.
            models.UniqueConstraint(fields=["sample"], condition=Q(sample__isnull=False), name="testing_one_result"),
            models.UniqueConstraint(fields=["pool"], condition=Q(pool__isnull=False), name="testing_one_pool_result"),
            models.CheckConstraint(condition=Q(ct_value__isnull=True) | Q(test_type="pcr"), name="testing_ct_only_pcr"),
        ]

    def __str__(self):
        return f"{self.sample or self.pool}: {self.outcome}"


class ResultCorrection(models.Model):
    """A sample's result corrected by the lab after it was entered (services.result_correct): what it was, what it
    is now, why, who and when. The result row holds the corrected values; this keeps the history."""

    result = models.ForeignKey(
        TestResult, on_delete=models.CASCADE, related_name="corrections", verbose_name=_("test result")
    )
    previous_outcome = models.CharField(
        max_length=10, choices=TestResult.Outcome.choices, verbose_name=_("previous result")
    )
    previous_ct_value = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, verbose_name=_("previous Ct value")
    )
    outcome = models.CharField(max_length=10, choices=TestResult.Outcome.choices, verbose_name=_("corrected result"))
    ct_value = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, verbose_name=_("corrected Ct value")
    )
    reason = models.CharField(max_length=500, verbose_name=_("reason for correction"))
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("corrected by"),
    )
    corrected_at = models.DateTimeField(verbose_name=_("corrected at"))

    class Meta:
        verbose_name = _("result correction")
        verbose_name_plural = _("result corrections")
        ordering = ["corrected_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="testing_correction_has_reason"),
        ]

    def __str__(self):
        return f"{self.result_id}: {self.previous_outcome} → {self.outcome}"


class RetestItem(models.Model):
    """A person who must give a new sample: their sample was in a positive (or invalid) pool, or it was a positive
    rapid antigen test that does not confirm a case by itself (services._case_for_positive, RULES.md §1.2: CV 11042,
    not an F1) and an RT-PCR is needed."""

    class Reason(models.TextChoices):
        POOL = "pool", _("Positive or invalid pool")
        ANTIGEN_UNCONFIRMED = "antigen_unconfirmed", _("Positive rapid test, RT-PCR needed")

    sample = models.OneToOneField(Sample, on_delete=models.CASCADE, related_name="retest", verbose_name=_("sample"))
    reason = models.CharField(
        max_length=20, choices=Reason.choices, default=Reason.POOL, verbose_name=_("reason for a new sample")
    )
    # The pool of a pooled sample; None for a positive antigen test waiting for its RT-PCR.
    pool = models.ForeignKey(
        Pool, null=True, blank=True, on_delete=models.CASCADE, related_name="retest_items", verbose_name=_("pool")
    )
    site_path = models.CharField(max_length=255, verbose_name=_("site area path"))
    person_path = models.CharField(max_length=255, verbose_name=_("home area path"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    # Set when the person's new sample is collected (or an official closes the item).
    done_at = models.DateTimeField(null=True, blank=True, verbose_name=_("done at"))
    new_sample = models.ForeignKey(
        Sample, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("new sample")
    )

    class Meta:
        verbose_name = _("re-test list entry")
        verbose_name_plural = _("re-test list entries")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["done_at", "site_path"], name="testing_retest_open_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(reason="pool") & Q(pool__isnull=False))
                | (Q(reason="antigen_unconfirmed") & Q(pool__isnull=True)),
                name="testing_retest_reason_pool",
            ),
        ]


class ImportJob(models.Model):
    """One upload of a lab sheet, imported by a Celery task; the import page polls it for progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Awaiting processing")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed, nothing imported")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("uploaded by")
    )
    filename = models.CharField(max_length=255, verbose_name=_("file name"))
    content = models.BinaryField(verbose_name=_("file content"))  # the uploaded sheet, cleared once imported
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, verbose_name=_("status"))
    rows_total = models.PositiveIntegerField(default=0, verbose_name=_("rows in total"))
    rows_done = models.PositiveIntegerField(default=0, verbose_name=_("rows checked"))
    rows_imported = models.PositiveIntegerField(default=0, verbose_name=_("rows imported"))
    rows_rejected = models.PositiveIntegerField(default=0, verbose_name=_("rows rejected"))
    errors = models.JSONField(default=list, verbose_name=_("errors"))  # [{line, column, reason_vi, reason_en}]
    # Why a failed import failed: testing_sheet_invalid, testing_sheet_too_large or testing_sheet_rows_invalid.
    error_code = models.CharField(max_length=40, blank=True, verbose_name=_("error code"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        verbose_name = _("lab sheet import")
        verbose_name_plural = _("lab sheet imports")
        ordering = ["-created_at", "-id"]


class LookupCode(OneTimeCode):
    """A one-time code sent by SMS for the citizen look-up (core.otp); only its keyed hash is stored. One code per
    phone on record for the details typed (lookup.MAX_PHONES_PER_LOOKUP), so one per (challenge, person)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("person"))

    class Meta:
        verbose_name = _("look-up code")
        verbose_name_plural = _("look-up codes")
        indexes = [models.Index(fields=["expires_at"], name="testing_lookup_expiry_idx")]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "person"], name="testing_lookup_one_code_per_person")
        ]
