"""The verify_dcc command (single and batch), the public API with its 4xx answers, and the pages."""

import base64
import datetime as dt
import io
import json
import sys

import pytest
from django.core.management import call_command
from django.utils import timezone

from phongdich.accounts.models import Official
from phongdich.certificates import keys, services
from phongdich.certificates.models import Certificate
from phongdich.certificates.sources import VaccinationFacts
from phongdich.checkins.tests.builders import make_person
from phongdich.core.models import AuditLog
from phongdich.core.testing import make_official, make_province_with_communes
from phongdich.people.citizen import citizen_mark_verified

pytestmark = pytest.mark.django_db


def recent_dose():
    return VaccinationFacts(
        vaccine_prophylaxis="1119349007",
        medicinal_product="EU/1/20/1528",
        manufacturer="ORG-100030215",
        dose_number=2,
        total_doses=2,
        given_on=timezone.localdate() - dt.timedelta(days=20),
    )


@pytest.fixture
def areas(db):
    return make_province_with_communes()


@pytest.fixture
def holder(areas):
    return make_person(areas["commune_a"], name="Lê Văn Cường", phone="+84912000222")


@pytest.fixture
def issued(holder):
    return services.certificate_issue(person=holder, source_key="dose:7", facts=recent_dose())


def run_command(*args, stdin: str | None = None):
    out = io.StringIO()
    old_stdin = sys.stdin
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        call_command("verify_dcc", *args, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    finally:
        sys.stdin = old_stdin
    return code, out.getvalue()


def test_command_verifies_with_the_province_trust_list_and_exits_0(issued):
    code, out = run_command(issued.qr_text)
    answer = json.loads(out)
    assert code == 0 and answer["valid"] is True and answer["reason"] == "ok"
    assert answer["payload"]["v"][0]["ci"] == issued.uvci


def test_command_with_trust_file_and_at(issued, tmp_path):
    pem = tmp_path / "dsc.pem"
    pem.write_bytes(keys.cert_path().read_bytes())
    code, out = run_command(issued.qr_text, "--trust", str(pem), "--at", "2099-01-01T00:00:00Z")
    assert code == 1 and json.loads(out)["reason"] == "expired"
    der = tmp_path / "dsc.der"
    der.write_bytes(keys.signer().der)
    code, out = run_command(issued.qr_text, "--trust", str(der))
    assert code == 0 and json.loads(out)["valid"]


def test_command_refuses_with_a_reason_and_exits_1():
    code, out = run_command("HC1:not base45 at all!")
    assert code == 1 and json.loads(out)["reason"] == "bad_base45"


def test_batch_reads_json_lines_and_answers_in_order(issued):
    trust = [base64.b64encode(keys.signer().der).decode()]
    lines = [
        {"qr": issued.qr_text, "trust": trust},
        {"qr": issued.qr_text, "trust": trust, "at": "2000-01-01T00:00:00+07:00"},
        {"qr": "HC2:xyz"},
        {"qr": issued.qr_text, "trust": ["!!notbase64"]},
    ]
    stdin = "\n".join(json.dumps(line) for line in lines) + "\nnot json\n"
    code, out = run_command("--batch", stdin=stdin)
    answers = [json.loads(line) for line in out.splitlines()]
    assert [a["reason"] for a in answers] == ["ok", "not_yet_valid", "bad_prefix", "invalid_input", "invalid_input"]
    assert code == 1


@pytest.mark.real_clock(
    "the command runs in a child process, on the real clock, where a certificate issued at a later fake moment is "
    "not valid yet"
)
def test_command_runs_as_phongdich_verify_dcc(issued, settings):
    import subprocess

    env = {
        "PATH": "/usr/bin:/bin",
        "DCC_KEY_DIR": str(settings.DCC_KEY_DIR),
        "DCC_TRUST_DIR": str(settings.DCC_TRUST_DIR),
        "DJANGO_SETTINGS_MODULE": "phongdich.config.settings",
    }
    result = subprocess.run(
        [sys.executable, "-m", "phongdich", "verify_dcc", issued.qr_text], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["valid"] is True
    result = subprocess.run(
        [sys.executable, "-m", "phongdich", "verify_dcc", issued.qr_text[:-4] + "AAAA"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 1 and json.loads(result.stdout)["valid"] is False


# --- API ------------------------------------------------------------------------------------------


def post_verify(client, body):
    return client.post("/api/v1/certificates/verify", body, content_type="application/json")


def test_api_verifies_and_returns_the_name_printed_in_the_certificate(client, issued, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        answer = post_verify(client, {"qr": issued.qr_text})
    assert answer.status_code == 200
    data = answer.json()
    assert data["valid"] is True and data["reason"] == "ok" and data["reason_vi"]
    assert data["certificate"]["family_name"] == "Lê" and data["certificate"]["given_name"] == "Văn Cường"


def test_api_answers_refusals_of_readable_certificates_with_200(client, issued):
    data = post_verify(client, {"qr": issued.qr_text, "at": "2099-01-01T00:00:00Z"}).json()
    assert data["valid"] is False and data["reason"] == "expired"
    tampered = issued.qr_text[:60] + ("A" if issued.qr_text[60] != "A" else "B") + issued.qr_text[61:]
    answer = post_verify(client, {"qr": tampered})
    assert answer.status_code in (200, 400)
    assert answer.json().get("valid", answer.json().get("extra", {}).get("valid")) is False


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"qr": "HC1:%%%%"}, 400, "dcc_malformed"),
        ({"qr": "hello"}, 400, "dcc_malformed"),
        ({"qr": ""}, 400, "invalid_input"),
        ({"qr": 12}, 400, "dcc_malformed"),
        ({}, 400, "invalid_input"),
        ({"qr": "HC1:" + "A" * 5000}, 413, "dcc_input_too_large"),
        ({"qr": "HC1:6BF", "at": "yesterday"}, 400, "invalid_input"),
    ],
)
def test_api_bad_input_is_a_clear_4xx(client, body, status, code):
    answer = post_verify(client, body)
    assert answer.status_code == status, answer.content
    data = answer.json()
    assert data["code"] == code and data["message_vi"] and data["message_en"]


def test_api_truncated_certificate_is_malformed(client, issued):
    data = post_verify(client, {"qr": issued.qr_text[: len(issued.qr_text) // 2]}).json()
    assert data["code"] == "dcc_malformed" and data["extra"]["reason"] in ("bad_base45", "bad_zlib")


def test_api_not_json_is_a_4xx(client):
    answer = client.post("/api/v1/certificates/verify", "qr=HC1", content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 415


def test_officials_list_their_area_and_revoke_through_the_api(client, areas, issued):
    official = make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"], username="yte_a")
    outsider = make_official(Official.Role.AREA_OFFICIAL, areas["other_commune"], username="yte_hn")
    client.force_login(outsider)
    assert client.get("/api/v1/certificates/").json()["count"] == 0
    assert client.get(f"/api/v1/certificates/{issued.pk}/").status_code == 404
    client.force_login(official)
    assert client.get("/api/v1/certificates/").json()["results"][0]["uvci"] == issued.uvci
    assert client.get(f"/api/v1/certificates/{issued.pk}/").json()["qr_text"] == issued.qr_text
    assert AuditLog.objects.filter(action="certificates.certificate.viewed").count() == 1
    url = f"/api/v1/certificates/{issued.pk}/revoke"
    for blank in ("", "   "):  # the API needs no tick, but a reason as the page does
        refused = client.post(url, {"reason": blank}, content_type="application/json")
        assert refused.status_code == 400 and refused.json()["code"] == "certificate_revoke_reason_required"
    issued.refresh_from_db()
    assert not issued.is_revoked
    answer = client.post(url, {"reason": "Sai thông tin"}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["revoked_at"]
    assert client.post(url, {"reason": "x"}, content_type="application/json").status_code == 409
    assert post_verify(client, {"qr": issued.qr_text}).json()["reason"] == "revoked"


def test_a_revocation_repeated_with_its_key_is_read_again_and_an_unknown_field_is_refused(client, areas, issued):
    """The answer names the person (initials): the store keeps the certificate's id, a repeat reads it again (audited)
    and revokes nothing more; the same key with another reason is 422. A field the revocation does not take is
    invalid_input naming it, and nothing is revoked."""
    from phongdich.core.models import IdempotencyKey

    client.force_login(make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"], username="yte_a"))
    url = f"/api/v1/certificates/{issued.pk}/revoke"
    typo = client.post(url, {"reason": "Sai thông tin", "revoked_reason": "x"}, content_type="application/json")
    assert typo.status_code == 400 and list(typo.json()["extra"]["fields"]) == ["revoked_reason"]
    issued.refresh_from_db()
    assert not issued.is_revoked

    key = {"HTTP_IDEMPOTENCY_KEY": "revoke-1"}
    first = client.post(url, {"reason": "Sai thông tin"}, content_type="application/json", **key)
    assert first.status_code == 200 and first.json()["revoked_at"]
    reads = AuditLog.objects.filter(action="certificates.certificate.viewed").count()
    again = client.post(url, {"reason": "Sai thông tin"}, content_type="application/json", **key)
    assert again.status_code == 200 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert AuditLog.objects.filter(action="certificates.certificate.viewed").count() == reads + 1
    assert IdempotencyKey.objects.get(key="revoke-1").response_body == {"id": issued.pk, "status": 200}
    other = client.post(url, {"reason": "Khác"}, content_type="application/json", **key)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


# --- Pages ----------------------------------------------------------------------------------------


def test_citizen_page_without_a_verified_session_goes_to_the_look_up(client):
    answer = client.get("/certificates/me/")
    assert answer.status_code == 302
    assert "next=%2Fcertificates%2Fme%2F" in answer["Location"]


def verified(client, person):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.session = client.session
    citizen_mark_verified(request, person)
    request.session.save()
    client.cookies["sessionid"] = request.session.session_key


def test_citizen_sees_issues_and_downloads_their_certificates(client, holder, source):
    source({holder.pk: [("dose:1", recent_dose())]})
    verified(client, holder)
    page = client.get("/certificates/me/")
    assert page.status_code == 200
    certificate = Certificate.objects.get(person=holder)
    body = page.content.decode()
    assert "<svg" in body and certificate.uvci in body
    assert AuditLog.objects.filter(action="certificates.certificate.listed_by_citizen").exists()
    # Looking again issues nothing new.
    client.get("/certificates/me/")
    assert Certificate.objects.filter(person=holder).count() == 1
    pdf = client.get(f"/certificates/me/{certificate.pk}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    png = client.get(f"/certificates/me/{certificate.pk}/qr.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    # The QR in the PDF decodes back to the same text.
    import pypdfium2
    import zxingcpp

    image = pypdfium2.PdfDocument(pdf.content)[0].render(scale=2).to_pil()
    assert certificate.qr_text in [
        found.text for found in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    ]


def test_citizens_cannot_fetch_someone_elses_certificate(client, areas, holder, issued):
    other = make_person(areas["commune_a"], name="Phạm Thị Dung", phone="+84912000333")
    verified(client, other)
    assert client.get(f"/certificates/me/{issued.pk}/certificate.pdf").status_code == 404
    assert client.get(f"/certificates/me/{issued.pk}/qr.png").status_code == 404


def test_verify_page_shows_the_verdict(client, issued):
    page = client.get("/certificates/verify/")
    assert page.status_code == 200 and b"camera-toggle" in page.content
    answer = client.post("/certificates/verify/", {"qr": issued.qr_text})
    assert b'class="verdict valid"' in answer.content and "Lê Văn Cường" in answer.content.decode()
    answer = client.post("/certificates/verify/", {"qr": "HC1:???"})
    assert b'class="verdict invalid"' in answer.content and b'data-reason="bad_base45"' in answer.content


def test_verify_page_shows_a_partial_course_in_amber_with_its_doses(client, holder):
    import dataclasses

    first = dataclasses.replace(recent_dose(), dose_number=1)
    partial = services.certificate_issue(person=holder, source_key="dose:6", facts=first)
    answer = client.post("/certificates/verify/", {"qr": partial.qr_text}).content.decode()
    assert 'class="verdict valid partial"' in answer
    assert "Mới tiêm một phần: mũi 1 trên 2, chưa đủ liều." in answer
    full = client.post(
        "/certificates/verify/",
        {"qr": services.certificate_issue(person=holder, source_key="dose:7", facts=recent_dose()).qr_text},
    ).content.decode()
    assert 'class="verdict valid"' in full and "verdict-partial" not in full


def test_official_pages_list_and_revoke_with_a_reason_and_the_tick(client, areas, issued):
    official = make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"], username="yte_page")
    client.force_login(official)
    assert issued.uvci in client.get("/certificates/").content.decode()
    page = client.get(f"/certificates/{issued.pk}/").content.decode()
    assert 'id="revoke"' in page and 'name="confirm"' in page and 'name="reason"' in page
    response = client.post(f"/certificates/{issued.pk}/", {"reason": "Nhập nhầm người", "confirm": "on"}, follow=True)
    assert response.status_code == 200 and "Đã thu hồi chứng nhận." in response.content.decode()
    assert 'id="revoke"' not in response.content.decode()  # a revoked certificate has no form
    issued.refresh_from_db()
    assert issued.is_revoked and issued.revoked_reason == "Nhập nhầm người" and issued.revoked_by == official
    audit = AuditLog.objects.get(action="certificates.certificate.revoked", object_id=str(issued.pk))
    assert audit.reason == "Nhập nhầm người"


@pytest.mark.parametrize(
    "body",
    [
        {"reason": "Nhập nhầm người"},
        {"reason": "Nhập nhầm người", "confirm": ""},
        {"confirm": "on"},
        {"reason": "  ", "confirm": "on"},
    ],
)
def test_official_page_revokes_nothing_without_the_tick_or_a_reason(client, areas, issued, body):
    """One click must not revoke: the form comes back (400) with what is missing, in the page's language."""
    client.force_login(make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"], username="yte_page"))
    response = client.post(f"/certificates/{issued.pk}/", body)
    html = response.content.decode()
    assert response.status_code == 400 and '<details class="card" id="revoke" open>' in html
    expected = "Hãy đánh dấu ô xác nhận" if not body.get("confirm") else "Cần ghi lý do thu hồi"
    assert expected in html
    issued.refresh_from_db()
    assert not issued.is_revoked
    assert not AuditLog.objects.filter(action="certificates.certificate.revoked").exists()


def test_official_page_says_in_english_that_the_tick_is_missing(client, areas, issued):
    client.force_login(make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"], username="yte_page"))
    response = client.post(f"/en/certificates/{issued.pk}/", {"reason": "Wrong person"})
    assert response.status_code == 400
    assert "Tick the box to confirm the revocation: it cannot be undone." in response.content.decode()
    issued.refresh_from_db()
    assert not issued.is_revoked


def test_official_page_revoking_twice_says_it_was_already_revoked(client, areas, issued):
    client.force_login(make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"], username="yte_page"))
    body = {"reason": "Nhập nhầm người", "confirm": "on"}
    assert client.post(f"/certificates/{issued.pk}/", body).status_code == 302
    response = client.post(f"/certificates/{issued.pk}/", body)  # a tab opened before
    assert response.status_code == 409 and "Chứng nhận này đã bị thu hồi trước đó." in response.content.decode()
    assert AuditLog.objects.filter(action="certificates.certificate.revoked").count() == 1


# --- Issued and printed at the desk ----------------------------------------------------------------------------


def test_an_official_issues_and_prints_a_persons_certificates_at_the_desk(client, areas, holder, source):
    source({holder.pk: [("dose:9", recent_dose())]})
    official = make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"], username="yte_ban")
    client.force_login(official)
    record = client.post(f"/people/{holder.pk}/", {"purpose": "other", "detail": "In giấy chứng nhận"})
    assert 'id="print-certificates"' in record.content.decode()
    page = client.post(f"/certificates/person/{holder.pk}/")
    assert page.status_code == 200
    certificate = Certificate.objects.get(person=holder, source_key="dose:9", is_current=True)
    text = page.content.decode()
    assert certificate.uvci in text and f"/certificates/{certificate.pk}/certificate.pdf" in text
    assert "Mũi tiêm 2/2" in text  # which dose each one is, to hand over the right paper
    desk = AuditLog.objects.get(action="certificates.certificate.issued_at_desk")
    assert (desk.actor, desk.object_id, desk.extra["certificates"]) == (official, str(holder.pk), [certificate.pk])
    reasons = AuditLog.objects.filter(action="people.person.viewed", object_id=str(holder.pk)).values_list("reason")
    assert sorted(reason for (reason,) in reasons) == [
        "certificates: issue and print at the desk",
        "other: In giấy chứng nhận",
    ]
    # A second visit issues nothing new.
    client.post(f"/certificates/person/{holder.pk}/")
    assert Certificate.objects.filter(person=holder).count() == 1
    pdf = client.get(f"/certificates/{certificate.pk}/certificate.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert pdf["Cache-Control"] == "private, no-store"
    assert AuditLog.objects.filter(action="certificates.certificate.viewed", object_id=str(certificate.pk)).exists()


def test_desk_certificates_are_for_officials_of_the_persons_area_only(client, areas, holder, issued, source):
    source({holder.pk: [("dose:9", recent_dose())]})
    other = make_official(Official.Role.AREA_OFFICIAL, areas["commune_b"], username="yte_khac")
    client.force_login(other)
    assert client.post(f"/certificates/person/{holder.pk}/").status_code == 404
    assert client.get(f"/certificates/{issued.pk}/certificate.pdf").status_code == 404
    assert client.post("/certificates/person/99999999999/").status_code == 404
    assert not Certificate.objects.filter(source_key="dose:9").exists()
    assert client.get(f"/certificates/person/{holder.pk}/").status_code == 405  # issuing is a POST
    staff = make_official(Official.Role.VENUE_STAFF, areas["commune_a"], username="quay_ve")
    client.force_login(staff)
    assert client.post(f"/certificates/person/{holder.pk}/").status_code in (403, 404)
    assert client.get(f"/certificates/{issued.pk}/certificate.pdf").status_code in (403, 404)
    assert not AuditLog.objects.filter(action="certificates.certificate.issued_at_desk").exists()


def test_a_revoked_certificate_is_not_printed(client, areas, issued):
    official = make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"], username="yte_in")
    services.certificate_revoke(actor=official, certificate=issued, reason="Nhập nhầm người")
    client.force_login(official)
    assert client.get(f"/certificates/{issued.pk}/certificate.pdf").status_code == 404
    assert (
        f"/certificates/{issued.pk}/certificate.pdf" not in client.get(f"/certificates/{issued.pk}/").content.decode()
    )


def test_the_commune_a_person_moved_to_prints_their_certificate(client, areas, holder, issued):
    from phongdich.people.models import Person

    Person.objects.filter(pk=holder.pk).update(area_path=areas["commune_b"].path)  # moved after the issue
    client.force_login(make_official(Official.Role.AREA_OFFICIAL, areas["commune_b"], username="yte_moi"))
    pdf = client.get(f"/certificates/{issued.pk}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
