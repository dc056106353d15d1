"""The owner of a record that a phone holds only as LINKED shows its QR code there with a code sent by SMS to the
phone on the record (/c/me/claim/, services.claim_*). Nobody else can: the code goes to the record's phone, only
a record this very device holds as linked can be claimed, and tries and codes are limited."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from phongdich.checkins import errors, services
from phongdich.checkins.models import ClaimCode
from phongdich.checkins.views import DEVICE_COOKIE
from phongdich.core.audit import AuditLog
from phongdich.core.testing import make_province_with_communes
from phongdich.notifications.models import Message
from phongdich.notifications.services import MASK
from phongdich.people.models import Person

from .builders import clear_caches, make_code, make_venue

CLAIM = "/c/me/claim/"
DECLARATION = {
    "action": "declare",
    "full_name": "Nguyễn Thị Lan",
    "phone": "0912 345 678",
    "birth_year": "1990",
    "citizen_id": "",
    "has_symptoms": "no",
    "had_contact": "no",
    "travelled": "no",
}
MASKED = "09••••••78"


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_caches()
    cache.clear()  # the per-address and per-phone limits
    yield
    clear_caches()


@pytest.fixture
def code(db):
    areas = make_province_with_communes()
    return make_code(make_venue(areas["commune_a"], name="Chợ Thạch Lập"), label="Cổng chính")


def declare(client, code, nonce, **changes):
    return client.post(f"/c/{code.token}", {**DECLARATION, "nonce": nonce, **changes})


@pytest.fixture
def owner(code):
    """The phone that created Lan's record: it shows her QR code."""
    client = Client()
    declare(client, code, "owner-1")
    return client


@pytest.fixture
def lan(owner):
    return Person.objects.get()


@pytest.fixture
def new_phone(code, lan):
    """Lan's new phone: she declared again with the same details, so the record is found and held LINKED."""
    client = Client()
    declare(client, code, "new-1")
    return client


def sent_code(person) -> str:
    """The code from the stored SMS (read before it is sent, as the outbox masks it after)."""
    message = Message.objects.filter(kind="otp", person=person).latest("pk")
    return re.search(r"\b(\d{6})\b", message.text).group(1)


def send(client, person, **extra):
    return client.post(CLAIM, {"step": "send", "person": getattr(person, "public_id", person), **extra})


def verify(client, code, **extra):
    return client.post(CLAIM, {"step": "verify", "code": code, **extra})


