"""Cases (F0), their contacts (F1, F2, ...) with the evidence for each link, and tracing runs.

Data only; every write goes through cases.services (and the tracers in cases.tracing and telecom).
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual, IsNull
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from phongdich.core.text import english_active


class InfectiousWindowRule(models.Model):
    """How far back a case's infectious window starts, for cases whose positive sample falls on or after
    `effective_from` (until the next rule). Data with effective dates (RULES.md §1); a data migration
    loads QĐ 3638/QĐ-BYT (30/07/2021) and CV 11042/BYT-DP (29/12/2021).
    """

    code = models.CharField(max_length=40, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    source = models.CharField(max_length=500, verbose_name=_("source document"))  # the text and where it was read
    # What the rule says, citing the official document, in each language of the pages (`source` above is where
    # it was read, for the admin).
    summary_vi = models.TextField(blank=True, verbose_name=_("summary in Vietnamese"))
    summary_en = models.TextField(blank=True, verbose_name=_("summary in English"))
    effective_from = models.DateField(unique=True, verbose_name=_("effective from"))
    days_before_onset = models.PositiveSmallIntegerField(verbose_name=_("days before symptom onset"))
    # Asymptomatic case whose source is unknown: days before the positive sample.
    days_before_sample = models.PositiveSmallIntegerField(verbose_name=_("days before the sample (no symptoms)"))
    # Asymptomatic case with a known source: the window starts at the first exposure to that source.
    known_source_starts_window = models.BooleanField(
        default=False, verbose_name=_("window starts at the first contact with a known source")
    )
    # An onset this many days after the sample is refused as a mistake (not from a text: a setting).
    max_onset_after_sample_days = models.PositiveSmallIntegerField(
        default=14, verbose_name=_("maximum days from sample to symptom onset")
    )
    # Minimum overlap at a venue for a check-in F1 candidate (0 = any overlap). CV 11042 names 15 minutes
    # for masked contact; QĐ 3638 names no minimum.
    min_overlap_minutes = models.PositiveSmallIntegerField(default=0, verbose_name=_("minimum overlap (minutes)"))
    # The case definition for rapid antigen tests (RULES.md §1.2, CV 11042/BYT-DP): when set, one positive antigen
    # test confirms a case only for an F1; anyone else needs a second positive antigen test within
    # `antigen_repeat_hours` of the first, or a positive RT-PCR. Unset (QĐ 3638): every positive result confirms.
    antigen_confirms_only_f1 = models.BooleanField(
        default=False, verbose_name=_("a single positive rapid antigen test confirms a case only for an F1")
    )
    antigen_repeat_hours = models.PositiveSmallIntegerField(
        default=0, verbose_name=_("hours within which a second positive rapid antigen test confirms a case")
    )

    class Meta:
        verbose_name = _("infectious window rule")
        verbose_name_plural = _("infectious window rules")
        ordering = ["effective_from"]

    def __str__(self):
        return f"{self.code} (từ {self.effective_from:%d/%m/%Y})"

    @property
    def summary(self) -> str:
        """The summary in the page's language, else the other one, else the source as entered."""
        first, second = (self.summary_en, self.summary_vi) if english_active() else (self.summary_vi, self.summary_en)
        return first or second or self.source


def day_numbers(text: str) -> tuple[int, ...]:
    """ "1, 7,14" -> (1, 7, 14); "" -> (). ValidationError unless the days are whole numbers from 1, each once, in
    ascending order."""
    text = (text or "").strip()
    if not text:
        return ()
    days = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or not part.isascii():
            raise ValidationError(_("Write the day numbers separated by commas, as 1,7,14."), code="day_numbers_format")
        days.append(int(part))
    if days[0] < 1:
        raise ValidationError(_("Day numbers start at 1."), code="day_numbers_start")
    if any(later <= earlier for earlier, later in zip(days, days[1:], strict=False)):
        raise ValidationError(_("Write each day once, in ascending order."), code="day_numbers_order")
    return tuple(days)


def validate_day_numbers(text: str) -> None:
    day_numbers(text)


