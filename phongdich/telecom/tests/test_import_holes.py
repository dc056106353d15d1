"""Holes inside one import's period: hours of which the operator's file has no record at all (an outage, an export cut
short, a day missing) are found at import, shown on the import, and not counted as covered by a trace
(docs/telecom.md "Holes inside a file")."""

import csv
import datetime as dt
import io
import math

from django.utils import timezone

from phongdich.telecom.models import TelecomImport, TelecomTrace
from phongdich.telecom.samples import make_samples as samples
from phongdich.telecom.services import hole_min_minutes, records_holes, telecom_prune, telecom_trace_case

from .conftest import SAMPLES, import_bytes, import_sample, local, make_case, make_person

HEADER = ["Số thuê bao", "Mã trạm", "Bắt đầu", "Kết thúc"]
CUT_DAY = dt.date(2021, 9, 16)  # the sample's third day; the case's story is on the 15th


def _parse(text: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.strptime(text, "%d/%m/%Y %H:%M:%S"), timezone.get_default_timezone())


def _sample_rows() -> list[list[str]]:
    text = (SAMPLES / "viettel-locations.csv").read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))[1:]


def _csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _cut_day_rows():
    """The committed sample less every stay that touches 16/09/2021: the file an operator cut a day out of."""
    start, end = local(2021, 9, 16), local(2021, 9, 17)
    return [row for row in _sample_rows() if not (_parse(row[2]) < end and _parse(row[3]) > start)]


def _expected_hole(rows) -> tuple[dt.datetime, dt.datetime]:
    """From the last end before the cut day to the first start after it, computed from the rows themselves."""
    cut = local(2021, 9, 16)
    before = max(_parse(row[3]) for row in rows if _parse(row[2]) < cut)
    after = min(_parse(row[2]) for row in rows if _parse(row[2]) >= cut)
    return before, after


def _holes(record) -> list[tuple[dt.datetime, dt.datetime]]:
    return [(dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b)) for a, b in record.records_holes]


def _shown(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


def test_the_committed_samples_import_without_a_hole(health, cells):
    for name, rows in (("viettel-locations.csv", 715), ("viettel-locations.xlsx", 230)):
        record = import_sample(health, name)
        assert (record.status, record.rows_imported) == ("done", rows), record.errors
        assert record.records_holes == [], name
        # Looked for: the threshold is shorter than the period (a sample of 2-3 days), at least TELECOM_GAP_MINUTES.
        period = (record.records_to - record.records_from).total_seconds() / 60
        assert 180 <= record.holes_min_minutes < period, name


def test_a_file_with_a_day_cut_out_reports_the_hole(client, health, cells):
    rows = _cut_day_rows()
    record = import_bytes(health, _csv(rows), name="viettel-thieu-ngay.csv")
    assert record.status == "done" and record.rows_imported == len(rows) < 715
    hole = _expected_hole(rows)
    assert _holes(record) == [hole]
    assert hole[0] <= local(2021, 9, 16) and hole[1] >= local(2021, 9, 17)
    client.force_login(health)
    page = client.get(f"/en/telecom/imports/{record.pk}/").content.decode()
    notice = page.split('id="records-holes"', 1)[1].split("</div>", 1)[0]
    assert "The file has no record at all for one stretch inside its period:" in notice
    assert f"no records from {_shown(hole[0])} to {_shown(hole[1])}" in notice
    assert "Traces count these hours as not covered." in notice
    vietnamese = client.get(f"/telecom/imports/{record.pk}/").content.decode()
    assert f"không có bản ghi từ {_shown(hole[0])} đến {_shown(hole[1])}" in vietnamese
    body = client.get(f"/api/v1/telecom/imports/{record.pk}/").json()
    assert [[dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b)] for a, b in body["records_holes"]] == [
        list(hole)
    ]
    assert body["holes_min_minutes"] == record.holes_min_minutes


def test_the_sample_import_page_says_no_hole_was_found(client, health, cells):
    record = import_sample(health, "viettel-locations.csv")
    client.force_login(health)
    page = client.get(f"/en/telecom/imports/{record.pk}/").content.decode()
    assert 'id="records-holes"' not in page
    hours = f"{math.ceil(record.holes_min_minutes / 6) / 10:.1f}".removesuffix(".0")
    assert f"No hole in its records: no stretch of {hours} hours or more inside its period is without a record." in page