def page(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_the_qr_page_offers_a_code_to_the_masked_number_on_the_record(new_phone, lan):
    html = new_phone.get("/c/me/").content.decode()
    assert "<svg" not in html
    assert f"Gửi mã đến {MASKED}" in html and f"Send a code to {MASKED}" in html
    assert "0912345678" not in html and "+84912345678" not in html
    assert "chưa ghi nhớ ai" not in html  # "no one is remembered" is not said of a linked person


def test_the_owner_gets_the_qr_code_on_the_new_phone_with_the_code(new_phone, lan):
    response = send(new_phone, lan)
    assert response.status_code == 200
    assert f"{MASKED}" in page(response) and 'name="code"' in page(response)

    response = verify(new_phone, sent_code(lan))

    assert response.status_code == 302 and response["Location"] == "/c/me/"
    # The cookie is rewritten without the LINKED mark: this phone now shows her code and her history.
    assert "~" not in response.cookies[DEVICE_COOKIE].value
    assert "<svg" in new_phone.get("/c/me/").content.decode()
    assert "Gửi mã" not in new_phone.get("/c/me/").content.decode()
    assert ClaimCode.objects.get().used_at is not None
    entry = AuditLog.objects.get(action="checkins.claim.verified")
    assert entry.object_id == str(lan.pk) and entry.area_path == lan.area_path and entry.ip == "127.0.0.1"
    assert AuditLog.objects.filter(action="checkins.claim.code_sent", object_id=str(lan.pk)).count() == 1


def test_the_code_also_unlocks_the_declaration_history_and_returns_there(new_phone, lan):
    index = new_phone.get("/declarations/").content.decode()
    assert f"Gửi mã đến {MASKED}" in index and 'name="next" value="/declarations/"' in index

    send(new_phone, lan, next="/declarations/")
    response = verify(new_phone, sent_code(lan), next="/declarations/")

    assert response.status_code == 302 and response["Location"] == "/declarations/"
    index = new_phone.get("/declarations/").content.decode()
    assert "found, not created" not in index and "Gửi mã" not in index


def test_a_wrong_code_is_refused_and_the_record_stays_linked(new_phone, lan):
    send(new_phone, lan)
    right = sent_code(lan)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = verify(new_phone, wrong)

    assert response.status_code == 400
    assert errors.CLAIM_FAILED.vi in page(response) and errors.CLAIM_FAILED.en in page(response)
    assert DEVICE_COOKIE not in response.cookies
    assert "<svg" not in new_phone.get("/c/me/").content.decode()
    assert ClaimCode.objects.get().attempts == 1
    # The right code still works after a wrong one.
    assert verify(new_phone, right).status_code == 302


def test_too_many_wrong_codes_void_the_code_and_a_new_one_must_be_asked(new_phone, lan, settings):
    settings.CHECKIN_CLAIM_MAX_ATTEMPTS = 3
    send(new_phone, lan)
    right = sent_code(lan)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert verify(new_phone, wrong).status_code == 400
    assert verify(new_phone, wrong).status_code == 400

    third = verify(new_phone, wrong)

    assert third.status_code == 429 and errors.CLAIM_LOCKED.vi in page(third)
    assert 'name="code"' not in page(third) and 'value="send"' in page(third)  # only "send a new code" is offered
    assert verify(new_phone, right).status_code == 404  # no code pending on this browser any more
    assert "<svg" not in new_phone.get("/c/me/").content.decode()
    # A new code works.
    send(new_phone, lan)
    assert verify(new_phone, sent_code(lan)).status_code == 302


def test_the_tries_are_counted_in_the_table_not_in_the_session(lan):
    started = services.claim_code_send(person=lan, ip=None)
    wrong = f"{(int(started.code) + 1) % 1_000_000:06d}"
    for _ in range(5):  # as five fresh sessions would, each with the challenge
        with pytest.raises(services.ApplicationError):
            services.claim_code_verify(person=lan, challenge=started.challenge, code=wrong, ip=None)
    with pytest.raises(services.ApplicationError) as refused:
        services.claim_code_verify(person=lan, challenge=started.challenge, code=started.code, ip=None)
    assert refused.value.error == errors.CLAIM_LOCKED


def test_an_expired_code_is_refused(new_phone, lan, settings, monkeypatch):
    send(new_phone, lan)
    later = timezone.now() + dt.timedelta(seconds=settings.CHECKIN_CLAIM_CODE_TTL_SECONDS + 1)
    monkeypatch.setattr("phongdich.checkins.services.timezone.now", lambda: later)

    response = verify(new_phone, sent_code(lan))

    assert response.status_code == 400 and errors.CLAIM_EXPIRED.en in page(response)
    assert "<svg" not in new_phone.get("/c/me/").content.decode()


def test_a_used_code_cannot_be_replayed(lan):
    started = services.claim_code_send(person=lan, ip=None)
    services.claim_code_verify(person=lan, challenge=started.challenge, code=started.code, ip=None)
    with pytest.raises(services.ApplicationError) as replayed:
        services.claim_code_verify(person=lan, challenge=started.challenge, code=started.code, ip=None)
    assert replayed.value.error == errors.CLAIM_EXPIRED


def test_a_replayed_verify_post_after_the_claim_is_a_4xx(new_phone, lan):
    send(new_phone, lan)
    code = sent_code(lan)
    assert verify(new_phone, code).status_code == 302
    assert verify(new_phone, code).status_code == 404


def test_only_a_record_this_device_holds_as_linked_can_be_claimed(code, owner, lan, new_phone):
    declare(new_phone, code, "new-2", full_name="Lê Minh", birth_year="1970", phone="0987654321")
    minh = Person.objects.get(full_name="Lê Minh")  # created by this phone: not linked
    stranger = Person.objects.create(
        full_name="Trần Văn Bình", name_folded="tran van binh", phone="+84977000111", birth_year=1980, area_path="38/"
    )
    answers = [
        send(owner, lan),  # the owner's own phone: created there, nothing to claim
        send(new_phone, minh),
        send(new_phone, stranger),  # a real public id, not on this device
        send(new_phone, "x" * 500),
        send(new_phone, ""),
        new_phone.post(CLAIM, {"step": "send"}),
    ]
    assert {response.status_code for response in answers} == {404}
    assert len({page(response) for response in answers}) == 1  # the same answer whatever the id
    assert errors.CLAIM_NOT_FOUND.vi in page(answers[0])
    assert Message.objects.filter(kind="otp").count() == 0
    assert ClaimCode.objects.count() == 0


def test_a_code_is_valid_only_in_the_browser_that_asked_for_it(code, new_phone, lan):
    other = Client()
    declare(other, code, "other-1")  # another phone that also holds Lan's record as linked
    send(new_phone, lan)
    assert verify(other, sent_code(lan)).status_code == 404  # it asked for nothing
    assert "<svg" not in other.get("/c/me/").content.decode()


def test_sending_is_limited_per_phone_number(new_phone, lan, settings):
    settings.CHECKIN_CLAIM_PER_PHONE = 2
    assert send(new_phone, lan).status_code == 200
    assert send(new_phone, lan).status_code == 200

    cache.clear()  # counted in the database: another server process (its own cache without Redis) counts the same
    response = send(new_phone, lan, REMOTE_ADDR="10.0.0.9")  # another network: the number's limit still holds

    assert response.status_code == 429 and errors.CLAIM_RATE_LIMITED.vi in page(response)
    assert Message.objects.filter(kind="otp").count() == 2


def test_the_code_sms_is_one_plain_part(lan, settings):
    """160 GSM-7 characters at most at the default validity: a second part doubles what each code costs."""
    assert settings.CHECKIN_CLAIM_CODE_TTL_SECONDS == 600
    started = services.claim_code_send(person=lan, ip=None)
    text = Message.objects.filter(kind="otp", person=lan).latest("pk").text  # not sent yet: not masked
    assert started.code in text and len(text) <= 160 and text.isascii(), (len(text), text)


def test_a_code_voided_by_wrong_tries_is_audited(lan):
    started = services.claim_code_send(person=lan, ip="10.0.0.7")
    wrong = f"{(int(started.code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(services.ApplicationError):
            services.claim_code_verify(person=lan, challenge=started.challenge, code=wrong, ip="10.0.0.7")
    locked = AuditLog.objects.get(action="checkins.claim.locked")
    assert (locked.object_id, locked.ip) == (str(lan.pk), "10.0.0.7")


def test_sending_is_limited_per_address(code, lan, settings):
    settings.CHECKIN_CLAIM_PER_IP = 2
    family = [("Nguyễn Thị Lan", "0912345678"), ("Lê Minh", "0987654321"), ("Phạm Hoa", "0977123456")]
    owner, shared = Client(), Client()
    for i, (name, phone) in enumerate(family[1:]):
        declare(owner, code, f"o{i}", full_name=name, phone=phone)
    for i, (name, phone) in enumerate(family):
        declare(shared, code, f"s{i}", full_name=name, phone=phone)
    people = [Person.objects.get(full_name=name) for name, _ in family]
    assert shared.get("/c/me/").content.decode().count('value="send"') == 3  # all three held as linked

    answers = [send(shared, person).status_code for person in people]

    assert answers == [200, 200, 429]
    assert Message.objects.filter(kind="otp").count() == 2


def test_the_sms_code_is_masked_in_the_outbox_once_sent(new_phone, lan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(new_phone, lan)
    message = Message.objects.get(kind="otp", person=lan)
    assert message.secret and message.status == "sent" and message.text == MASK and message.phone == lan.phone


def test_the_demo_shows_the_code_on_the_page(new_phone, lan, settings):
    settings.SMS_ECHO_ON_PAGE = True
    response = send(new_phone, lan)
    assert f"<strong>{sent_code(lan)}</strong>" in page(response)
    settings.SMS_ECHO_ON_PAGE = False
    assert 'id="demo-echo"' not in page(send(new_phone, lan))


def test_garbage_is_a_4xx_with_both_languages_never_a_500(new_phone, lan):
    assert verify(new_phone, "123456").status_code == 404  # nothing asked yet on this browser
    send(new_phone, lan)
    for typed in ["12a456", "abcdef", "", "1" * 5, "1" * 7, "9" * 5000, "١٢٣٤٥٦"]:
        response = verify(new_phone, typed)
        assert response.status_code == 400, typed
        assert errors.CLAIM_CODE_FORMAT.vi in page(response) and errors.CLAIM_CODE_FORMAT.en in page(response)
    assert ClaimCode.objects.get().attempts == 0  # a code that cannot be right is not a try
    for data in [{}, {"step": "nonsense"}, {"step": "send", "person": ["a", "b"]}]:
        assert new_phone.post(CLAIM, data).status_code in (400, 404)
    assert new_phone.get(CLAIM).status_code == 200  # the pending code's page
    assert Client().get(CLAIM).status_code == 302  # nothing pending: back to /c/me/
    assert verify(new_phone, " 12 34 56 ").status_code in (302, 400)  # spaces of a copied SMS are ignored


def test_codes_expired_a_day_ago_are_pruned(lan):
    now = timezone.now()
    for challenge, expires in [("old", now - dt.timedelta(days=2)), ("recent", now - dt.timedelta(hours=1))]:
        ClaimCode.objects.create(person=lan, challenge=challenge, code_hash="x", created_at=now, expires_at=expires)
    assert services.claim_codes_prune(now=now) == 1
    assert list(ClaimCode.objects.values_list("challenge", flat=True)) == ["recent"]
