"""SARS-CoV-2 testing: sites and sessions, registrations, samples (with printed barcodes), pools, results,
the re-test list, lab-sheet imports and the one-time codes of the citizen look-up.

Data and constraints only; every write goes through testing.services (and testing.imports, testing.lookup).
Rows about a person carry two area paths: `site_path` (where the sample was taken or tested; lab staff are
scoped by it) and `person_path` (where the person lives; commune officials are scoped by either).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class TestType(models.TextChoices):
    __test__ = False  # not a pytest test class

    PCR = "pcr", "RT-PCR"
    ANTIGEN = "antigen", "Test nhanh kháng nguyên"


class TestingSite(models.Model):
    """A place that takes samples (a commune health station, a mobile team) and/or tests them (a lab)."""

    __test__ = False

    class Kind(models.TextChoices):
        SAMPLING = "sampling", "Điểm lấy mẫu"
        LAB = "lab", "Phòng xét nghiệm"
        BOTH = "both", "Lấy mẫu và xét nghiệm"

    # Printed at the start of every barcode of the site: 2–4 capital letters or digits, unique.
    code = models.CharField(max_length=4, unique=True)
    name = models.CharField(max_length=200)
    area = models.ForeignKey("geo.Area", on_delete=models.PROTECT, related_name="testing_sites")
    area_path = models.CharField(max_length=255, db_index=True, editable=False)
    address = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.BOTH)
    # How many individual samples one pool may hold at this site: the lab's validated pooling factor
    # (docs/testing.md "Pooling"; the MoH pooling guidance leaves it to the lab and its kit).
    pool_max_size = models.PositiveSmallIntegerField(default=10)
    active = models.BooleanField(default=True)
    # The last sequence number used in a barcode of this site (samples and pools share it).
    barcode_seq = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
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

    site = models.ForeignKey(TestingSite, on_delete=models.PROTECT, related_name="sessions")
    date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    capacity = models.PositiveIntegerField()
    test_type = models.CharField(max_length=10, choices=TestType.choices, default=TestType.PCR)
    # Active registrations, kept by the registration service under a row lock (a full session is refused).
    registered_count = models.PositiveIntegerField(default=0, editable=False)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
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
        SYMPTOMS = "symptoms", "Có triệu chứng"
        CONTACT = "contact", "Tiếp xúc với ca bệnh"
        TRAVEL = "travel", "Đi lại, về từ vùng dịch"
        SCREENING = "screening", "Xét nghiệm sàng lọc"
        OTHER = "other", "Lý do khác"

    class Status(models.TextChoices):
        REGISTERED = "registered", "Đã đăng ký"
        SAMPLED = "sampled", "Đã lấy mẫu"
        CANCELLED = "cancelled", "Đã hủy"

    class Via(models.TextChoices):
        CITIZEN = "citizen", "Người dân tự đăng ký"
        OFFICIAL = "official", "Cán bộ đăng ký"

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="test_registrations")
    session = models.ForeignKey(TestingSession, on_delete=models.PROTECT, related_name="registrations")
    reason = models.CharField(max_length=12, choices=Reason.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REGISTERED)
    registered_via = models.CharField(max_length=10, choices=Via.choices)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    site_path = models.CharField(max_length=255)
    person_path = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
        OPEN = "open", "Đang gộp"
        RESULTED = "resulted", "Đã có kết quả"

    barcode = models.CharField(max_length=16, unique=True)
    site = models.ForeignKey(TestingSite, on_delete=models.PROTECT, related_name="pools")
    site_path = models.CharField(max_length=255, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    size = models.PositiveSmallIntegerField(default=0)  # members, kept by the pooling service
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.barcode


class Sample(models.Model):
    """One swab from one person, labelled with a barcode: site code, sequence number, check character."""

    class Status(models.TextChoices):
        AWAITING = "awaiting", "Chờ xét nghiệm"
        IN_POOL = "in_pool", "Đã gộp mẫu"
        RESULTED = "resulted", "Đã có kết quả"
        NEEDS_RETEST = "needs_retest", "Cần lấy mẫu lại"

    barcode = models.CharField(max_length=16, unique=True)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="samples")
    registration = models.OneToOneField(
        TestRegistration, null=True, blank=True, on_delete=models.SET_NULL, related_name="sample"
    )  # None: a walk-in
    site = models.ForeignKey(TestingSite, on_delete=models.PROTECT, related_name="samples")
    test_type = models.CharField(max_length=10, choices=TestType.choices)
    collected_at = models.DateTimeField()
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pool = models.ForeignKey(Pool, null=True, blank=True, on_delete=models.PROTECT, related_name="samples")
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.AWAITING)
    site_path = models.CharField(max_length=255)
    person_path = models.CharField(max_length=255)

    class Meta:
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
        NEGATIVE = "negative", "Âm tính"
        POSITIVE = "positive", "Dương tính"
        INVALID = "invalid", "Không xác định (mẫu lỗi)"

    sample = models.ForeignKey(Sample, null=True, blank=True, on_delete=models.CASCADE, related_name="results")
    pool = models.ForeignKey(Pool, null=True, blank=True, on_delete=models.CASCADE, related_name="results")
    from_pool = models.ForeignKey(Pool, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    test_type = models.CharField(max_length=10, choices=TestType.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    # Cycle threshold of an RT-PCR run (TESTING_CT_MAX); never for a rapid antigen test.
    ct_value = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    # Rapid antigen test device (EU DCC value set "test-manf" id when known).
    device = models.CharField(max_length=40, blank=True)
    lab = models.ForeignKey(TestingSite, on_delete=models.PROTECT, related_name="results")
    tested_at = models.DateTimeField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)
    import_job = models.ForeignKey(
        "ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="results"
    )
    # Copies for scoping without joins (a pool result: the pool's site, no person).
    site_path = models.CharField(max_length=255)
    person_path = models.CharField(max_length=255, blank=True)

    class Meta:
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


class RetestItem(models.Model):
    """A sample of a positive pool: its person must give a new individual sample."""

    sample = models.OneToOneField(Sample, on_delete=models.CASCADE, related_name="retest")
    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="retest_items")
    site_path = models.CharField(max_length=255)
    person_path = models.CharField(max_length=255)
    created_at = models.DateTimeField()
    # Set when the person's new sample is collected (or an official closes the item).
    done_at = models.DateTimeField(null=True, blank=True)
    new_sample = models.ForeignKey(Sample, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["done_at", "site_path"], name="testing_retest_open_idx")]


class ImportJob(models.Model):
    """One upload of a lab sheet, imported by a Celery task; the import page polls it for progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Chờ xử lý"
        RUNNING = "running", "Đang nhập"
        DONE = "done", "Đã nhập"
        FAILED = "failed", "Có lỗi, không nhập gì"

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    content = models.BinaryField()  # the uploaded sheet, cleared once imported
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)  # [{line, column, reason_vi, reason_en}]
    # Why a failed import failed: testing_sheet_invalid, testing_sheet_too_large or testing_sheet_rows_invalid.
    error_code = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class LookupCode(models.Model):
    """A one-time code sent by SMS for the citizen look-up; only its keyed hash is stored."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    # The random id kept in the browser's session that asked for this code (the form never carries it).
    challenge = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="testing_lookup_expiry_idx")]
