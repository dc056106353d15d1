from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from phongdich.core.models import NamedInBothLanguages


class PortOfEntry(NamedInBothLanguages, models.Model):
    """An international border gate: airport, land border gate or sea port (reference data officials edit in the
    admin). Seeded by migration 0002 (sources cited there)."""

    class Kind(models.TextChoices):
        AIRPORT = "airport", _("Airport")
        LAND = "land", _("Land border gate")
        SEA = "sea", _("Seaport")

    code = models.CharField(max_length=20, unique=True, verbose_name=_("code"))
    name_vi = models.CharField(max_length=150, verbose_name=_("name in Vietnamese"))
    name_en = models.CharField(max_length=150, verbose_name=_("name in English"))
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("type of gate"))
    province = models.ForeignKey(
        "geo.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("province")
    )
    # The province's GSO code (RULES.md §7), kept beside the link: the seed runs before the areas are loaded, so
    # the link may be empty, and an entrant's declaration without an address is scoped by this code then.
    province_code = models.CharField(max_length=10, blank=True, verbose_name=_("province code (GSO)"))
    active = models.BooleanField(default=True, verbose_name=_("in operation"))

    class Meta:
        ordering = ["kind", "name_vi"]
        verbose_name = _("port of entry")
        verbose_name_plural = _("ports of entry")


class Declaration(models.Model):
    """One health declaration (tokhaiyte.vn / NCOVI / VHD forms, RULES.md §6). Immutable once submitted: a person's
    declarations form a history, a new one may start from the last (declarations.services.declaration_prefill).

    Personal data: read it only through declarations.selectors (scoped, audited). Codes in `symptoms` and
    `exposures` are those of declarations.questions.
    """

    class Kind(models.TextChoices):
        DOMESTIC = "domestic", _("Residents' declaration")
        MOVEMENT = "movement", _("Domestic movement declaration")
        ENTRY = "entry", _("Entry health declaration (VHD)")

    class Source(models.TextChoices):
        ONLINE = "online", _("Online")
        PAPER = "paper", _("Paper form entered by staff")
        VENUE_INLINE = "venue_inline", _("Short declaration at a checkpoint entrance")

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="declarations", verbose_name=_("person")
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("form"))
    submitted_at = models.DateTimeField(db_index=True, verbose_name=_("submitted at"))
    source = models.CharField(
        max_length=20, choices=Source.choices, default=Source.ONLINE, verbose_name=_("declaration channel")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    # Sent by the page or client: the same form posted twice records one declaration (unique per person).
    nonce = models.CharField(max_length=80, null=True, blank=True, verbose_name=_("nonce"))

    # Identity as declared (the person's record keeps the rest: name, year of birth, phone, ID numbers).
    email = models.EmailField(max_length=150, blank=True, verbose_name=_("email"))

    # Address in Vietnam (for entry: the destination address). `area_path` scopes the declaration: the declared
    # address's path, else the person's.
    area = models.ForeignKey(
        "geo.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    area_path = models.CharField(max_length=255, db_index=True, verbose_name=_("area path"))
    address_street = models.CharField(max_length=255, blank=True, verbose_name=_("house number and street"))

    # The questions (RULES.md §6).
    travelled_14d = models.BooleanField(default=False, verbose_name=_("travelled in the last 14 days"))
    travel_places = models.TextField(blank=True, verbose_name=_("places visited"))
    symptoms = models.JSONField(default=list, blank=True, verbose_name=_("symptoms"))
    symptom_notes = models.TextField(blank=True, verbose_name=_("other signs or details"))
    exposures = models.JSONField(default=list, blank=True, verbose_name=_("exposures"))
    # Any symptom or exposure.
    flagged = models.BooleanField(default=False, db_index=True, verbose_name=_("flagged for follow-up"))

    # Travel (movement and entry forms).
    # A code of declarations.questions.VEHICLES.
    vehicle_type = models.CharField(max_length=10, blank=True, verbose_name=_("means of transport"))
    vehicle_number = models.CharField(max_length=30, blank=True, verbose_name=_("flight or vehicle number"))
    seat = models.CharField(max_length=10, blank=True, verbose_name=_("seat"))
    origin_area = models.ForeignKey(
        "geo.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("from (area)")
    )
    origin_point = models.CharField(max_length=150, blank=True, verbose_name=_("departure point"))
    destination_area = models.ForeignKey(
        "geo.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("to (area)")
    )
    destination_point = models.CharField(max_length=150, blank=True, verbose_name=_("arrival point"))
    departure_date = models.DateField(null=True, blank=True, verbose_name=_("departure date"))

    # Entry (VHD).
    passport_number = models.CharField(max_length=20, blank=True, verbose_name=_("passport number"))
    nationality = models.CharField(max_length=2, blank=True, verbose_name=_("nationality"))  # ISO 3166-1 alpha-2
    port_of_entry = models.ForeignKey(
        PortOfEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="declarations",
        verbose_name=_("port of entry"),
    )
    arrival_date = models.DateField(null=True, blank=True, verbose_name=_("date of arrival in Vietnam"))
    # ISO 3166-1 alpha-2 codes.
    countries_visited = models.JSONField(default=list, blank=True, verbose_name=_("countries visited"))
    # {"doses", "vaccine", "last_dose_date"}
    vaccination_declared = models.JSONField(default=dict, blank=True, verbose_name=_("vaccination declared"))

    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("health declaration")
        verbose_name_plural = _("health declarations")
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
