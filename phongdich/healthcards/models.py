from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StatusRuleSet(models.Model):
    """The rules that give a person's health status colour, as data (grammar: docs/healthcards.md).

    The set in force for a person at a time T is the one with the latest `effective_from` ≤ T among the
    sets of the areas that contain the person's area (the province that sets it), else among the default
    sets (`area` null). A set is never edited once saved: a change is a new set with its own date.
    """

    name = models.CharField(max_length=150, verbose_name=_("name"))
    area = models.ForeignKey(
        "geo.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="status_rule_sets",
        verbose_name=_("area"),
    )
    effective_from = models.DateTimeField(verbose_name=_("effective from"))
    rules = models.JSONField(verbose_name=_("rules"))
    source = models.TextField(
        help_text=_("Where these rules come from: the decision or article, with its address."),
        verbose_name=_("source of the rules"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-effective_from", "-id"]
        verbose_name = _("status rule set")
        verbose_name_plural = _("status rule sets")
        indexes = [models.Index(fields=["area", "effective_from"], name="hc_ruleset_area_from")]

    def __str__(self):
        return f"{self.name} ({self.effective_from:%Y-%m-%d})"


class StatusCard(models.Model):
    """The latest status computed for a person (a cache: the rules and inputs are the truth)."""

    class Colour(models.TextChoices):
        GREEN = "green", _("Green")
        YELLOW = "yellow", _("Yellow")
        RED = "red", _("Red")

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, related_name="status_card", verbose_name=_("person")
    )
    colour = models.CharField(max_length=10, choices=Colour.choices, verbose_name=_("colour"))
    reasons = models.JSONField(default=list, verbose_name=_("reasons"))
    computed_at = models.DateTimeField(verbose_name=_("computed at"))
    valid_until = models.DateTimeField(verbose_name=_("valid until"))
    rule_set = models.ForeignKey(
        StatusRuleSet, on_delete=models.PROTECT, related_name="cards", verbose_name=_("rule set")
    )

    class Meta:
        verbose_name = _("health status card")
        verbose_name_plural = _("health status cards")

    def __str__(self):
        return f"{self.person_id}: {self.colour}"
