import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import Workbook

from phongdich.core.audit import AuditLog
from phongdich.core.errors import ApplicationError

from ..imports import import_job_create, import_job_run, lab_sheet_xlsx, results_import_xlsx
from ..models import ImportJob, RetestItem, Sample, TestResult
from ..services import pool_add_sample, pool_create
from .builders import make_person, make_sample


def local(days_ago=0, hour=9):
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def samples(site, areas):
    people = [
        make_person(areas["commune_a"], name=f"Người {index}", phone=f"+849123456{index:02d}", citizen_id="")
        for index in range(4)
    ]
    return [make_sample(site, person, collected_at=local(2)) for person in people]


def sheet(rows, language="vi"):
    return io.BytesIO(lab_sheet_xlsx(rows, language=language))


def naive(value):
    return timezone.localtime(value).replace(tzinfo=None)


def test_a_good_sheet_imports_every_row_with_progress(lab, samples, django_capture_on_commit_callbacks):
    rows = [
        [samples[0].barcode, "RT-PCR", "Âm tính", None, naive(local(1))],
        [
            samples[1].barcode.lower(),
            "pcr",
            "dương tính",
            "27,4",
            "01/01/2000 08:00".replace("01/01/2000", f"{timezone.localdate() - dt.timedelta(days=1):%d/%m/%Y}"),
        ],
        [samples[2].barcode, "", "negative", "", (timezone.localdate() - dt.timedelta(days=1)).strftime("%d/%m/%Y")],
    ]
    calls = []
    with django_capture_on_commit_callbacks(execute=True):
        report = results_import_xlsx(
            actor=lab, file=sheet(rows), progress=lambda done, total: calls.append((done, total))
        )
    assert report.ok and report.rows_imported == 3 and report.rows_rejected == 0 and report.rows_total == 3
    assert calls and calls[-1] == (3, 3)
    outcomes = dict(TestResult.objects.values_list("sample__barcode", "outcome"))
    assert outcomes == {samples[0].barcode: "negative", samples[1].barcode: "positive", samples[2].barcode: "negative"}
    day_only = TestResult.objects.get(sample=samples[2])
    assert timezone.localtime(day_only.tested_at).hour == 12  # a day without a time: noon of that day
    assert AuditLog.objects.filter(action="testing.results.imported").count() == 1


def test_english_headers_in_another_order_and_extra_columns(lab, samples):
    workbook = Workbook()
    sheet_ = workbook.active
    sheet_.append(["Patient", "Result", "Tested at", "Ct value", "Test type", "Barcode"])
    sheet_.append(["Someone", "negative", naive(local(1)), None, "RT-PCR", samples[0].barcode])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    report = results_import_xlsx(actor=lab, file=buffer)
    assert report.ok and report.rows_imported == 1