class QuarantineRule(models.Model):
    """How many days a contact's quarantine lasts, by the date it starts (RULES.md §2): the rule in force on the
    start date decides, so that a quarantine begun under CĐ 600 keeps its 21 days when a later rule shortens them.
    A rule may give fewer days to a protected contact (fully vaccinated or recovered, as the rule defines it: CV
    10696/BYT-MT, CV 762/BYT-DP); the protection fields are empty for a rule that makes no distinction. Loaded by
    migrations 0017 and 0024 (the test days and the monitoring after it by 0025); an administrator adds the
    province's next regime in the admin."""

    code = models.CharField(max_length=40, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    source = models.CharField(max_length=500, verbose_name=_("source document"))
    effective_from = models.DateField(unique=True, verbose_name=_("effective from"))
    days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(60)], verbose_name=_("days of quarantine")
    )
    # The days of a contact protected on the quarantine's start date (services.quarantine_rule_protects): fully
    # vaccinated by the status card's definition (healthcards.rules.doses_in_range) within the bounds below, or
    # recovered within `recovered_within_months`. Empty: the rule makes no distinction.
    days_protected = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        verbose_name=_("days of quarantine, fully vaccinated or recovered"),
    )
    protected_min_doses = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("protected: at least this many doses")
    )
    protected_min_days_after_dose = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("protected: last dose at least this many days before")
    )
    protected_max_months_after_dose = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("protected: last dose at most this many months before")
    )
    recovered_within_months = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("protected: recovered within this many months")
    )
    # What no source read confirms (RULES.md §2 marks it "unconfirmed"), shown with the rule in the page's language
    # (unconfirmed_text), citing the Ministry's document; empty: all sourced. The `_unprotected` pair concerns only
    # the contacts not fully vaccinated nor recovered (a rule with protected days): a page speaking of a protected
    # contact leaves it out.
    unconfirmed = models.CharField(max_length=500, blank=True, verbose_name=_("unconfirmed (English)"))
    unconfirmed_vi = models.CharField(max_length=500, blank=True, verbose_name=_("unconfirmed (Vietnamese)"))
    unconfirmed_unprotected = models.CharField(
        max_length=500,
        blank=True,
        verbose_name=_("unconfirmed, for those not fully vaccinated nor recovered (English)"),
    )
    unconfirmed_unprotected_vi = models.CharField(
        max_length=500,
        blank=True,
        verbose_name=_("unconfirmed, for those not fully vaccinated nor recovered (Vietnamese)"),
    )
    # The test schedule and the health self-monitoring after the quarantine (RULES.md §2; selectors.quarantine_schedules
    # dates them for a contact). Test days are day numbers of the quarantine, "1,7,14": day 1 is the first of the days
    # the rule counts (the last exposure's day), day `days` the last before release. Monitoring test days are day
    # numbers of the monitoring, day 1 the day the quarantine ends. Empty: the rule gives none, or no source read
    # gives them (say which in `unconfirmed`). The protected variants apply to a contact quarantined for
    # `days_protected`; they stay empty for a rule that makes no distinction.
    test_days = models.CharField(
        max_length=100, blank=True, validators=[validate_day_numbers], verbose_name=_("test days of the quarantine")
    )
    test_days_protected = models.CharField(
        max_length=100,
        blank=True,
        validators=[validate_day_numbers],
        verbose_name=_("test days of the quarantine, fully vaccinated or recovered"),
    )
    monitoring_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        verbose_name=_("days of health self-monitoring after the quarantine"),
    )
    monitoring_days_protected = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        verbose_name=_("days of health self-monitoring after the quarantine, fully vaccinated or recovered"),
    )
    monitoring_test_days = models.CharField(
        max_length=100, blank=True, validators=[validate_day_numbers], verbose_name=_("test days of the monitoring")
    )
    monitoring_test_days_protected = models.CharField(
        max_length=100,
        blank=True,
        validators=[validate_day_numbers],
        verbose_name=_("test days of the monitoring, fully vaccinated or recovered"),
    )

    class Meta:
        verbose_name = _("quarantine rule")
        verbose_name_plural = _("quarantine rules")
        ordering = ["effective_from"]
        constraints = [
            models.CheckConstraint(condition=models.Q(days__gte=1), name="quarantine_rule_days_positive"),
            # The protection's definition only with its days, and its days only with a way to be protected.
            models.CheckConstraint(
                condition=Q(
                    days_protected__isnull=True,
                    protected_min_doses__isnull=True,
                    protected_min_days_after_dose__isnull=True,
                    protected_max_months_after_dose__isnull=True,
                    recovered_within_months__isnull=True,
                )
                | Q(days_protected__gte=1),
                name="quarantine_rule_protection_has_days",
            ),
            # A protected schedule only on a rule with protected days (the day lists' ranges are checked in clean()).
            models.CheckConstraint(
                condition=Q(days_protected__isnull=False)
                | Q(test_days_protected="", monitoring_days_protected__isnull=True, monitoring_test_days_protected=""),
                name="quarantine_rule_protected_schedule_has_days",
            ),
        ]

    def __str__(self):
        if self.days_protected is not None:
            return f"{self.name}: {self.days} / {self.days_protected}"
        return f"{self.name}: {self.days}"

    def unconfirmed_text(self, protected: bool = False) -> str:
        """What no source confirms of a quarantine under this rule, in the page's language, else the other one: for
        every contact, and for one not `protected` (not fully vaccinated nor recovered, or a rule that makes no
        distinction) what it leaves unconfirmed of theirs."""
        english = english_active()
        pairs = [(self.unconfirmed, self.unconfirmed_vi)]
        if not protected or self.days_protected is None:
            pairs.append((self.unconfirmed_unprotected, self.unconfirmed_unprotected_vi))
        said = [(en or vi) if english else (vi or en) for en, vi in pairs]
        return " ".join(text for text in said if text)

    def days_for(self, protected: bool) -> int:
        """The days of a contact protected or not (the rule's own days when it makes no distinction)."""
        return self.days_protected if protected and self.days_protected is not None else self.days

    def schedule_for(self, protected: bool) -> "RuleSchedule":
        """The test days and monitoring of a contact protected or not (the protected variants only on a rule with
        protected days)."""
        if protected and self.days_protected is not None:
            return RuleSchedule(
                test_days=day_numbers(self.test_days_protected),
                monitoring_days=self.monitoring_days_protected,
                monitoring_test_days=day_numbers(self.monitoring_test_days_protected),
            )
        return RuleSchedule(
            test_days=day_numbers(self.test_days),
            monitoring_days=self.monitoring_days,
            monitoring_test_days=day_numbers(self.monitoring_test_days),
        )

    def clean(self):
        """Each day list within its period: test days within the quarantine's days (1 to `days`, or to
        `days_protected` for the protected ones), monitoring test days within the monitoring's days; the protected
        variants only with protected days. Day lists are stored as "1,7,14"."""
        super().clean()
        problems = {}
        lists = [
            ("test_days", self.days, _("the days of quarantine")),
            ("test_days_protected", self.days_protected, _("the days of quarantine, fully vaccinated or recovered")),
            ("monitoring_test_days", self.monitoring_days, _("the days of monitoring")),
            (
                "monitoring_test_days_protected",
                self.monitoring_days_protected,
                _("the days of monitoring, fully vaccinated or recovered"),
            ),
        ]
        for name, bound, period in lists:
            try:
                days = day_numbers(getattr(self, name))
            except ValidationError:
                continue  # the field's own validator reports it
            setattr(self, name, ",".join(str(day) for day in days))
            if name == "test_days" and bound is None:
                continue  # no days of quarantine: the field's own error says so
            if days and bound is None:
                problems[name] = _("Test days need %(period)s.") % {"period": period}
            elif days and days[-1] > bound:
                problems[name] = _("Day %(day)d is after the last of %(period)s (%(bound)d).") % {
                    "day": days[-1],
                    "period": period,
                    "bound": bound,
                }
        if self.days_protected is None and self.monitoring_days_protected is not None:
            problems["monitoring_days_protected"] = _("Only a rule with protected days has a protected monitoring.")
        if problems:
            raise ValidationError(problems)


