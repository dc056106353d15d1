from django.conf import settings
from django.db import models


class StatusRuleSet(models.Model):
    """The rules that give a person's health status colour, as data (grammar: docs/healthcards.md).

    The set in force for a person at a time T is the one with the latest `effective_from` ≤ T among the
    sets of the areas that contain the person's area (the province that sets it), else among the default
    sets (`area` null). A set is never edited once saved: a change is a new set with its own date.
    """

    name = models.CharField(max_length=150)
    area = models.ForeignKey(
        "geo.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="status_rule_sets"
    )
    effective_from = models.DateTimeField()
    rules = models.JSONField()
    source = models.TextField(help_text="Where these rules come from: the decision or article, with its address.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "-id"]
        indexes = [models.Index(fields=["area", "effective_from"], name="hc_ruleset_area_from")]

    def __str__(self):
        return f"{self.name} ({self.effective_from:%Y-%m-%d})"


class StatusCard(models.Model):
    """The latest status computed for a person (a cache: the rules and inputs are the truth)."""

    class Colour(models.TextChoices):
        GREEN = "green", "Xanh"
        YELLOW = "yellow", "Vàng"
        RED = "red", "Đỏ"

    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="status_card")
    colour = models.CharField(max_length=10, choices=Colour.choices)
    reasons = models.JSONField(default=list)
    computed_at = models.DateTimeField()
    valid_until = models.DateTimeField()
    rule_set = models.ForeignKey(StatusRuleSet, on_delete=models.PROTECT, related_name="cards")

    def __str__(self):
        return f"{self.person_id}: {self.colour}"
