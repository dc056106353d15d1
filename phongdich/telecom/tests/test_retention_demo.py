"""Retention of location records and trace runs, and the demo's telecom data."""

import datetime as dt
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from phongdich.cases.models import ContactLink
from phongdich.core.models import AuditLog
from phongdich.telecom import tasks
from phongdich.telecom.demo import demo_extend
from phongdich.telecom.models import SubscriberLocation, TelecomImport, TelecomTrace
from phongdich.telecom.services import telecom_import_create, telecom_prune, telecom_trace_case

from .conftest import SAMPLES, import_bytes, make_case, make_person

HEADER = "so_thue_bao,ma_tram,bat_dau,ket_thuc\n"


def _row(phone, end: dt.datetime) -> str:
    local = timezone.localtime(end)
    return f"{phone},TTH-KT-01,{local - dt.timedelta(hours=1):%Y-%m-%d %H:%M},{local:%Y-%m-%d %H:%M}\n"


def test_records_past_retention_are_deleted_and_recent_ones_kept(health, cells, settings):
    settings.TELECOM_RETENTION_DAYS = 30
    now = timezone.now().replace(second=0, microsecond=0)
    text = HEADER + _row("0912000111", now - dt.timedelta(days=31)) + _row("0987000222", now - dt.timedelta(days=29))
    # Imported two days earlier, when both were within retention.
    assert import_bytes(health, text, now=now - dt.timedelta(days=2)).rows_imported == 2
    assert telecom_prune(now=now) == {"locations": 1, "traces": 0, "files": 0}
    assert list(SubscriberLocation.objects.values_list("phone", flat=True)) == ["+84987000222"]
    assert AuditLog.objects.get(action="telecom.records.pruned").extra["locations"] == 1
    assert telecom_prune(now=now)["locations"] == 0  # repeatable


def test_trace_runs_and_forgotten_uploads_are_deleted_too(health, cells, areas, settings):
    case = make_case(health, make_person(areas["kim_tan"], "Lê Văn Ca", "+84912000111"))
    telecom_trace_case(case=case, actor=health)
    # A queued import whose task never ran keeps its upload (personal data) until the prune removes it.
    record = telecom_import_create(
        actor=health,
        operator="viettel",
        kind="locations",
        file_name="x.csv",
        chunks=[HEADER.encode() + b"x\n"],
        enqueue=False,
    )
    later = timezone.now() + dt.timedelta(days=settings.TELECOM_RETENTION_DAYS + 1)
    assert telecom_prune(now=later) == {"locations": 0, "traces": 1, "files": 1}
    assert not TelecomTrace.objects.exists()
    record.refresh_from_db()
    assert record.stored_path == "" and not list((settings.VAR_DIR / "telecom-uploads").iterdir())


def test_prune_command_and_beat_task(health, cells):
    out = StringIO()
    call_command("telecom_prune", stdout=out)
    assert "0 location records" in out.getvalue()
    assert tasks.telecom_prune.apply().get() == {"locations": 0, "traces": 0, "files": 0}


def test_import_command_reports_rejected_lines(areas, health, superuser):
    samples = SAMPLES
    out = StringIO()
    call_command(
        "telecom_import", str(samples / "viettel-cells.csv"), operator="viettel", kind="cells", stdout=out, verbosity=0
    )
    assert "12 imported" in out.getvalue()
    err = StringIO()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command(
            "telecom_import",
            str(samples / "broken-locations.csv"),
            operator="viettel",
            kind="locations",
            user=health.username,
            stderr=err,
            verbosity=0,
        )
    assert "broken-locations.csv: line 3 [so_thue_bao]: Invalid subscriber number" in err.getvalue()
    out = StringIO()
    call_command(
        "telecom_import",
        str(samples / "broken-locations.csv"),
        operator="viettel",
        kind="locations",
        user=health.username,
        skip_bad_rows=True,
        stdout=out,
        stderr=StringIO(),
        verbosity=0,
    )
    assert "2 imported, 8 rejected" in out.getvalue()
    # The records are the uploader's area's: the province's health department's traces read them.
    imported = TelecomImport.objects.get(kind="locations", status="done")
    assert imported.uploaded_by == health and imported.area_path == areas["province"].path
    with pytest.raises(CommandError, match="Expected columns"):
        call_command(
            "telecom_import",
            str(samples / "wrong-columns.csv"),
            operator="viettel",
            kind="locations",
            user=health.username,
            verbosity=0,
        )


def test_import_command_wants_the_official_whose_area_reads_location_records(health, superuser):
    """Without --user, location records were the first superuser's, in no area: no official's trace read them
    (services.locations_in_force), and the command said nothing about it."""
    with pytest.raises(CommandError, match="--user"):
        call_command(
            "telecom_import",
            str(SAMPLES / "viettel-locations.csv"),
            operator="viettel",
            kind="locations",
            verbosity=0,
        )
    assert not TelecomImport.objects.filter(kind="locations").exists()


def test_demo_imports_cells_and_records_in_which_the_case_finds_its_contact(areas, province_admin):
    people = [make_person(areas["kim_tan"], f"Người {n}", f"+849120{n:05d}") for n in range(560)]
    case = make_case(
        province_admin,
        people[0],
        sample=timezone.localdate(),
        onset=timezone.localdate() - dt.timedelta(days=1),
        isolated=timezone.now(),
    )
    builder = SimpleNamespace(users={"tinh.thanhhoa": province_admin}, all_person_ids=[p.pk for p in people])
    logged = []
    demo_extend(builder=builder, log=logged.append)
    imports = list(TelecomImport.objects.order_by("pk").values_list("kind", "status", "rows_rejected"))
    assert imports == [("cells", "done", 0), ("locations", "done", 0)]
    # The demo's file runs without a silence: no hole in its records (docs/telecom.md "Holes inside a file").
    records = TelecomImport.objects.get(kind="locations")
    assert records.records_holes == [] and records.holes_min_minutes
    assert "12 cells" in logged[0]
    trace = telecom_trace_case(case=case, actor=province_admin).trace
    assert trace.links_added == 1 and len(trace.unknown) >= 1
    assert ContactLink.objects.get(case=case).overlap_minutes == 40
