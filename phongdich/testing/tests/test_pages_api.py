"""Pages and API of officials and lab staff: roles, area scoping (404 elsewhere), audit, exports."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from phongdich.core.audit import AuditLog
from phongdich.core.testing import make_official

from ..imports import lab_sheet_xlsx
from ..models import ImportJob, Pool, Sample, TestingSession, TestRegistration, TestResult
from ..services import result_enter
from .builders import BIRTH_1990, CCCD_1990, make_sample


def registration_of(session, person):
    return TestRegistration.objects.create(
        person=person,
        session=session,
        reason="screening",
        registered_via="official",
        site_path=session.site.area_path,
        person_path=person.area_path,
    )


def test_citizen_registration_page_and_full_session(client, session, areas):
    page = client.get("/testing/register/")
    assert page.status_code == 200 and session.site.name in page.content.decode()
    data = {
        "session": session.pk,
        "full_name": "Nguyễn Văn An",
        "id_number": CCCD_1990,
        "birth_date": BIRTH_1990.isoformat(),
        "phone": "0912345678",
        "area": areas["commune_a"].pk,
        "reason": "screening",
    }
    response = client.post("/testing/register/", data)
    assert response.status_code == 201 and "Nguyễn Văn An" in response.content.decode()
    TestingSession.objects.filter(pk=session.pk).update(capacity=1)
    response = client.post(
        "/testing/register/",
        {
            **data,
            "full_name": "Lê Thị Hoa",
            "id_number": "038190001111",
            "phone": "0987654321",
            "birth_date": "1990-01-02",
        },
    )
    assert response.status_code == 409 and "đã đủ người đăng ký" in response.content.decode()


def test_api_registration_full_session_409_and_idempotent_replay(client, session, areas):
    body = {
        "session": session.pk,
        "full_name": "Nguyễn Văn An",
        "id_number": CCCD_1990,
        "birth_date": BIRTH_1990.isoformat(),
        "phone": "0912345678",
        "area": areas["commune_a"].pk,
        "reason": "symptoms",
    }
    first = client.post(
        "/api/v1/testing/registrations/", body, content_type="application/json", headers={"Idempotency-Key": "k1"}
    )
    again = client.post(
        "/api/v1/testing/registrations/", body, content_type="application/json", headers={"Idempotency-Key": "k1"}
    )
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    duplicate = client.post("/api/v1/testing/registrations/", body, content_type="application/json")
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "testing_already_registered"
    TestingSession.objects.filter(pk=session.pk).update(capacity=1)
    full = client.post(
        "/api/v1/testing/registrations/",
        {
            **body,
            "full_name": "Lê Thị Hoa",
            "id_number": "038190001111",
            "phone": "0987654321",
            "birth_date": "1990-01-02",
        },
        content_type="application/json",
    )
    assert full.status_code == 409 and full.json()["code"] == "testing_session_full"
    assert full.json()["message_en"].startswith("This testing session is full")
    sessions = client.get("/api/v1/testing/sessions/").json()
    assert sessions[0]["places_left"] == 0 and "full_name" not in sessions[0]
    # One site's sessions; an id that cannot be a site's (a typo, a number past any id: a 500 once) selects none.
    assert [row["id"] for row in client.get(f"/api/v1/testing/sessions/?site={session.site_id}").json()] == [session.pk]
    for other in (session.site_id + 1, "abc", "2511645654305077073018880", "-1"):
        response = client.get("/api/v1/testing/sessions/", {"site": other})
        assert response.status_code == 200 and response.json() == []


def test_session_day_list_collect_and_labels(client, lab, session, person):
    registration = registration_of(session, person)
    client.force_login(lab)
    page = client.get(f"/testing/sessions/{session.pk}/")
    assert page.status_code == 200 and person.full_name in page.content.decode()
    assert AuditLog.objects.filter(action="testing.session.registrations_viewed").exists()
    response = client.post(f"/testing/sessions/{session.pk}/", {"registration": registration.pk})
    assert response.status_code == 302
    sample = Sample.objects.get(registration=registration)
    labels = client.get(f"/testing/labels.pdf?session={session.pk}")
    assert labels.status_code == 200 and labels.content.startswith(b"%PDF")
    assert client.get(f"/testing/labels.pdf?sample={sample.pk}").status_code == 200


def test_another_communes_official_gets_404_for_the_session_and_sees_no_results(
    client, lab, other_lab, session, person, site, areas
):
    result_enter(actor=lab, barcode=make_sample(site, person).barcode, outcome="negative")
    client.force_login(other_lab)
    assert client.get(f"/testing/sessions/{session.pk}/").status_code == 404
    assert client.get("/api/v1/testing/results/").json()["count"] == 0
    commune_b = make_official("area_official", areas["commune_b"])
    client.force_login(commune_b)
    assert client.get("/api/v1/testing/results/").json()["count"] == 0
    commune_a = make_official("area_official", areas["commune_a"])
    client.force_login(commune_a)
    listed = client.get("/api/v1/testing/results/").json()
    assert listed["count"] == 1 and listed["results"][0]["full_name"] == person.full_name
    assert AuditLog.objects.filter(action="testing.results.listed", actor=commune_a).exists()


def test_venue_staff_may_not_use_the_testing_pages(client, areas):
    client.force_login(make_official("venue_staff", areas["commune_a"]))
    assert client.get("/testing/").status_code == 403
    assert client.get("/testing/results/").status_code == 403
    assert (
        client.post(
            "/api/v1/testing/results/", {"barcode": "X", "outcome": "negative"}, content_type="application/json"
        ).status_code
        == 403
    )


def test_result_entry_page_and_api(client, lab, site, person):
    client.force_login(lab)
    sample = make_sample(site, person)
    response = client.post("/testing/results/enter/", {"barcode": sample.barcode, "outcome": "positive"})
    assert response.status_code == 400 and "Ct" in response.content.decode()
    response = client.post(
        "/api/v1/testing/results/",
        {"barcode": sample.barcode, "result": "positive", "ct_value": "21.5"},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["ct_value"] == "21.5"
    again = client.post(
        "/api/v1/testing/results/", {"barcode": sample.barcode, "result": "negative"}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "testing_already_resulted"


def test_pools_page_and_api_limit(client, lab, site, areas):
    from .builders import make_person

    client.force_login(lab)
    response = client.post("/api/v1/testing/pools/", {"site": site.pk}, content_type="application/json")
    assert response.status_code == 201 and response.json()["max_size"] == 3
    barcode = response.json()["barcode"]
    codes = []
    for index in range(4):
        person = make_person(areas["commune_a"], name=f"Người {index}", citizen_id="")
        sample = make_sample(site, person)
        codes.append(
            client.post(
                f"/api/v1/testing/pools/{barcode}/samples/", {"sample": sample.barcode}, content_type="application/json"
            ).status_code
        )
    assert codes == [200, 200, 200, 409]
    page = client.get("/testing/pools/")
    assert page.status_code == 200 and barcode in page.content.decode()
    assert Pool.objects.get(barcode=barcode).size == 3


def test_import_page_queues_a_job_and_the_api_reports_it(client, lab, site, person, django_capture_on_commit_callbacks):
    client.force_login(lab)
    sample = make_sample(site, person, collected_at=timezone.now() - dt.timedelta(days=1))
    content = lab_sheet_xlsx(
        [[sample.barcode, "RT-PCR", "Âm tính", None, timezone.localtime().replace(tzinfo=None) - dt.timedelta(hours=1)]]
    )
    upload = io.BytesIO(content)
    upload.name = "ket-qua.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/testing/results/import/", {"file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/testing/results/import/{job.pk}/")
    status = client.get(f"/api/v1/testing/imports/{job.pk}/").json()
    assert status["status"] == "done" and status["rows_imported"] == 1  # eager Celery in tests
    assert client.get(f"/testing/results/import/{job.pk}/").status_code == 200
    assert TestResult.objects.filter(sample=sample).exists()
    template = client.get("/testing/results/import/template.xlsx")
    header = [cell.value for cell in load_workbook(io.BytesIO(template.content)).active[1]]
    assert header == ["Mã vạch", "Loại xét nghiệm", "Kết quả", "Ct", "Thời gian xét nghiệm"]


def test_results_export_is_formula_safe_and_audited(client, lab, site, areas, django_capture_on_commit_callbacks):
    from phongdich.core.models import ExportJob
    from phongdich.core.testing import assert_formula_safe, download_export, download_export_bytes

    from .builders import make_person

    evil = make_person(areas["commune_a"], name="=HYPERLINK(1)", citizen_id="")
    result_enter(actor=lab, barcode=make_sample(site, evil).barcode, outcome="negative")
    client.force_login(lab)
    _, data = download_export_bytes(client, "/testing/results/export/", capture=django_capture_on_commit_callbacks)
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["A1"].value == "Mã vạch" and sheet["B2"].value == "=HYPERLINK(1)"  # as entered: no apostrophe
    assert_formula_safe(data, "=HYPERLINK(1)")
    assert AuditLog.objects.filter(action="testing.results.exported", actor=lab).get().extra["rows"] == 1
    assert client.get("/testing/results/?outcome=nonsense").status_code == 400
    assert client.post("/testing/results/export/?outcome=nonsense").status_code == 400
    assert ExportJob.objects.count() == 1
    # The headers are in the language of the page the export was asked from.
    _, workbook = download_export(client, "/en/testing/results/export/", capture=django_capture_on_commit_callbacks)
    assert workbook.active["A1"].value == "Barcode"


# Transactional: on PostgreSQL, retest_close's row lock needs its own transaction (a 500 once, when a decorator slid
# off it); inside the test's transaction it would pass either way.
@pytest.mark.django_db(transaction=True)
def test_retest_page_lists_and_closes(client, lab, site, areas):
    from ..services import pool_add_sample, pool_create
    from .builders import make_person

    pool = pool_create(actor=lab, site=site)
    person = make_person(areas["commune_a"], citizen_id="")
    pool_add_sample(actor=lab, pool_barcode=pool.barcode, sample_barcode=make_sample(site, person).barcode)
    result_enter(actor=lab, barcode=pool.barcode, outcome="positive", ct_value=33)
    client.force_login(lab)
    page = client.get("/testing/retest/")
    assert person.full_name in page.content.decode()
    item = pool.retest_items.get()
    assert client.post("/testing/retest/", {"item": item.pk}).status_code == 302
    assert person.full_name not in client.get("/testing/retest/").content.decode()


def test_a_positive_rapid_test_that_confirms_no_case_is_said_so_on_the_entry_retest_and_results_pages(
    client, lab, site, person
):
    """CV 11042 (docs/testing.md "The case definition"): one positive antigen test of someone who is no F1 opens no
    case; the lab is told so, and the re-test and results lists show why the person must give an RT-PCR sample."""
    client.force_login(lab)
    sample = make_sample(site, person, test_type="antigen")
    body = {"barcode": sample.barcode, "outcome": "positive"}
    entered = client.post("/testing/results/enter/", body, follow=True).content.decode()
    assert "chưa mở ca bệnh" in entered
    retest = client.get("/en/testing/retest/").content.decode()
    assert sample.barcode in retest and "Positive rapid test, RT-PCR needed" in retest
    assert "RT-PCR needed: not a case yet" in client.get("/en/testing/results/").content.decode()