def test_wrong_columns_name_the_expected_ones(lab, samples):
    workbook = Workbook()
    workbook.active.append(["Mã vạch", "Kết quả"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    with pytest.raises(ApplicationError) as caught:
        results_import_xlsx(actor=lab, file=buffer)
    error = caught.value
    assert error.code == "testing_sheet_invalid" and error.status == 400
    assert "Loại xét nghiệm" in error.as_dict()["message_vi"] and "Test type" in error.as_dict()["message_en"]
    assert set(error.extra["missing"]) == {"test_type", "ct", "tested_at"}


def test_not_a_workbook_is_a_clear_400(lab):
    with pytest.raises(ApplicationError) as caught:
        results_import_xlsx(actor=lab, file=io.BytesIO(b"barcode,result\n"))
    assert caught.value.code == "testing_sheet_invalid"


def test_bad_rows_are_listed_by_line_and_nothing_is_imported(lab, samples, site, areas):
    pooled = make_sample(site, make_person(areas["commune_a"], name="Gộp Mẫu", citizen_id=""), collected_at=local(2))
    pool = pool_create(actor=lab, site=site)
    pool_add_sample(actor=lab, pool_barcode=pool.barcode, sample_barcode=pooled.barcode)
    future = naive(timezone.now() + dt.timedelta(days=2))
    rows = [
        [samples[0].barcode, "RT-PCR", "Âm tính", None, naive(local(1))],  # line 2: good
        [samples[1].barcode, "RT-PCR", "Âm tính", None, naive(local(3))],  # 3: tested before collected
        [samples[2].barcode, "RT-PCR", "Âm tính", None, future],  # 4: in the future
        [samples[3].barcode, "RT-PCR", "Dương tính", None, naive(local(1))],  # 5: positive without Ct
        [samples[0].barcode, "RT-PCR", "Âm tính", None, naive(local(1))],  # 6: duplicate of line 2
        ["TL9999999Z", "RT-PCR", "Âm tính", None, naive(local(1))],  # 7: wrong check character
        [samples[3].barcode[:-1] + "0", "RT-PCR", "Âm tính", None, "31/02/2024"],  # 8: no such date (+ barcode)
        [samples[3].barcode, "test nhanh", "Âm tính", "25", naive(local(1))],  # 9: antigen with Ct / type
        [pooled.barcode, "RT-PCR", "Âm tính", None, naive(local(1))],  # 10: in a pool
        [samples[3].barcode, "RT-PCR", "có thể", "50", naive(local(1))],  # 11: result unknown, Ct too high
    ]
    report = results_import_xlsx(actor=lab, file=sheet(rows))
    assert report.rows_imported == 0 and not report.ok
    lines = {error["line"] for error in report.errors}
    assert lines == {3, 4, 5, 6, 7, 8, 9, 10, 11}
    assert report.rows_rejected == 9
    by_line = {}
    for error in report.errors:
        by_line.setdefault(error["line"], set()).add(error["column"])
        assert error["reason_vi"] and error["reason_en"]
    assert by_line[3] == {"tested_at"} and by_line[6] == {"barcode"} and by_line[8] == {"barcode", "tested_at"}
    assert by_line[11] == {"result", "ct"} or by_line[11] == {"result"}
    assert not TestResult.objects.exists()
    assert set(Sample.objects.filter(pk__in=[s.pk for s in samples]).values_list("status", flat=True)) == {"awaiting"}


def test_without_all_or_nothing_the_good_rows_are_stored(lab, samples):
    rows = [
        [samples[0].barcode, "RT-PCR", "Âm tính", None, naive(local(1))],
        [samples[1].barcode, "RT-PCR", "Dương tính", None, naive(local(1))],
    ]
    report = results_import_xlsx(actor=lab, file=sheet(rows), all_or_nothing=False)
    assert report.rows_imported == 1 and report.rows_rejected == 1 and report.errors[0]["line"] == 3
    assert TestResult.objects.count() == 1


def test_a_pool_row_fans_out_to_its_members(lab, site, samples):
    pool = pool_create(actor=lab, site=site)
    for sample in samples[:2]:
        pool_add_sample(actor=lab, pool_barcode=pool.barcode, sample_barcode=sample.barcode)
    report = results_import_xlsx(actor=lab, file=sheet([[pool.barcode, "RT-PCR", "Dương tính", 31, naive(local(1))]]))
    assert report.ok
    assert RetestItem.objects.filter(pool=pool).count() == 2


def test_another_communes_lab_cannot_import_these_barcodes(other_lab, samples):
    report = results_import_xlsx(
        actor=other_lab, file=sheet([[samples[0].barcode, "RT-PCR", "Âm tính", None, naive(local(1))]])
    )
    assert report.errors[0]["column"] == "barcode" and not TestResult.objects.exists()


def test_the_upload_job_reports_progress_and_outcome(lab, samples):
    content = lab_sheet_xlsx([[samples[0].barcode, "RT-PCR", "Âm tính", None, naive(local(1))]])
    job = import_job_create(actor=lab, filename="ket-qua.xlsx", content=content)
    job = import_job_run(job_id=job.pk)
    assert job.status == "done" and job.rows_imported == 1 and job.rows_done == job.rows_total == 1
    assert bytes(job.content) == b""
    bad = import_job_create(actor=lab, filename="sai.xlsx", content=b"not a workbook")
    bad = import_job_run(job_id=bad.pk)
    assert bad.status == ImportJob.Status.FAILED and bad.errors[0]["reason_en"].startswith("The lab sheet")
    assert bad.error_code == "testing_sheet_invalid"
    rows = [[samples[1].barcode, "RT-PCR", "Dương tính", None, naive(local(1))]]
    wrong = import_job_run(job_id=import_job_create(actor=lab, filename="x.xlsx", content=lab_sheet_xlsx(rows)).pk)
    assert wrong.error_code == "testing_sheet_rows_invalid" and wrong.errors[0]["line"] == 2
