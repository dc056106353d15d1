"""Telecom operators' data for tracing: cell lists, subscriber location records, their imports, trace runs.

Data only; writes go through telecom.services. Location records are kept by phone number (E.164): they are
matched to people (people.Person.phone) only when a case is traced, never at import.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Operator(models.TextChoices):
    """The mobile networks of RULES.md §8 (people.validation.MOBILE_PREFIXES). Numbers move between networks
    (number portability), so an operator's file may hold any prefix."""

    VIETTEL = "viettel", "Viettel"
    VINAPHONE = "vinaphone", "VinaPhone"
    MOBIFONE = "mobifone", "MobiFone"
    VIETNAMOBILE = "vietnamobile", "Vietnamobile"
    GMOBILE = "gmobile", "Gmobile"


class TelecomImport(models.Model):
    """One file from an operator (cells or location records) and what became of it.

    `errors` is a list of {line, column, code, reason_vi, reason_en} (line 1 is the header). With the
    policy all_or_nothing any bad row fails the import and nothing is written; with skip_bad_rows the good
    rows are written and each skipped row is listed.
    """

    class Kind(models.TextChoices):
        CELLS = "cells", _("Cell tower list")
        LOCATIONS = "locations", _("Subscriber location data")

    class Policy(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("Import nothing if any row has an error")
        SKIP_BAD_ROWS = "skip_bad_rows", _("Skip rows with errors, import the correct ones")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Processing")
        DONE = "done", pgettext_lazy("telecom import status", "Done")
        FAILED = "failed", _("Not imported")
        # Done, then taken back by an official (a wrong file): its records were deleted, the links made from them
        # removed (services.telecom_import_withdraw).
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Phase(models.TextChoices):
        NONE = "", "—"
        VALIDATING = "validating", _("Checking")
        WRITING = "writing", _("Writing")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (.xlsx)"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING, Status.DONE)
    UNFINISHED_STATUSES = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind of data"))
    operator = models.CharField(max_length=20, choices=Operator.choices, verbose_name=_("operator"))
    policy = models.CharField(
        max_length=20, choices=Policy.choices, default=Policy.ALL_OR_NOTHING, verbose_name=_("policy for bad rows")
    )
    file_name = models.CharField(max_length=255, verbose_name=_("file name"))
    file_format = models.CharField(max_length=4, choices=Format.choices, verbose_name=_("file format"))
    file_size = models.PositiveBigIntegerField(default=0, verbose_name=_("file size"))
    sha256 = models.CharField(max_length=64, db_index=True, verbose_name=_("file hash (SHA-256)"))
    # Where the upload waits for the task; emptied (and the file deleted) once processed: the file holds
    # the same personal data as the records.
    stored_path = models.CharField(max_length=500, blank=True, verbose_name=_("stored path"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("uploaded by")
    )
    # The uploader's area: scoping.
    area_path = models.CharField(max_length=255, blank=True, db_index=True, verbose_name=_("area path"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True, verbose_name=_("status")
    )
    phase = models.CharField(max_length=12, choices=Phase.choices, default="", blank=True, verbose_name=_("phase"))
    # An estimate while queued/running, exact when finished.
    rows_total = models.PositiveIntegerField(default=0, verbose_name=_("rows in total"))
    rows_done = models.PositiveIntegerField(default=0, verbose_name=_("rows checked"))  # rows checked so far (progress)
    rows_imported = models.PositiveIntegerField(default=0, verbose_name=_("rows imported"))
    rows_rejected = models.PositiveIntegerField(default=0, verbose_name=_("rows rejected"))
    # Good rows not imported because they ended before the retention cut-off (TELECOM_RETENTION_DAYS): the prune
    # would delete them within the hour, so they are never written (docs/telecom.md "Retention"). Not a bad row: an
    # all-or-nothing import is not failed by them.
    rows_expired = models.PositiveIntegerField(default=0, verbose_name=_("rows past retention"))
    errors = models.JSONField(default=list, blank=True, verbose_name=_("row errors"))
    # More rows were rejected than `errors` lists.
    errors_truncated = models.BooleanField(default=False, verbose_name=_("error list truncated"))
    # How many rows were rejected for each reason ({code: count}), all of them counted, where `errors` lists only the
    # first ERRORS_STORED_MAX: the import's page sums them up before the list (715 rows of one unknown cell read as
    # one line, not 500).
    rejected_by_code = models.JSONField(default=dict, blank=True, verbose_name=_("rejected rows by reason"))
    # A whole-file problem (e.g. telecom_columns).
    failure_code = models.CharField(max_length=50, blank=True, verbose_name=_("failure code"))
    # The time its location records cover (the earliest start, the latest end), set when it is done and again when
    # retention deletes some of them: a trace that finds nothing says which period the records it read cover.
    records_from = models.DateTimeField(null=True, blank=True, verbose_name=_("records from"))
    records_to = models.DateTimeField(null=True, blank=True, verbose_name=_("records to"))
    # Holes inside that period: stretches of at least `holes_min_minutes` in which none of its records runs
    # ([[from, to], ...] ISO, in order; services.records_holes). A trace counts them as not covered: an operator's
    # export cut short or missing a day read as covered. The shortest stretch that counts depends on the file's own
    # rate of records (a quiet night in a small file is no hole); null: not looked for (imports before 2026-12-07).
    records_holes = models.JSONField(default=list, blank=True, verbose_name=_("holes in its records"))
    holes_min_minutes = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("shortest hole looked for (minutes)")
    )
    # How many of its records telecom_prune deleted (their end older than TELECOM_RETENTION_DAYS), and when it last
    # did: the import's page says its records are gone, not "715 imported" as if they could still be traced with.
    records_pruned = models.PositiveIntegerField(default=0, verbose_name=_("records deleted by retention"))
    pruned_at = models.DateTimeField(null=True, blank=True, verbose_name=_("records last deleted by retention"))
    # Bumped by every run of the task: a run that finds another number at write time gives way (see services).
    attempt = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempt"))
    # The last sign of life of the import's run (its start, its progress) or of its queueing again by the sweeper:
    # one without any for TASK_STALE_MINUTES is taken for lost (services.telecom_imports_sweep).
    progress_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last progress"))
    # Copies of its task the sweep queued since it last started (a start sets it back to 0): past TASK_MAX_REQUEUES
    # the job waits, queued, without more (core.queue.stale_work_requeue).
    requeues = models.PositiveSmallIntegerField(default=0, verbose_name=_("copies queued again"))
    withdrawn_at = models.DateTimeField(null=True, blank=True, verbose_name=_("withdrawn at"))
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    withdrawn_reason = models.CharField(max_length=500, blank=True, verbose_name=_("reason for withdrawal"))
    # The F1 links made from its records that the withdrawal removed.
    links_removed = models.PositiveIntegerField(default=0, verbose_name=_("links removed"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        verbose_name = _("telecom import")
        verbose_name_plural = _("telecom imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The same file once per operator and kind of data: a failed import does not count (the cell list may
            # have been fixed since), nor one under another operator (the form's operator left on the wrong one).
            # A cell list once in the platform: cells are the operator's, shared by every area.
            models.UniqueConstraint(
                fields=["operator", "kind", "sha256"],
                condition=Q(kind="cells", status__in=["queued", "running", "done"]),
                name="telecom_import_file_once",
            ),
            # Location records once per area: a trace reads only its own area's imports (services.locations_in_force),
            # so another province that was sent the same file imports its own copy. The service also refuses a file
            # already imported inside the uploader's subtree (a district's, for the province).
            models.UniqueConstraint(
                fields=["operator", "kind", "sha256", "area_path"],
                condition=Q(kind="locations", status__in=["queued", "running", "done"]),
                name="telecom_import_file_once_per_area",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.operator} {self.kind} {self.file_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.WITHDRAWN)

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(100 * self.rows_done / self.rows_total))


class Cell(models.Model):
    """A cell (trạm phát sóng / ô) of an operator: where it is and how far it reaches."""

    operator = models.CharField(max_length=20, choices=Operator.choices, verbose_name=_("operator"))
    cell_id = models.CharField(max_length=64, verbose_name=_("cell id"))
    latitude = models.DecimalField(max_digits=9, decimal_places=6, verbose_name=_("latitude"))
    longitude = models.DecimalField(max_digits=9, decimal_places=6, verbose_name=_("longitude"))
    radius_m = models.PositiveIntegerField(verbose_name=_("radius (m)"))
    area = models.ForeignKey(
        "geo.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("area")
    )
    source_import = models.ForeignKey(
        TelecomImport, null=True, on_delete=models.SET_NULL, related_name="cells", verbose_name=_("import")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("cell")
        verbose_name_plural = _("cells")
        constraints = [models.UniqueConstraint(fields=["operator", "cell_id"], name="telecom_cell_unique")]
        # Neighbouring cells (TELECOM_NEIGHBOUR_CELL_M) are found in a latitude band first.
        indexes = [models.Index(fields=["latitude", "longitude"], name="telecom_cell_position")]

    def __str__(self):
        return f"{self.operator} {self.cell_id}"


class SubscriberLocation(models.Model):
    """A phone seen in a cell from `start` to `end` (operator's record). Personal data: deleted after
    TELECOM_RETENTION_DAYS; read only by services that audit.

    Written while its import is checked, chunk by chunk; it counts (tracing, the overlap checks of later imports)
    only once its import is `done` (services.locations_in_force): the rows of an import still running, failed or
    withdrawn are deleted by the import's own run, its failure or withdrawal, or else by telecom_prune."""

    operator = models.CharField(max_length=20, choices=Operator.choices, verbose_name=_("operator"))
    phone = models.CharField(max_length=16, verbose_name=_("phone number"))  # E.164
    cell = models.ForeignKey(Cell, on_delete=models.PROTECT, related_name="+", verbose_name=_("cell"))
    start = models.DateTimeField(verbose_name=_("start"))
    end = models.DateTimeField(verbose_name=_("end"))
    source_import = models.ForeignKey(
        TelecomImport, on_delete=models.CASCADE, related_name="locations", verbose_name=_("import")
    )
    # Its line in the operator's file: a later line of the same file that repeats it names this one.
    line = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("line in the file"))

    class Meta:
        verbose_name = _("subscriber location record")
        verbose_name_plural = _("subscriber location records")
        indexes = [
            # Tracing: who else was in this cell at this time.
            models.Index(fields=["cell", "start"], name="telecom_loc_cell_start"),
            # Tracing: where the case's phone was; import: overlaps with existing records.
            models.Index(fields=["phone", "start"], name="telecom_loc_phone_start"),
            # Retention: records ended before the cut-off.
            models.Index(fields=["end"], name="telecom_loc_end"),
        ]
        constraints = [models.CheckConstraint(condition=Q(end__gte=F("start")), name="telecom_loc_end_after_start")]


class TelecomTrace(models.Model):
    """One run of telecom tracing for a case: what it found, including the phones that match nobody.

    `unknown` lists {phone, records, overlap_minutes, first, last, cells, sources} of subscribers who shared a cell
    with the case but are not in people: the health department asks the operator who they are (`sources`: the pairs
    [case record's import, other record's import] it was found through, from 2026-12-07). Deleted
    with the records after TELECOM_RETENTION_DAYS.
    """

    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.CASCADE,
        related_name="telecom_traces",
        verbose_name=pgettext_lazy("model", "case"),
    )
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("run by")
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    phone = models.CharField(max_length=16, verbose_name=_("case's phone number"))  # the case's phone, as traced
    case_records = models.PositiveIntegerField(default=0, verbose_name=_("records of the case's phone"))
    # Others' records with enough overlap.
    candidate_records = models.PositiveIntegerField(default=0, verbose_name=_("shared stays"))
    people_found = models.PositiveIntegerField(default=0, verbose_name=_("people found"))
    links_added = models.PositiveIntegerField(default=0, verbose_name=_("new F1 links"))
    links_existing = models.PositiveIntegerField(default=0, verbose_name=_("F1 links already recorded"))
    unknown = models.JSONField(default=list, blank=True, verbose_name=_("unknown subscribers"))
    # The period the records it could read cover (of the done imports of the tracing official's area, any operator):
    # what "no record of the case's phone" means (none imported for that time, or the phone not in them).
    records_from = models.DateTimeField(null=True, blank=True, verbose_name=_("records from"))
    records_to = models.DateTimeField(null=True, blank=True, verbose_name=_("records to"))
    # How many of those imports there were (0: none imported in the area); null for runs before 2026-12-07.
    records_imports = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("imports of records read"))
    # The parts of the case's infectious window that those imports' periods cover ([[start, end], ...] ISO, merged,
    # clipped to the window): the page names the gaps. One period from the earliest to the latest record read as
    # continuous cover over a five-year gap (walk-through of 2026-12-07). Null for runs before then.
    window_covered = models.JSONField(null=True, blank=True, verbose_name=_("parts of the window covered"))
    # The holes inside imports' periods that left part of the window uncovered ([{from, to, import, file_name}], each
    # clipped to the uncovered part): the page names each with its import. Null for runs before holes were looked for.
    window_holes = models.JSONField(null=True, blank=True, verbose_name=_("holes in the records of the window"))
    # The imports whose records it used (ids): the page says when one has been withdrawn since. Null for runs before
    # 2026-12-07.
    imports_read = models.JSONField(null=True, blank=True, verbose_name=_("imports read"))
    min_overlap_minutes = models.PositiveIntegerField(verbose_name=_("minimum overlap (minutes)"))
    neighbour_cell_m = models.PositiveIntegerField(verbose_name=_("neighbouring cells within (m)"))

    class Meta:
        verbose_name = _("telecom trace")
        verbose_name_plural = _("telecom traces")
        ordering = ["-created_at", "-id"]
