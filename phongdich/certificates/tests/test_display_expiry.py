"""What the verifier page prints (type, dose n/m, vaccine, test result and local sample time), the localised
certificate fields, and test certificates past their window: never signed, marked expired where shown."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from phongdich.accounts.models import Official
from phongdich.certificates import services
from phongdich.certificates.models import Certificate
from phongdich.certificates.sources import RecoveryFacts, VaccinationFacts
from phongdich.certificates.sources import TestFacts as DccTestFacts
from phongdich.checkins.tests.builders import make_person
from phongdich.core.errors import ApplicationError
from phongdich.core.testing import make_official, make_province_with_communes

from .test_cli_api_pages import verified

pytestmark = pytest.mark.django_db


def dose(number: int, of: int) -> VaccinationFacts:
    return VaccinationFacts(
        vaccine_prophylaxis="1119349007",
        medicinal_product="EU/1/20/1528",
        manufacturer="ORG-100030215",
        dose_number=number,
        total_doses=of,
        given_on=dt.date(2026, 10, 27),
    )


def negative_test(sampled_at: dt.datetime) -> DccTestFacts:
    return DccTestFacts(
        test_type="LP6464-4", sampled_at=sampled_at, result="260415000", facility="CDC Thanh Hóa", test_name="RT-PCR"
    )


@pytest.fixture
def areas(db):
    return make_province_with_communes()


@pytest.fixture
def holder(areas):
    person = make_person(areas["commune_a"], name="Trần Thị Minh Thư", phone="+84912000444")
    person.birth_date = dt.date(1992, 3, 14)
    person.save()
    return person


def verdict(client, qr_text: str, prefix: str = "") -> str:
    answer = client.post(f"{prefix}/certificates/verify/", {"qr": qr_text})
    assert answer.status_code == 200
    body = answer.content.decode()
    return body[body.index('id="verdict"') : body.index('id="verify-form"')]


def test_verifier_tells_dose_1_of_2_from_a_full_course_in_the_page_language(client, holder):
    first = services.certificate_issue(person=holder, source_key="dose:1", facts=dose(1, 2))
    second = services.certificate_issue(person=holder, source_key="dose:2", facts=dose(2, 2))
    one, two = verdict(client, first.qr_text), verdict(client, second.qr_text)
    assert 'class="verdict valid partial"' in one and "Loại chứng nhận" in one and "Tiêm chủng" in one
    assert 'class="verdict valid"' in two
    # The field itself: "1/2" is also in a date of January or November ("01/01/2028").
    assert "<dd>1/2</dd>" in one and "<dd>2/2</dd>" in two and "<dd>1/2</dd>" not in two
    assert "Comirnaty" in one and "<dd>27/10/2026</dd>" in one and "Ngày sinh: 14/03/1992" in one
    english = verdict(client, first.qr_text, prefix="/en")
    assert "Certificate type" in english and "Vaccination" in english and "<dd>1/2</dd>" in english
    assert "Partly vaccinated: dose 1 of 2, not a full course." in english


def test_verifier_prints_a_tests_type_result_and_local_sample_time(client, holder):
    sampled = timezone.now().replace(microsecond=0) - dt.timedelta(hours=2)
    certificate = services.certificate_issue(person=holder, source_key="result:1", facts=negative_test(sampled))
    text = verdict(client, certificate.qr_text)
    local = timezone.localtime(sampled, dt.timezone(dt.timedelta(hours=7)))
    assert "Xét nghiệm khuếch đại axit nucleic (RT-PCR)" in text and "Không phát hiện (âm tính)" in text
    assert f"<dd>{local:%d/%m/%Y %H:%M}</dd>" in text
    english = verdict(client, certificate.qr_text, prefix="/en")
    assert "Not detected (negative)" in english and "Sample collected" in english


def test_verifier_page_loads_the_verdict_colours(client, holder):
    page = client.get("/certificates/verify/").content.decode()
    assert "certificates/verify.css" in page
    from django.contrib.staticfiles import finders

    css = open(finders.find("certificates/verify.css"), encoding="utf-8").read()
    assert ".verdict.valid" in css and ".verdict.invalid" in css


def test_an_expired_test_is_not_signed_and_the_citizen_sees_only_live_ones(client, holder, source):
    old = timezone.now() - dt.timedelta(days=3, hours=7)
    fresh = timezone.now() - dt.timedelta(hours=5)
    with pytest.raises(ApplicationError) as caught:
        services.certificate_issue(person=holder, source_key="result:old", facts=negative_test(old))
    assert caught.value.code == "certificate_validity_ended"
    source({holder.pk: [("result:old", negative_test(old)), ("result:fresh", negative_test(fresh))]})
    verified(client, holder)
    page = client.get("/certificates/me/")
    assert page.status_code == 200
    issued = Certificate.objects.get(person=holder)
    assert issued.source_key == "result:fresh" and issued.expires_at > issued.issued_at
    assert "đã hết hạn" not in page.content.decode()


def test_a_certificate_past_its_expiry_is_marked_expired_for_the_citizen_and_officials(client, areas, holder, source):
    sampled = timezone.now() - dt.timedelta(hours=71)
    source({holder.pk: [("result:1", negative_test(sampled))]})
    certificate = services.certificate_issue(person=holder, source_key="result:1", facts=negative_test(sampled))
    Certificate.objects.filter(pk=certificate.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    verified(client, holder)
    page = client.get("/certificates/me/").content.decode()
    assert "Chứng nhận này đã hết hạn" in page and certificate.uvci in page  # shown, not re-signed
    assert Certificate.objects.filter(person=holder).count() == 1
    official = make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"], username="yte_expiry")
    client.force_login(official)
    listing = client.get("/certificates/").content.decode()
    row = listing[listing.index(certificate.uvci) :]
    assert "Đã hết hạn" in row[: row.index("</tr>")]
    assert certificate.uvci not in client.get("/certificates/?status=valid").content.decode()
    assert certificate.uvci in client.get("/certificates/?status=expired").content.decode()


def test_certificate_fields_are_in_the_page_language_with_local_dates(client, holder, source):
    sampled = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=3)
    source({holder.pk: [("dose:1", dose(1, 2)), ("result:1", negative_test(sampled))]})
    verified(client, holder)
    page = client.get("/certificates/me/").content.decode()
    local = timezone.localtime(sampled, dt.timezone(dt.timedelta(hours=7)))
    assert "Nước tiêm" in page and "Quốc tịch" not in page
    assert "14/03/1992" in page and "1992-03-14" not in page and "27/10/2026" in page
    assert "Không phát hiện (âm tính)" in page and "Not detected" not in page
    assert "Vắc xin mRNA phòng SARS-CoV-2" in page and f"{local:%d/%m/%Y %H:%M}" in page
    # No raw UTC time (2026-12-06T05:48:00Z); a certificate's id may end in Z by chance (its check character), and
    # the QR code's own text (data-qr, base45: digits, capitals and ':') held "07:32Z" once in a run.
    shown = re.sub(r'data-qr="[^"]*"', "", page)
    assert not re.search(r"\d{2}:\d{2}(:\d{2})?Z", shown)


def test_a_recovery_certificate_before_its_df_is_not_yet_valid_and_counts_through_its_du(client, areas, holder, source):
    # Found in a walk-through: recorded recovered today, df ten days on, yet listed "Còn hiệu lực", and "valid until"
    # printed as the day after du (its expiry is the next day's 00:00).
    today = timezone.localdate()
    facts = RecoveryFacts(
        first_positive_on=today - dt.timedelta(days=1),
        valid_from=today + dt.timedelta(days=10),
        valid_until=today + dt.timedelta(days=180),
    )
    source({holder.pk: [("recovery:1", facts)]})
    certificate = services.certificate_issue(person=holder, source_key="recovery:1", facts=facts)
    assert timezone.localtime(certificate.valid_from).date() == facts.valid_from
    assert certificate.is_not_yet_valid and not certificate.is_expired
    df, du = f"{facts.valid_from:%d/%m/%Y}", f"{facts.valid_until:%d/%m/%Y}"
    day_after = f"{facts.valid_until + dt.timedelta(days=1):%d/%m/%Y}"
    verified(client, holder)
    page = client.get("/certificates/me/").content.decode()
    assert f"Chưa có hiệu lực: nơi kiểm tra chấp nhận từ {df}." in page
    assert f"{du} 23:59" in page and day_after not in page
    official = make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"], username="yte_recovery")
    client.force_login(official)
    listing = client.get("/certificates/").content.decode()
    row = listing[listing.index(certificate.uvci) :]
    assert f"Chưa có hiệu lực: từ {df}" in row[: row.index("</tr>")] and "Còn hiệu lực" not in row[: row.index("</tr>")]
    assert certificate.uvci not in client.get("/certificates/?status=valid").content.decode()
    assert certificate.uvci in client.get("/certificates/?status=not_yet_valid").content.decode()
    detail = client.get(f"/certificates/{certificate.pk}/").content.decode()
    assert f"Hiệu lực từ: {df}" in detail and f"{du} 23:59" in detail and day_after not in detail
    assert (
        client.get(f"/api/v1/certificates/{certificate.pk}/")
        .json()["valid_from"]
        .startswith(f"{facts.valid_from.isoformat()}T00:00:00+07:00")
    )
    # Once df has come, it is valid like any other.
    Certificate.objects.filter(pk=certificate.pk).update(valid_from=timezone.now() - dt.timedelta(minutes=1))
    assert certificate.uvci in client.get("/certificates/?status=valid").content.decode()


def test_an_unknown_filter_of_the_api_list_is_refused_not_ignored(client, areas):
    official = make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"], username="yte_filter")
    client.force_login(official)
    answer = client.get("/api/v1/certificates/?status=bogus&kind=v", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "certificates_invalid_filter"
    assert body["extra"] == {"fields": ["status"], "status": "bogus"} and "not_yet_valid" in body["message"]
    assert client.get("/api/v1/certificates/?status=not_yet_valid&kind=r").status_code == 200