def test_a_quiet_stretch_of_a_thin_file_is_not_a_hole(health, cells):
    """Four phones' stays over two days with a six-hour silence one night: at this file's rate six hours should hold
    about one record, not the 50 that would make their absence mean missing data."""
    rows = [
        ["0912000111", "TTH-KT-01", "14/09/2021 06:00:00", "14/09/2021 18:00:00"],
        ["0987000222", "TTH-KT-02", "14/09/2021 12:00:00", "14/09/2021 22:00:00"],
        ["0356000333", "TTH-KT-03", "15/09/2021 04:00:00", "15/09/2021 20:00:00"],
        ["0868000444", "TTH-VD-01", "15/09/2021 19:00:00", "16/09/2021 06:00:00"],
    ]
    record = import_bytes(health, _csv(rows), name="it.csv")
    assert record.status == "done" and record.records_holes == []
    assert record.holes_min_minutes > (record.records_to - record.records_from).total_seconds() / 60


def test_the_shortest_hole_depends_on_the_files_rate(settings):
    settings.TELECOM_GAP_MINUTES, settings.TELECOM_GAP_MIN_EXPECTED = 180, 50
    first = local(2021, 9, 14)
    # 10 records an hour: 50 are expected in 5 hours, longer than the 3-hour floor.
    assert hole_min_minutes(records=240, first=first, last=first + dt.timedelta(hours=24)) == 300
    # 100 an hour: the floor holds.
    assert hole_min_minutes(records=2400, first=first, last=first + dt.timedelta(hours=24)) == 180
    assert hole_min_minutes(records=0, first=first, last=first) is None
    stays = [
        (first, first + dt.timedelta(hours=2)),
        (first + dt.timedelta(hours=1), first + dt.timedelta(hours=3)),  # overlapping: one run of records
        (first + dt.timedelta(hours=5), first + dt.timedelta(hours=5)),  # of no length: data at that instant
        (first + dt.timedelta(hours=9), first + dt.timedelta(hours=10)),
    ]
    assert records_holes(stays, min_minutes=180) == [[first + dt.timedelta(hours=5), first + dt.timedelta(hours=9)]]
    assert records_holes(stays, min_minutes=120) == [
        [first + dt.timedelta(hours=3), first + dt.timedelta(hours=5)],
        [first + dt.timedelta(hours=5), first + dt.timedelta(hours=9)],
    ]


def test_a_trace_counts_a_hole_as_not_covered_and_names_its_import(client, health, cells, areas):
    rows = _cut_day_rows()
    record = import_bytes(health, _csv(rows), name="viettel-thieu-ngay.csv")
    hole = _expected_hole(rows)
    # The window (13/09 00:00 – 20/09 12:00) holds the whole file: before it, the hole, after it are gaps.
    case = make_case(health, make_person(areas["kim_tan"], "Lê Văn Ca", samples.CASE_PHONE))
    client.force_login(health)
    page = client.post(f"/en/telecom/trace/{case.pk}/").content.decode()
    trace = TelecomTrace.objects.get()
    assert trace.case_records > 0  # the case's story (15/09) is in the file
    covered = [(dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b)) for a, b in trace.window_covered]
    assert covered == [(record.records_from, hole[0]), (hole[1], record.records_to)]
    named = [
        {**item, "from": dt.datetime.fromisoformat(item["from"]), "to": dt.datetime.fromisoformat(item["to"])}
        for item in trace.window_holes
    ]
    assert named == [
        {"from": hole[0], "to": hole[1], "import": record.pk, "file_name": record.file_name, "operator": "viettel"}
    ]
    gaps = f"{_shown(case.window_start)} – {_shown(record.records_from)}; {_shown(hole[0])} – {_shown(hole[1])}; "
    assert gaps in page
    holes = page.split('id="window-holes"', 1)[1].split("</span>", 1)[0]
    # The operator named, whom to ask for the missing hours.
    assert f"no Viettel records from {_shown(hole[0])} to {_shown(hole[1])}" in holes
    assert f'<a href="/en/telecom/imports/{record.pk}/">import #{record.pk}, viettel-thieu-ngay.csv</a>' in holes
    vietnamese = client.get(f"/telecom/trace/{case.pk}/").content.decode()
    assert f"không có bản ghi của Viettel từ {_shown(hole[0])} đến {_shown(hole[1])}" in vietnamese
    body = client.post(f"/api/v1/telecom/trace/{case.pk}/").json()
    assert body["window_holes"] == [
        {
            "start": timezone.localtime(hole[0]).isoformat(),
            "end": timezone.localtime(hole[1]).isoformat(),
            "telecom_import": record.pk,
            "file_name": "viettel-thieu-ngay.csv",
            "operator": "viettel",
        }
    ]
    assert len(body["window_covered"]) == 2