@dataclass(frozen=True)
class RuleSchedule:
    """What a quarantine rule says about a contact's tests and monitoring (QuarantineRule.schedule_for)."""

    test_days: tuple[int, ...]  # day numbers of the quarantine, ascending
    monitoring_days: int | None  # None: the rule gives none
    monitoring_test_days: tuple[int, ...]  # day numbers of the monitoring, ascending


class Cluster(models.Model):
    """A group of linked cases, usually around a venue ("ổ dịch")."""

    name = models.CharField(max_length=200, verbose_name=_("name"))
    venue = models.ForeignKey(
        "venues.Venue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("venue")
    )
    area_path = models.CharField(max_length=255, db_index=True, verbose_name=_("area path"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")

    def __str__(self):
        return self.name


class CaseTestType(models.TextChoices):
    PCR = "pcr", "RT-PCR"
    ANTIGEN = "antigen", _("Rapid antigen test")


class CaseStatus(models.TextChoices):
    UNDER_TREATMENT = "under_treatment", _("Under treatment")
    RECOVERED = "recovered", _("Recovered")
    DIED = "died", _("Died")
    # Entered in error or not confirmed (a false-positive rapid test overturned by RT-PCR, a mistyped result):
    # kept with its reason, no longer counted, traced or shown to the public (services.case_withdraw).
    WITHDRAWN = "withdrawn", _("Withdrawn: not a case")


class Case(models.Model):
    """A confirmed case (F0).

    `window_start`/`window_end` are the infectious window computed by `rule` when the case was saved
    (cases.services.case_window); tracing reads them.
    """

    TestType = CaseTestType  # the choices live at module level so that Meta's constraints can name them
    Status = CaseStatus

    # "BN-38-000123": shown to officials
    number = models.CharField(max_length=30, unique=True, verbose_name=_("case number"))
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="cases", verbose_name=_("person")
    )
    # The person's area: scoping.
    area_path = models.CharField(max_length=255, db_index=True, verbose_name=_("area path"))
    sample_date = models.DateField(verbose_name=_("positive sample date"))  # date the positive sample was taken
    test_type = models.CharField(max_length=10, choices=TestType.choices, verbose_name=_("test type"))
    onset_date = models.DateField(null=True, blank=True, verbose_name=_("symptom onset date"))  # None: no symptoms
    # First contact with a known source.
    source_exposure_date = models.DateField(
        null=True, blank=True, verbose_name=_("date of first contact with the source")
    )
    # From then on the case infects nobody in the community.
    isolated_at = models.DateTimeField(verbose_name=_("isolated at"))
    # Where isolated or treated.
    isolation_place = models.CharField(max_length=255, blank=True, verbose_name=_("place of isolation or treatment"))
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.UNDER_TREATMENT, verbose_name=_("status")
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("status changed at"))
    # When an official recorded the outcome (recovered, died), which `status_changed_at` (the outcome's day) does not
    # say: an outcome recorded by mistake is undone for a while after it (services.case_outcome_undo). Empty under
    # treatment, and for outcomes recorded before 2026-12-07.
    outcome_recorded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("outcome recorded at"))
    withdrawn_reason = models.CharField(max_length=500, blank=True, verbose_name=_("reason for withdrawal"))
    # The status a withdrawn case had before its withdrawal, which restoring it (services.case_restore) brings back:
    # the withdrawal overwrites `status`. Empty for a case that is not withdrawn.
    withdrawn_from = models.CharField(
        max_length=20, choices=Status.choices, blank=True, verbose_name=_("status before the withdrawal")
    )
    investigator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("investigator"),
    )
    infected_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="infected", verbose_name=_("infected by")
    )  # the source case when known: the transmission chain
    cluster = models.ForeignKey(
        Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases", verbose_name=_("cluster")
    )
    rule = models.ForeignKey(
        InfectiousWindowRule, on_delete=models.PROTECT, related_name="+", verbose_name=_("infectious window rule")
    )
    window_start = models.DateTimeField(verbose_name=_("infectious window start"))
    window_end = models.DateTimeField(verbose_name=_("infectious window end"))
    # Last check-in tracing run.
    traced_at = models.DateTimeField(null=True, blank=True, verbose_name=_("traced from check-ins at"))
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    # What opened the case when another app did, as that app names it ("testing.sample:<id>"): so that a corrected
    # result withdraws the case it opened (services.case_opened_by). Empty for a case entered by hand.
    origin = models.CharField(max_length=100, blank=True, verbose_name=_("opened by"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )

    class Meta:
        verbose_name = pgettext_lazy("model", "case")
        verbose_name_plural = _("cases")
        indexes = [models.Index(fields=["sample_date", "area_path"])]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CaseStatus.values), name="case_status_valid"),
            models.CheckConstraint(condition=Q(test_type__in=CaseTestType.values), name="case_test_type_valid"),
            models.CheckConstraint(
                condition=~Q(status=CaseStatus.WITHDRAWN) | ~Q(withdrawn_reason=""), name="case_withdrawal_has_reason"
            ),
            # One case under treatment per person: two entries at the same moment (a double click, the lab's
            # import and an investigator) both passed the check in case_create, which had no row to lock.
            models.UniqueConstraint(
                fields=["person"], condition=Q(status=CaseStatus.UNDER_TREATMENT), name="case_one_open_per_person"
            ),
        ]

    def __str__(self):
        return self.number


class ContactStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")
    QUARANTINED = "quarantined", _("In quarantine")
    RELEASED = "released", _("Released")
    # Tested positive: a case now, no longer someone to call or quarantine as a contact (set by the system when the
    # case is entered, or when a trace meets a person already under treatment; no official moves a contact out of it,
    # a new case met after the person's recovery makes it a candidate again: services.contacts_met_again).
    BECAME_CASE = "became_case", _("Became a case (F0)")
    # No evidence of it stands: every case it was a contact of was withdrawn (services.case_withdraw), a re-trace
    # no longer finds what made it (the case's dates corrected, the F1 it was met through dismissed), or the F1 who
    # named it in their interview was dismissed (services._named_f2_follow): off the work lists and counts, by the
    # system, not an official's dismissal; a link from a case that stands, or that F1 confirmed again, makes it a
    # candidate again. The value keeps its first name (2026-12-05), when a withdrawal was the only way here.
    CASE_WITHDRAWN = "case_withdrawn", _("No standing evidence")


# Contacts still to call, confirm or watch: the work lists and counts read these; a case entered for the person
# closes them (services._contact_became_case).
OPEN_CONTACT_STATUSES = (ContactStatus.CANDIDATE, ContactStatus.CONFIRMED, ContactStatus.QUARANTINED)


