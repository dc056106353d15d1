from django.conf import settings
from django.db import models


class PortOfEntry(models.Model):
    """An international border gate: airport, land border gate or sea port (reference data officials edit in the
    admin). Seeded by migration 0002 (sources cited there)."""

    class Kind(models.TextChoices):
        AIRPORT = "airport", "Cảng hàng không"
        LAND = "land", "Cửa khẩu đường bộ"
        SEA = "sea", "Cảng biển"

    code = models.CharField(max_length=20, unique=True)
    name_vi = models.CharField(max_length=150)
    name_en = models.CharField(max_length=150)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    province = models.ForeignKey("geo.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name_vi"]
        verbose_name = "cửa khẩu"
        verbose_name_plural = "cửa khẩu"

    def __str__(self):
        return self.name_vi


class Declaration(models.Model):
    """One health declaration (tokhaiyte.vn / NCOVI / VHD forms, RULES.md §6). Immutable once submitted: a person's
    declarations form a history, a new one may start from the last (declarations.services.declaration_prefill).

    Personal data: read it only through declarations.selectors (scoped, audited). Codes in `symptoms` and
    `exposures` are those of declarations.questions.
    """

    class Kind(models.TextChoices):
        DOMESTIC = "domestic", "Khai báo toàn dân"
        MOVEMENT = "movement", "Khai báo di chuyển nội địa"
        ENTRY = "entry", "Khai báo y tế nhập cảnh (VHD)"

    class Source(models.TextChoices):
        ONLINE = "online", "Trực tuyến"
        PAPER = "paper", "Tờ khai giấy do nhân viên nhập"
        VENUE_INLINE = "venue_inline", "Khai báo ngắn khi vào điểm kiểm dịch"

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="declarations")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    submitted_at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.ONLINE)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Sent by the page or client: the same form posted twice records one declaration (unique per person).
    nonce = models.CharField(max_length=80, null=True, blank=True)

    # Identity as declared (the person's record keeps the rest: name, year of birth, phone, ID numbers).
    email = models.EmailField(max_length=150, blank=True)

    # Address in Vietnam (for entry: the destination address). `area_path` scopes the declaration: the declared
    # address's path, else the person's.
    area = models.ForeignKey("geo.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(max_length=255, db_index=True)
    address_street = models.CharField(max_length=255, blank=True)

    # The questions (RULES.md §6).
    travelled_14d = models.BooleanField(default=False)
    travel_places = models.TextField(blank=True)
    symptoms = models.JSONField(default=list, blank=True)
    symptom_notes = models.TextField(blank=True)
    exposures = models.JSONField(default=list, blank=True)
    flagged = models.BooleanField(default=False, db_index=True)  # any symptom or exposure

    # Travel (movement and entry forms).
    vehicle_type = models.CharField(max_length=10, blank=True)  # declarations.questions.VEHICLES
    vehicle_number = models.CharField(max_length=30, blank=True)
    seat = models.CharField(max_length=10, blank=True)
    origin_area = models.ForeignKey("geo.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    origin_point = models.CharField(max_length=150, blank=True)
    destination_area = models.ForeignKey("geo.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    destination_point = models.CharField(max_length=150, blank=True)
    departure_date = models.DateField(null=True, blank=True)

    # Entry (VHD).
    passport_number = models.CharField(max_length=20, blank=True)
    nationality = models.CharField(max_length=2, blank=True)  # ISO 3166-1 alpha-2
    port_of_entry = models.ForeignKey(
        PortOfEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="declarations"
    )
    arrival_date = models.DateField(null=True, blank=True)
    countries_visited = models.JSONField(default=list, blank=True)  # ISO 3166-1 alpha-2 codes
    vaccination_declared = models.JSONField(default=dict, blank=True)  # {"doses", "vaccine", "last_dose_date"}

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = "tờ khai y tế"
        verbose_name_plural = "tờ khai y tế"
        indexes = [
            # declaration_latest / declaration_recent_exists (the venue rule, on every check-in that needs it).
            models.Index(fields=["person", "-submitted_at"], name="declaration_person_recent"),
            # declarations_in_area: statistics per area and day.
            models.Index(fields=["area_path", "submitted_at"], name="declaration_area_time"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["person", "nonce"], name="declaration_nonce_unique_per_person"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"
