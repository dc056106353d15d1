from django.db import models


class Area(models.Model):
    """An administrative area of any depth: province → (district →) commune.

    Since 1 July 2025 Vietnam has two levels (34 provinces, 3,321 communes); the 2021 documents
    still name districts, so the tree has no fixed depth. `path` is the chain of codes from the
    root ("38/389/14950/"): subtree queries are prefix matches (see core.scoping).
    """

    class Kind(models.TextChoices):
        PROVINCE = "province", "Tỉnh / Thành phố"
        DISTRICT = "district", "Quận / Huyện"
        COMMUNE = "commune", "Xã / Phường"
        OTHER = "other", "Khác"

    code = models.CharField(max_length=20)  # official code (GSO/NSO list), unique among siblings
    name = models.CharField(max_length=150)
    name_folded = models.CharField(max_length=150, db_index=True, editable=False)  # for search
    kind = models.CharField(max_length=20, choices=Kind.choices)
    division_type = models.CharField(max_length=50, blank=True)  # "xã", "phường", "đặc khu", ...
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    population = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
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