def test_a_hole_of_a_run_that_kept_no_operator_is_shown_without_one(client, health, cells, areas):
    """Runs from before 2026-12-07 kept no operator with their holes: the hole is named, no operator guessed."""
    rows = _cut_day_rows()
    import_bytes(health, _csv(rows), name="viettel-thieu-ngay.csv")
    hole = _expected_hole(rows)
    case = make_case(health, make_person(areas["kim_tan"], "Lê Văn Ca", samples.CASE_PHONE))
    trace = telecom_trace_case(case=case, actor=health).trace
    trace.window_holes = [{k: v for k, v in item.items() if k != "operator"} for item in trace.window_holes]
    trace.save(update_fields=["window_holes"])
    client.force_login(health)
    page = client.get(f"/en/telecom/trace/{case.pk}/").content.decode()
    holes = page.split('id="window-holes"', 1)[1].split("</span>", 1)[0]
    assert f"no records from {_shown(hole[0])} to {_shown(hole[1])}" in holes


def test_a_file_of_the_missing_day_fills_the_hole(health, cells, areas):
    cut = _cut_day_rows()
    import_bytes(health, _csv(cut), name="viettel-thieu-ngay.csv")
    kept = {tuple(row) for row in cut}
    missing = [row for row in _sample_rows() if tuple(row) not in kept]
    second = import_bytes(health, _csv(missing), name="viettel-ngay-16.csv")
    assert second.status == "done", second.errors
    case = make_case(health, make_person(areas["kim_tan"], "Lê Văn Ca", samples.CASE_PHONE))
    trace = telecom_trace_case(case=case, actor=health).trace
    assert trace.window_holes == []
    first = TelecomImport.objects.filter(kind="locations").order_by("pk").first()
    assert len(trace.window_covered) == 1
    assert dt.datetime.fromisoformat(trace.window_covered[0][0]) == first.records_from


def test_retention_drops_the_holes_before_what_is_left(health, cells, settings):
    record = import_bytes(health, _csv(_cut_day_rows()), name="viettel-thieu-ngay.csv")
    assert len(record.records_holes) == 1
    # The prune's cut-off after the hole: the records before it, and the hole with them, are gone.
    settings.TELECOM_RETENTION_DAYS = 1
    telecom_prune(now=local(2021, 9, 17, 12))  # cut-off 16/09 12:00
    record.refresh_from_db()
    assert record.records_pruned > 0 and record.records_from >= local(2021, 9, 17)
    assert record.records_holes == []


def test_another_operators_file_of_the_missing_day_does_not_fill_the_cases_operators_hole(health, cells, areas):
    """A subscriber's records are only in their own operator's files: MobiFone's file of the 16th holds none of a
    Viettel subscriber's stays, so Viettel's missing 16th stays a gap of the window. Coverage mixed the operators, and
    the window read as covered (review of 2026-12-07)."""
    cut = _cut_day_rows()
    viettel = import_bytes(health, _csv(cut), name="viettel-thieu-ngay.csv")
    hole = _expected_hole(cut)
    mobifone_cells = import_bytes(health, samples.cells_csv(), kind="cells", operator="mobifone")
    assert mobifone_cells.status == "done", mobifone_cells.errors
    kept = {tuple(row) for row in cut}
    day = [row for row in _sample_rows() if tuple(row) not in kept and row[0] != "0912000111"]
    mobifone = import_bytes(health, _csv(day), operator="mobifone", name="mobifone-ngay-16.csv")
    assert mobifone.status == "done" and mobifone.records_from <= hole[0] + dt.timedelta(hours=1)

    case = make_case(health, make_person(areas["kim_tan"], "Lê Văn Ca", samples.CASE_PHONE))
    trace = telecom_trace_case(case=case, actor=health).trace
    assert trace.case_records > 0  # the case's phone is in Viettel's file: Viettel's coverage is the window's
    covered = [(dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b)) for a, b in trace.window_covered]
    assert covered == [(viettel.records_from, hole[0]), (hole[1], viettel.records_to)]
    assert [(h["import"], h["operator"]) for h in trace.window_holes] == [(viettel.pk, "viettel")]

    # A phone in no file: the case may be with either operator, so only what both cover is covered, and Viettel's
    # hole is still named.
    stranger = make_case(health, make_person(areas["kim_tan"], "Trần Thị Lạ", "+84912999000"))
    trace = telecom_trace_case(case=stranger, actor=health).trace
    assert trace.case_records == 0
    covered = [(dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b)) for a, b in trace.window_covered]
    assert all(last <= hole[0] or first >= hole[1] for first, last in covered)
    assert all(first >= mobifone.records_from and last <= mobifone.records_to for first, last in covered)
    assert (viettel.pk, "viettel") in [(h["import"], h["operator"]) for h in trace.window_holes]