class Contact(models.Model):
    """A person exposed to one or more cases: one row per person, however many links (ContactLink).

    `level` is the lowest level of its links of its current episode (1 = F1; `episode_start`). Tracing never changes
    the status an official set: a dismissed contact stays dismissed when tracing runs again. A contact belongs to its
    person's area (`area_path`, read through the person, for scoping, work lists and counts): no copy to write for each
    of the thousands of F2 a trace may add, and none to go stale when the person moves.
    """

    Status = ContactStatus

    # No database constraint to people, for the reason given at ContactLink (the tracer makes thousands of
    # contacts from persons it has just read); Django applies PROTECT.
    person = models.OneToOneField(
        "people.Person", on_delete=models.PROTECT, related_name="contact", db_constraint=False, verbose_name=_("person")
    )
    # A trace may add thousands of contacts: no index but the person's; level and status are read within an
    # area, where the people's area index has already narrowed the rows.
    level = models.PositiveSmallIntegerField(verbose_name=_("level"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CANDIDATE, verbose_name=_("status"))
    dismissed_reason = models.CharField(max_length=500, blank=True, verbose_name=_("reason for dismissal"))
    # Why the last release came before the quarantine's last day (services._contact_status_apply requires one then);
    # empty for a release once the quarantine was over. A database default: the tracers insert contacts with SQL
    # naming the columns they fill.
    release_reason = models.CharField(
        max_length=500, blank=True, default="", db_default="", verbose_name=_("reason for an early release")
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("status changed at"))
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("status changed by"),
    )  # only followed from a contact: no index to maintain on each of the thousands a trace may add
    first_exposure_at = models.DateTimeField(null=True, blank=True, verbose_name=_("first exposure"))
    last_exposure_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last exposure"))
    quarantine_start = models.DateField(null=True, blank=True, verbose_name=_("quarantine start"))
    # The first day OUT of quarantine (exclusive): a 14-day quarantine counted from the 1st ends on the 15th, its
    # last day is the 14th (quarantine_last_day, what the pages show as "through"); a release cuts it to the release
    # day. The self-monitoring begins on it (docs/cases.md, "Tests and monitoring").
    quarantine_end = models.DateField(null=True, blank=True, verbose_name=_("quarantine end"))
    # The quarantine's end as it stood when the contact was released (an early release cuts quarantine_end to the
    # release day): a release made by mistake is undone for a while after it, and the quarantine then runs to this end
    # again (services.contact_release_undo, which empties it). Set by every release since 2026-12-07; empty for the
    # releases before, which stay as they are. Kept once a released contact is met again and reopened: a late undo
    # is then told so.
    quarantine_end_before_release = models.DateField(
        null=True, blank=True, verbose_name=_("quarantine end before the release")
    )
    # What the quarantine was set with (services._contact_status_apply): the rule's days, and whether they were the
    # protected days; a later exposure extends it by the same days (quarantine_ends_extend). Empty for quarantines
    # set before 2026-12-07 (the rule's days then) and for a contact never quarantined; kept, unread, after release.
    quarantine_days = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("quarantine days"))
    quarantine_protected = models.BooleanField(
        null=True, blank=True, verbose_name=_("quarantine days of a fully vaccinated or recovered contact")
    )
    # Where the contact's current episode begins (docs/cases.md, "A closed contact met again"): set when a released
    # contact, or one who became a case and recovered, is met again, to the end of that quarantine or illness (the
    # moment from which an exposure reopens them). Level and exposure span are those of the links of the episode
    # alone (link_in_episode): a released F1 met again as an F2 is an F2. Empty: one episode, every link counts.
    episode_start = models.DateTimeField(null=True, blank=True, verbose_name=_("current episode from"))
    # The quarantines of the episodes before the current one, oldest first, kept when a reopening cleared them
    # (services.contact_reopen; on PostgreSQL the tracer's upsert): [{"end": where the episode ended, the next one's
    # start (ISO datetime), "quarantine_start", "quarantine_end": its quarantine's dates (ISO dates, null without
    # one)}]. Tracing an old case again bounds the F2 of its F1 by the quarantine of the episode the F1's exposure
    # fell in, not by today's (episode_quarantine, tracing.onward_until). Empty: one episode, or an earlier one whose
    # quarantine was not kept (cases migration 0033 restored it from the audit log where it could).
    earlier_episodes = models.JSONField(null=True, blank=True, verbose_name=_("earlier episodes"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        # The tracers write contacts with raw SQL, thousands at a time: the database guards what the model
        # would. Checked per row written, no index to maintain.
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1), name="contact_level_positive"),
            models.CheckConstraint(condition=Q(status__in=ContactStatus.values), name="contact_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=ContactStatus.DISMISSED) | ~Q(dismissed_reason=""),
                name="contact_dismissal_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(first_exposure_at__isnull=True)
                | Q(last_exposure_at__isnull=True)
                | Q(last_exposure_at__gte=F("first_exposure_at")),
                name="contact_exposure_span_ordered",
            ),
            models.CheckConstraint(
                condition=Q(quarantine_start__isnull=True)
                | Q(quarantine_end__isnull=True)
                | Q(quarantine_end__gte=F("quarantine_start")),
                name="contact_quarantine_ordered",
            ),
        ]

    def __str__(self):
        return f"F{self.level} {self.person_id}"

    @property
    def area_path(self) -> str:
        return self.person.area_path

    @property
    def quarantine_last_day(self) -> dt.date | None:
        """The last day in quarantine (inclusive), the day before quarantine_end: what a person reads as "through".
        None without a quarantine, and for one released on the day it began (no whole day spent in it)."""
        return quarantine_last_day(self.quarantine_start, self.quarantine_end)

    def link_in_episode(self, link: "ContactLink") -> bool:
        """Whether `link` (its case read with it) counts for this contact now: it belongs to the current episode."""
        return self.episode_start is None or link_moment(link) >= self.episode_start


