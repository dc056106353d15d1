"""The citizen look-up: ID + date of birth → a code by SMS → the results page. No hint of who exists."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from phongdich.core.audit import AuditLog
from phongdich.notifications.models import Message
from phongdich.people.citizen import SESSION_KEY

from ..models import LookupCode
from ..services import result_enter
from .builders import BIRTH_1990, CCCD_1990, make_sample

URL = "/testing/lookup/"


@pytest.fixture
def tested(site, lab, person):
    sample = make_sample(site, person)
    result_enter(actor=lab, barcode=sample.barcode, outcome="negative", ct_value="40")
    return person


def start(client, id_number=CCCD_1990, birth_date=BIRTH_1990, **extra):
    data = {"step": "start", "id_number": id_number, "birth_date": birth_date.isoformat(), **extra}
    return client.post(URL, data, **({"REMOTE_ADDR": extra.pop("ip")} if "ip" in extra else {}))


def sent_code(person) -> str:
    """The code from the stored SMS (read before it is sent, as the outbox masks it after)."""
    message = Message.objects.filter(kind="otp", person=person).latest("pk")
    return re.search(r"\b(\d{6})\b", message.text).group(1)


def body_without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_right_code_verifies_the_session_and_shows_the_result(client, tested):
    response = start(client)
    assert response.status_code == 200 and 'id="lookup-code"' in response.content.decode()
    code = sent_code(tested)
    response = client.post(URL, {"step": "code", "code": code})
    assert response.status_code == 302 and response["Location"] == "/testing/me/"
    assert client.session[SESSION_KEY] == tested.pk
    page = client.get("/testing/me/").content.decode()
    assert "Âm tính" in page and "Ct 40,0" in page and "/certificates/me/" in page and "/vaccination/me/" in page
    assert AuditLog.objects.filter(action="testing.lookup.verified", object_id=str(tested.pk)).exists()
    assert AuditLog.objects.filter(action="testing.results.viewed_by_citizen", object_id=str(tested.pk)).exists()
    assert LookupCode.objects.get(person=tested).used_at is not None


def test_next_continues_to_another_local_page_but_never_off_site(client, tested):
    start(client, next="/certificates/me/")
    response = client.post(URL, {"step": "code", "code": sent_code(tested), "next": "/certificates/me/"})
    assert response["Location"] == "/certificates/me/"
    start(client)
    response = client.post(URL, {"step": "code", "code": sent_code(tested), "next": "https://evil.example/"})
    assert response["Location"] == "/testing/me/"


def test_the_otp_is_sent_by_sms_and_masked_once_sent(client, tested, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        start(client)
    message = Message.objects.get(kind="otp", person=tested)
    assert message.secret and message.status == "sent" and message.text == "••••••" and message.phone == tested.phone


def test_existing_and_unknown_people_get_the_same_answer(client, tested, settings):
    known = body_without_csrf(start(client))
    client.session.flush()
    unknown = body_without_csrf(start(client, id_number="038090009999"))
    wrong_birth = body_without_csrf(start(client, birth_date=dt.date(1990, 5, 18)))
    assert known == unknown == wrong_birth
    assert Message.objects.filter(kind="otp").count() == 1  # only the real person got a code


def test_wrong_details_and_wrong_code_give_the_same_generic_error(client, tested):
    start(client, id_number="038090009999")  # nobody: no code exists
    nobody = client.post(URL, {"step": "code", "code": "123456"})
    start(client)  # the real person, wrong code
    code = sent_code(tested)
    wrong = "000000" if code != "000000" else "111111"
    wrong_code = client.post(URL, {"step": "code", "code": wrong})
    assert nobody.status_code == wrong_code.status_code == 400
    assert body_without_csrf(nobody) == body_without_csrf(wrong_code)
    assert "Thông tin tra cứu hoặc mã xác thực không đúng." in nobody.content.decode()
    assert SESSION_KEY not in client.session


def test_after_max_attempts_even_the_right_code_is_refused(client, tested, settings):
    settings.TESTING_LOOKUP_MAX_ATTEMPTS = 3
    start(client)
    code = sent_code(tested)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        assert client.post(URL, {"step": "code", "code": wrong}).status_code == 400
    response = client.post(URL, {"step": "code", "code": code})
    assert response.status_code == 429 and SESSION_KEY not in client.session
    assert LookupCode.objects.get(person=tested).attempts == 3


def test_an_expired_code_is_refused(client, tested, settings, monkeypatch):
    start(client)
    code = sent_code(tested)
    later = timezone.now() + dt.timedelta(seconds=settings.TESTING_LOOKUP_CODE_TTL_SECONDS + 1)
    monkeypatch.setattr("phongdich.testing.lookup.timezone.now", lambda: later)
    response = client.post(URL, {"step": "code", "code": code})
    assert response.status_code == 400 and "hết hạn" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_rate_limit_per_id_number(client, tested, settings):
    settings.TESTING_LOOKUP_PER_ID = 2
    assert start(client).status_code == 200
    assert start(client).status_code == 200
    response = start(client)
    assert response.status_code == 429 and "testing_lookup_rate_limited" in response.content.decode()
    assert Message.objects.filter(kind="otp").count() == 2


def test_rate_limit_per_address_across_id_numbers(client, db, settings):
    settings.TESTING_LOOKUP_PER_IP = 3
    statuses = [start(client, id_number=f"03809000{index:04d}").status_code for index in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_a_malformed_id_number_is_a_format_error_not_a_hint(client, db):
    response = start(client, id_number="12ab")
    assert response.status_code == 400 and 'id="lookup-start"' in response.content.decode()


def test_the_demo_echo_shows_a_code_for_everyone_and_only_when_enabled(client, tested, settings):
    assert "demo-echo" not in start(client).content.decode()
    settings.SMS_ECHO_ON_PAGE = True
    page = start(client).content.decode()
    assert f"<strong>{sent_code(tested)}</strong>" in page
    assert "demo-echo" in start(client, id_number="038090009999").content.decode()  # no hint there either


def test_results_page_needs_a_verified_session_and_shows_only_own_pdf(client, tested, site, lab, areas):
    from .builders import make_person

    assert client.get("/testing/me/")["Location"].startswith("/testing/lookup/?next=/testing/me/")
    other = make_person(areas["commune_a"], name="Người Khác", phone="+84987000111", citizen_id="038190007777")
    other_result = result_enter(actor=lab, barcode=make_sample(site, other).barcode, outcome="negative")
    start(client)
    client.post(URL, {"step": "code", "code": sent_code(tested)})
    own = tested.samples.get().results.get()
    response = client.get(f"/testing/me/results/{own.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert client.get(f"/testing/me/results/{other_result.pk}.pdf").status_code == 404


def test_prune_deletes_only_codes_expired_more_than_a_day_ago(client, tested):
    from django.core.management import call_command

    start(client)
    LookupCode.objects.create(
        person=tested,
        challenge="old",
        code_hash="x",
        created_at=timezone.now(),
        expires_at=timezone.now() - dt.timedelta(days=2),
    )
    call_command("testing_prune")
    assert list(LookupCode.objects.values_list("challenge", flat=True)) != ["old"]
    assert LookupCode.objects.count() == 1


def test_a_record_planted_with_my_id_and_birth_date_cannot_take_my_look_up(client, tested, areas):
    """Anyone may type an ID number at a public form: a stranger who knew my CCCD and birth date registered them
    with their own phone, and the code for my look-up went to the newest record's phone, theirs. Now each phone
    on record gets its own code, and a code opens only the record of the phone it was sent to."""
    from .builders import make_person

    planted = make_person(areas["commune_a"], name="Kẻ Giả Danh", phone="+84987654321")
    start(client)
    mine, theirs = sent_code(tested), sent_code(planted)
    assert mine != theirs
    assert client.post(URL, {"step": "code", "code": mine}).status_code == 302
    assert client.session[SESSION_KEY] == tested.pk
    assert LookupCode.objects.filter(used_at__isnull=True).count() == 0  # the look-up is over: theirs is spent

    other = client.__class__()
    start(other)
    other.post(URL, {"step": "code", "code": sent_code(planted)})
    assert other.session[SESSION_KEY] == planted.pk  # their own record, which holds none of my results


def test_planted_records_cannot_make_the_look_up_send_sms_without_bound(client, tested, areas):
    from .builders import make_person

    for n in range(6):
        make_person(areas["commune_a"], name=f"Giả {n}", phone=f"+8498765430{n}")
    start(client)
    assert Message.objects.filter(kind="otp").count() == 3  # lookup.MAX_PHONES_PER_LOOKUP
