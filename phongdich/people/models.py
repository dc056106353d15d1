import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


def new_public_id() -> str:
    # 128 random bits: the only identifier a personal QR code carries (no personal data in clear).
    return secrets.token_urlsafe(16)


class Person(models.Model):
    """A citizen or visitor. Personal data: read it only through people.selectors, which audit."""

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")
        OTHER = "other", _("Other")
        UNKNOWN = "", _("Not known")

    class CreatedVia(models.TextChoices):
        SELF_CHECKIN = "self_checkin", _("Self check-in (scanned a venue's code)")
        PAPER = "paper", _("Paper form entered by staff")
        OFFICIAL = "official", _("Entered by an official")
        IMPORT = "import", _("Imported from a file")
        SELF_REGISTRATION = "self_registration", _("Self-registration")
        ID_CARD = "id_card", _("Citizen ID card scanned at a venue")

    public_id = models.CharField(
        max_length=32,
        unique=True,
        default=new_public_id,
        editable=False,
        verbose_name=_("public ID (personal QR code)"),
    )
    full_name = models.CharField(max_length=150, verbose_name=_("full name"))
    name_folded = models.CharField(
        max_length=150, db_index=True, editable=False, verbose_name=_("full name without diacritics")
    )
    birth_date = models.DateField(null=True, blank=True, verbose_name=_("date of birth"))
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("year of birth"))
    gender = models.CharField(max_length=10, choices=Gender.choices, blank=True, default="", verbose_name=_("gender"))
    # Not unique: duplicates happen (typing, family members sharing a phone) and are found, not refused.
    # CCCD, 12 digits.
    citizen_id = models.CharField(max_length=12, blank=True, db_index=True, verbose_name=_("citizen ID number"))
    # CMND, 9 digits.
    old_id_number = models.CharField(max_length=9, blank=True, db_index=True, verbose_name=_("old ID card number"))
    passport_number = models.CharField(max_length=20, blank=True, db_index=True, verbose_name=_("passport number"))
    # E.164, +84xxxxxxxxx.
    phone = models.CharField(max_length=16, blank=True, db_index=True, verbose_name=_("phone number"))
    nationality = models.CharField(max_length=2, default="VN", verbose_name=_("nationality"))  # ISO 3166-1 alpha-2
    address_area = models.ForeignKey(
        "geo.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="residents",
        verbose_name=_("address area"),
    )
    address_street = models.CharField(max_length=255, blank=True, verbose_name=_("street address"))
    # The area the record belongs to for scoping: the address area, or, when the address is not known,
    # the area where the person was first recorded (a venue's commune).
    area_path = models.CharField(max_length=255, db_index=True, verbose_name=_("area path"))
    created_via = models.CharField(max_length=20, choices=CreatedVia.choices, verbose_name=_("recorded via"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["name_folded", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return self.full_name

    @property
    def initials(self) -> str:
        return initials_of(self.full_name)


def initials_of(full_name: str) -> str:
    """'Nguyễn Văn An' -> 'NVA': what a scanner shows instead of a name."""
    return "".join(part[0] for part in full_name.split() if part).upper()