def episode_ended(*, episode_start: dt.datetime, quarantine_start, quarantine_end) -> dict:
    """What Contact.earlier_episodes keeps of an episode that a reopening closes: its end (`episode_start`, the new
    episode's start) and its quarantine's dates (dates or their ISO text; None without one)."""
    return {
        "end": episode_start.astimezone(dt.UTC).isoformat(),  # in UTC, as PostgreSQL writes it
        "quarantine_start": str(quarantine_start) if quarantine_start else None,
        "quarantine_end": str(quarantine_end) if quarantine_end else None,
    }


@dataclass(frozen=True)
class EpisodeQuarantine:
    """The quarantine of the episode a moment falls in (episode_quarantine)."""

    current: bool  # the contact's current episode (its status is this episode's)
    start: dt.date | None
    end: dt.date | None


def episode_quarantine(
    moment: dt.datetime, *, episode_start, earlier_episodes, quarantine_start, quarantine_end
) -> EpisodeQuarantine:
    """The quarantine of the episode of a contact (its fields given one by one: the tracer reads them as values)
    that `moment` falls in: the current one's from `episode_start` on (or without one), else the earlier episode
    that ends after it (Contact.earlier_episodes). An earlier episode whose quarantine was not kept (reopened
    before cases migration 0033 and not restored) has none: tracing bounds its F1 as without a quarantine."""
    if episode_start is None or moment >= episode_start:
        return EpisodeQuarantine(current=True, start=quarantine_start, end=quarantine_end)
    for episode in earlier_episodes or ():
        if moment < dt.datetime.fromisoformat(episode["end"]):
            start, end = episode["quarantine_start"], episode["quarantine_end"]
            return EpisodeQuarantine(
                current=False,
                start=dt.date.fromisoformat(start) if start else None,
                end=dt.date.fromisoformat(end) if end else None,
            )
    return EpisodeQuarantine(current=False, start=None, end=None)


def quarantine_last_day(start: dt.date | None, end: dt.date | None) -> dt.date | None:
    """The last day of a quarantine from `start` whose first day out is `end` (Contact.quarantine_end); None without
    one, or when it ended on the day it began."""
    if start is None or end is None or end <= start:
        return None
    return end - dt.timedelta(days=1)


def link_moment(link: "ContactLink") -> dt.datetime:
    """When a piece of evidence happened, for the episode it belongs to: its exposure's end, else its start, else
    (an interview that gave no time) its case's isolation, the latest the meeting can have been, as the reopening
    of a closed contact judges such a link (services.contact_link_add). Its case is read."""
    return link.exposure_end or link.exposure_start or link.case.window_end


def links_of_episode_q(episode_start=None) -> Q:
    """The links (ContactLink) of their contact's current episode, as link_moment and Contact.link_in_episode say:
    `episode_start` is the expression of the contact's episode start (default: the link's contact's, a join;
    OuterRef("episode_start") in a subquery of contacts)."""
    episode_start = F("contact__episode_start") if episode_start is None else episode_start
    moment = Coalesce("exposure_end", "exposure_start", "case__window_end")
    return Q(IsNull(episode_start, True)) | Q(GreaterThanOrEqual(moment, episode_start))


def links_standing_q() -> Q:
    """The links (ContactLink) that stand as evidence: of a case not withdrawn, and not an F2 named in the interview of
    an F1 an official has since dismissed (docs/cases.md, "Contacts named in an F1's interview (F2)"): a dismissal
    ends the chain through that F1, for its interview's F2 as for the check-in tracer's, whose next trace deletes
    theirs. The interview's links stay, an official's record: confirming the F1 again makes them stand again. Nor
    one whose meeting began after the F1's quarantine started, the start set or moved earlier since it was named
    (ContactLink.after_f1_quarantine; a breach the investigator ticked stands)."""
    return (
        ~Q(case__status=CaseStatus.WITHDRAWN)
        & ~Q(source=LinkSource.INTERVIEW, via__status=ContactStatus.DISMISSED)
        & ~Q(after_f1_quarantine=True)
    )


class LinkSource(models.TextChoices):
    CHECKIN = "checkin", _("QR check-in")
    INTERVIEW = "interview", _("Interview")
    TELECOM = "telecom", _("Telecom records")


