from django.db import models
from django.utils.translation import gettext_lazy as _


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

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "code"], name="area_code_unique_in_parent"),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(parent__isnull=True), name="area_root_code_unique"
            ),
        ]

    def __str__(self):
        return self.name

    def is_within(self, other: "Area") -> bool:
        return self.path.startswith(other.path)
