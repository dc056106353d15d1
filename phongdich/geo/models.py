from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# Vietnam's extent, the islands included (Trường Sa reaches 117.5° E): the same bounds as venues' and cells'.
LATITUDE_RANGE = (Decimal("8.0"), Decimal("23.5"))
LONGITUDE_RANGE = (Decimal("102.0"), Decimal("117.5"))


class Area(models.Model):
    """An administrative area of any depth: province → (district →) commune.

    Since 1 July 2025 Vietnam has two levels (34 provinces, 3,321 communes); the 2021 documents
    still name districts, so the tree has no fixed depth. `path` is the chain of codes from the
    root ("38/389/14950/"): subtree queries are prefix matches (see core.scoping).
    """

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province / City")
        DISTRICT = "district", _("District")
        COMMUNE = "commune", _("Commune / Ward")
        OTHER = "other", _("Other")

    # official code (GSO/NSO list), unique among siblings
    code = models.CharField(verbose_name=_("code"), max_length=20)
    name = models.CharField(verbose_name=_("name"), max_length=150)
    # for search
    name_folded = models.CharField(
        verbose_name=_("name without diacritics"), max_length=150, db_index=True, editable=False
    )
    kind = models.CharField(verbose_name=_("administrative level"), max_length=20, choices=Kind.choices)
    # "xã", "phường", "đặc khu", ...
    division_type = models.CharField(verbose_name=_("division type"), max_length=50, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(verbose_name=_("area path"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(verbose_name=_("depth in the tree"), default=0, editable=False)
    population = models.PositiveIntegerField(verbose_name=_("area population"), null=True, blank=True)
    # Where the epidemic map draws the area's counts (maps.selectors): the commune's centre or its People's
    # Committee, set in the admin. Left empty, the map uses the average position of the area's venues.
    latitude = models.DecimalField(
        verbose_name=_("latitude of the centre"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(LATITUDE_RANGE[0]), MaxValueValidator(LATITUDE_RANGE[1])],
    )
    longitude = models.DecimalField(
        verbose_name=_("longitude of the centre"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(LONGITUDE_RANGE[0]), MaxValueValidator(LONGITUDE_RANGE[1])],
    )

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "code"], name="area_code_unique_in_parent"),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(parent__isnull=True), name="area_root_code_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="area_centre_both_or_neither",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(_("Give both the latitude and the longitude of the centre, or neither."))

    def is_within(self, other: "Area") -> bool:
        return self.path.startswith(other.path)