class LinkSetting(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    WORKPLACE = "workplace", _("Workplace or school")
    TRANSPORT = "transport", _("Transport")
    VENUE = "venue", _("Same venue")
    CELL = "cell", _("Same mobile cell")
    OTHER = "other", _("Other")


class ContactLink(models.Model):
    """Why a person is a contact: one piece of evidence tying them to one case.

    `case` is always the F0 at the root; for F2 and further, `via` is the contact through whom.
    `evidence_key` identifies the evidence (e.g. "checkin:venue:<venue>" for an F1 traced from check-ins,
    "interview:<n>" for one an investigator entered) so that running a tracer again adds nothing twice.
    Check-ins may be deleted by retention: the evidence keeps its own copy of venue name and times.
    """

    Source = LinkSource
    Setting = LinkSetting

    # Tracing writes thousands of links per case (docs/cases.md "Tracing from check-ins"), and every index and
    # every foreign-key check is paid for each of them: contact and case are covered by the unique and
    # (case, level) indexes; venue and created_by are only followed from a link and get no index of their own, nor
    # does via but for the interview's links (the partial index below: the few an official enters, never the
    # tracer's). None has a database constraint: a deferred check per row and key cost a factory's trace a third of a
    # second at commit. Django still applies their on_delete (nothing deletes these rows but the ORM), and the
    # tracer writes ids it has just read in the same transaction, the case's row locked; the link keeps its
    # own copy of the venue's name.
    contact = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        related_name="links",
        db_index=False,
        db_constraint=False,
        verbose_name=_("contact"),
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="links",
        db_index=False,
        db_constraint=False,
        verbose_name=pgettext_lazy("model", "case"),
    )
    via = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="onward_links",
        db_index=False,
        db_constraint=False,
        verbose_name=_("via contact"),
    )
    level = models.PositiveSmallIntegerField(verbose_name=_("level"))
    source = models.CharField(max_length=20, choices=Source.choices, verbose_name=_("source"))
    setting = models.CharField(max_length=20, choices=Setting.choices, verbose_name=_("setting"))
    evidence_key = models.CharField(max_length=200, verbose_name=_("evidence key"))
    venue = models.ForeignKey(
        "venues.Venue",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("venue"),
    )
    # Venue name, cell id or the place told in interview.
    place = models.CharField(max_length=255, blank=True, verbose_name=_("place of exposure"))
    exposure_start = models.DateTimeField(null=True, blank=True, verbose_name=_("exposure start"))
    exposure_end = models.DateTimeField(null=True, blank=True, verbose_name=_("exposure end"))
    overlap_minutes = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("overlap (minutes)"))
    # Tracing sums up evidence (docs/cases.md, "Evidence"): an F1's link stands for every time it shared one
    # venue with the case, an F2's for every time it met any F1 of the case. exposure_start/end then span the
    # first to the last of them, overlap_minutes is the time they cover together, `occasions` how many of the
    # contact's check-ins they come from; venue, place and via are those of the first.
    occasions = models.PositiveIntegerField(default=1, verbose_name=_("occasions"))
    # True when an end time was assumed (check-in without check-out): the buffer of its venue type.
    end_assumed = models.BooleanField(default=False, verbose_name=_("end assumed"))
    note = models.TextField(blank=True, verbose_name=_("note"))
    # An F2 named in an F1's interview for a meeting while the F1 broke their quarantine (the investigator's tick,
    # services.contact_interview_f2_add): within the quarantine, not before it began nor after its end. It stands
    # however the F1's quarantine start is moved (after_f1_quarantine stays False). Database defaults: the tracers
    # insert links with SQL naming the columns they fill.
    quarantine_breach = models.BooleanField(
        default=False, db_default=False, verbose_name=_("met while the F1 broke quarantine")
    )
    # An F2 named in an F1's interview whose meeting began after the F1's quarantine started, the start having been
    # set or moved earlier since the naming (services._named_f2_quarantine_follow): no F2 of the chain (QĐ 3638, "until
    # the F1 was put in medical isolation"), so the link no longer stands (links_standing_q); a start moved later
    # again makes it stand again. The system's, never set for a breach.
    after_f1_quarantine = models.BooleanField(
        default=False, db_default=False, verbose_name=_("met after the F1's quarantine began")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("contact link")
        verbose_name_plural = _("contact links")
        constraints = [
            models.UniqueConstraint(fields=["contact", "case", "evidence_key"], name="contact_link_evidence_unique"),
            models.CheckConstraint(condition=Q(level__gte=1), name="contact_link_level_positive"),
            models.CheckConstraint(condition=Q(source__in=LinkSource.values), name="contact_link_source_valid"),
            models.CheckConstraint(condition=Q(setting__in=LinkSetting.values), name="contact_link_setting_valid"),
            models.CheckConstraint(
                condition=Q(exposure_start__isnull=True)
                | Q(exposure_end__isnull=True)
                | Q(exposure_end__gte=F("exposure_start")),
                name="contact_link_exposure_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "level"]),
            # The F2 named in an F1's interview, looked up by the F1 (`via`): when the F1 is entered as a case
            # (services._named_as_f1), dismissed or confirmed again (services._named_f2_follow). Only interview
            # links: the thousands of check-in F2 links a trace writes pay nothing for it. The lookups write the
            # source as a literal (services._interview_links_via), so that a generic plan can use it too.
            models.Index(fields=["via"], condition=Q(source="interview"), name="contact_link_interview_via"),
        ]

    @property
    def named_as_f1_of(self) -> str:
        """For a link that entering a case gave it from its person's interview as an F1 (services.case_create), the
        number of the case the person was an F1 of then; "" for any other link. Its evidence key says so
        (F1_INTERVIEW_KEY), so that the pages and the API tell where the evidence came from without a column."""
        if not self.evidence_key.startswith(F1_INTERVIEW_KEY):
            return ""
        return self.evidence_key[len(F1_INTERVIEW_KEY) :].split(":", 1)[0]


# The evidence key of a link given to a new case from its person's interview as an F1: "f1_interview:<the number of
# the case they were an F1 of>:<the id of the F2 link it was copied from>" (services.case_create).
F1_INTERVIEW_KEY = "f1_interview:"


class ExposureNotice(models.Model):
    """ "A case was at venue X from 10:00 to 11:30 on 14/9": for the map and for people who checked in there."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="exposure_notices", verbose_name=pgettext_lazy("model", "case")
    )
    venue = models.ForeignKey(
        "venues.Venue", on_delete=models.CASCADE, related_name="exposure_notices", verbose_name=_("venue")
    )
    area_path = models.CharField(max_length=255, db_index=True, verbose_name=_("area path"))  # the venue's
    start = models.DateTimeField(verbose_name=_("start"))
    end = models.DateTimeField(verbose_name=_("end"))
    end_assumed = models.BooleanField(default=False, verbose_name=_("end assumed"))
    # None: kept back by an official, or taken off with its case's withdrawal
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))
    # Taken off the public list by its case's withdrawal (not kept back by an official): restoring the case publishes
    # it again (services.case_restore).
    withdrawn_with_case = models.BooleanField(default=False, verbose_name=_("taken off with its case's withdrawal"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("exposure notice")
        verbose_name_plural = _("exposure notices")
        constraints = [
            models.UniqueConstraint(fields=["case", "venue", "start"], name="exposure_notice_unique"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="exposure_notice_end_after_start"),
        ]
        indexes = [models.Index(fields=["start"], condition=Q(published_at__isnull=False), name="exposure_published")]


class TracingRun(models.Model):
    """One tracing job (one case interactively, or many in the background) and its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", pgettext_lazy("tracing run status", "Done")
        FAILED = "failed", pgettext_lazy("tracing run status", "Failed")

    cases = models.ManyToManyField(Case, related_name="tracing_runs", verbose_name=_("cases"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, verbose_name=_("status"))
    total = models.PositiveIntegerField(default=0, verbose_name=_("cases to trace"))
    done = models.PositiveIntegerField(default=0, verbose_name=_("cases traced"))
    contacts_found = models.PositiveIntegerField(default=0, verbose_name=_("contacts found"))
    links_added = models.PositiveIntegerField(default=0, verbose_name=_("new pieces of evidence"))
    # The run's cases are traced in `parts` tasks side by side (TRACING_BATCH_PARTS); it is done when all are.
    # The parts finished, by number: a part run twice (a worker killed, its task got again) counts once.
    parts = models.PositiveSmallIntegerField(default=1, verbose_name=_("parallel parts"))
    parts_finished = models.JSONField(default=list, blank=True, verbose_name=_("parts finished"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    # Starts of the run's task (a worker killed and the task got again, or queued again by the sweeper): past
    # TASK_MAX_ATTEMPTS the run fails instead (tasks.tracing_runs_sweep). The last sign of life: its start, a case
    # traced, its queueing again.
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    progress_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last progress"))
    # Copies of its task the sweep queued since it last started (a start sets it back to 0): past TASK_MAX_REQUEUES
    # the job waits, queued, without more (core.queue.stale_work_requeue).
    requeues = models.PositiveSmallIntegerField(default=0, verbose_name=_("copies queued again"))
    # A re-trace an official's move on a contact asked for (tasks.tracing_retrace): its one case. Requests for a case
    # whose re-trace is queued and not yet started join that run instead of queueing another (the constraint below).
    retrace_case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("case traced again"),
    )

    class Meta:
        verbose_name = _("tracing run")
        verbose_name_plural = _("tracing runs")
        constraints = [
            # At most one re-trace of a case waiting to start: a second request joins it (tasks.tracing_retrace).
            models.UniqueConstraint(
                fields=["retrace_case"],
                condition=Q(status="queued", started_at__isnull=True),
                name="tracing_run_one_retrace_waiting",
            ),
        ]
