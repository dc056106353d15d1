from datetime import timedelta

import pytest
from django.utils import timezone

from phongdich.accounts.models import Official
from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.core.testing import make_official, make_province_with_communes, make_user
from phongdich.people.models import Person
from phongdich.venues.models import Venue

from .. import services
from ..auth import device_for_token, hash_device_token
from ..models import CheckIn, ScannerDevice
from . import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_caches():
    b.clear_caches()
    yield
    b.clear_caches()


@pytest.fixture
def areas():
    return make_province_with_communes()


@pytest.fixture
def venue(areas):
    return b.make_venue(areas["commune_a"])


@pytest.fixture
def code(venue):
    return b.make_code(venue)


@pytest.fixture
def person(areas):
    return b.make_person(areas["commune_a"])


def _refused(code_name, func, **kwargs):
    before = CheckIn.objects.count()
    with pytest.raises(ApplicationError) as info:
        func(**kwargs)
    assert info.value.code == code_name
    assert CheckIn.objects.count() == before
    return info.value


# --- self check-in ---------------------------------------------------------------------------------


def test_self_checkin_records_visit_with_answers_and_venue_area(code, person):
    checkin = services.checkin_self(
        code_token=code.token, person=person, has_symptoms=False, had_contact=True, travelled=None
    )
    checkin.refresh_from_db()
    assert checkin.venue_id == code.venue_id and checkin.code_id == code.pk
    assert checkin.area_path == code.venue.area_path
    assert checkin.source == CheckIn.Source.SELF_SCAN
    assert (checkin.has_symptoms, checkin.had_contact, checkin.travelled) == (False, True, None)
    assert checkin.checked_in_at == checkin.received_at


def test_unknown_code_is_refused_and_writes_nothing(person):
    kwargs = dict(person=person, has_symptoms=None, had_contact=None, travelled=None)
    _refused("unknown_code", services.checkin_self, code_token="no-such-code-token-xx", **kwargs)
    _refused("unknown_code", services.checkin_self, code_token="bad token ☃", **kwargs)
    _refused("unknown_code", services.checkin_self, code_token="", **kwargs)


def test_revoked_code_is_refused(code, person):
    code.revoked_at = timezone.now() - timedelta(seconds=1)
    code.save()
    _refused(
        "code_revoked",
        services.checkin_self,
        code_token=code.token,
        person=person,
        has_symptoms=None,
        had_contact=None,
        travelled=None,
    )


@pytest.mark.parametrize("status", [Venue.Status.PENDING, Venue.Status.REJECTED, Venue.Status.SUSPENDED])
def test_venue_not_verified_is_refused(areas, person, status):
    code = b.make_code(b.make_venue(areas["commune_a"], status=status))
    _refused(
        "venue_not_verified",
        services.checkin_self,
        code_token=code.token,
        person=person,
        has_symptoms=None,
        had_contact=None,
        travelled=None,
    )


def test_same_nonce_records_one_checkin(code, person):
    kwargs = dict(code_token=code.token, person=person, has_symptoms=None, had_contact=None, travelled=None)
    first = services.checkin_self(nonce="tap-1", **kwargs)
    again = services.checkin_self(nonce="tap-1", **kwargs)
    assert again.pk == first.pk and again.replayed and not first.replayed
    assert CheckIn.objects.count() == 1


def test_self_declare_refuses_invalid_phone_and_creates_nobody(code):
    before = Person.objects.count()
    _refused(
        "invalid_phone",
        services.checkin_self_declare,
        code_token=code.token,
        full_name="Lê Thị Bình",
        phone="12345",
        birth_year=1980,
        has_symptoms=False,
        had_contact=False,
        travelled=False,
    )
    assert Person.objects.count() == before


def test_self_declare_on_unknown_code_creates_nobody():
    before = Person.objects.count()
    _refused(
        "unknown_code",
        services.checkin_self_declare,
        code_token="unknown-token-123",
        full_name="Lê Thị Bình",
        phone="0912345678",
        birth_year=1980,
        has_symptoms=False,
        had_contact=False,
        travelled=False,
    )
    assert Person.objects.count() == before


# --- staff scan ------------------------------------------------------------------------------------


def test_device_scan_keeps_scan_time_and_receive_time(venue, person):
    device, _token = b.make_device(venue)
    now = timezone.now()
    scanned = now - timedelta(minutes=3)
    checkin = services.checkin_staff_scan(actor=device, personal_qr=b.personal_qr(person), scanned_at=scanned, now=now)
    checkin.refresh_from_db()
    assert checkin.checked_in_at == scanned and checkin.received_at == now
    assert checkin.device_id == device.pk and checkin.venue_id == venue.pk
    assert checkin.source == CheckIn.Source.STAFF_SCAN


@pytest.mark.parametrize(
    ("qr", "code_name"),
    [("PD1:AAAA", "personal_qr_malformed"), ("garbage", "personal_qr_malformed"), ("", "personal_qr_malformed")],
)
def test_malformed_personal_qr_is_refused(venue, qr, code_name):
    device, _ = b.make_device(venue)
    _refused(code_name, services.checkin_staff_scan, actor=device, personal_qr=qr)


def test_forged_personal_qr_is_refused(venue, person):
    import base64

    import cbor2

    device, _ = b.make_device(venue)
    token = b.personal_qr(person)
    text = token[4:]
    kid, claims, signature = cbor2.loads(base64.b32decode(text + "=" * (-len(text) % 8)))
    forged_claims = cbor2.loads(claims)
    forged_claims[1] = "someone-else-public-id"
    body = cbor2.dumps([kid, cbor2.dumps(forged_claims, canonical=True), signature])
    forged = "PD1:" + base64.b32encode(body).decode().rstrip("=")
    _refused("personal_qr_bad_signature", services.checkin_staff_scan, actor=device, personal_qr=forged)


def test_expired_personal_qr_is_refused(venue, person):
    device, _ = b.make_device(venue)
    old = b.personal_qr(person, now=timezone.now() - timedelta(days=3))
    _refused("personal_qr_expired", services.checkin_staff_scan, actor=device, personal_qr=old)


def test_personal_qr_of_deleted_person_is_unknown_person(venue, areas):
    device, _ = b.make_device(venue)
    ghost = b.make_person(areas["commune_a"], name="Người Đã Xóa")
    token = b.personal_qr(ghost)
    ghost.delete()
    _refused("unknown_person", services.checkin_staff_scan, actor=device, personal_qr=token)


def test_scan_in_future_beyond_skew_is_refused_within_skew_accepted(venue, person, settings):
    settings.CHECKIN_CLOCK_SKEW_SECONDS = 300
    device, _ = b.make_device(venue)
    now = timezone.now()
    token = b.personal_qr(person, now=now)
    _refused(
        "scan_in_future",
        services.checkin_staff_scan,
        actor=device,
        personal_qr=token,
        scanned_at=now + timedelta(seconds=301),
        now=now,
    )
    services.checkin_staff_scan(actor=device, personal_qr=token, scanned_at=now + timedelta(seconds=299), now=now)
    assert CheckIn.objects.count() == 1


def test_scan_too_old_is_refused(venue, person, settings):
    settings.CHECKIN_BATCH_MAX_AGE_DAYS = 14
    device, _ = b.make_device(venue)
    now = timezone.now()
    scanned = now - timedelta(days=15)
    token = b.personal_qr(person, now=scanned - timedelta(hours=1))
    _refused("scan_too_old", services.checkin_staff_scan, actor=device, personal_qr=token, scanned_at=scanned, now=now)


def test_device_cannot_scan_at_another_venue(areas, venue, person):
    device, _ = b.make_device(venue)
    other_code = b.make_code(b.make_venue(areas["commune_a"]))
    _refused(
        "not_venue_staff",
        services.checkin_staff_scan,
        actor=device,
        personal_qr=b.personal_qr(person),
        code_token=other_code.token,
    )


def test_user_staff_scan_needs_membership_or_area_official(areas, venue, code, person):
    token = b.personal_qr(person)
    stranger = make_user()
    _refused("not_venue_staff", services.checkin_staff_scan, actor=stranger, personal_qr=token, code_token=code.token)
    other_official = make_official(Official.Role.AREA_OFFICIAL, areas["commune_b"])
    _refused(
        "not_venue_staff", services.checkin_staff_scan, actor=other_official, personal_qr=token, code_token=code.token
    )
    staff = make_user()
    b.add_member(venue, staff)
    services.checkin_staff_scan(actor=staff, personal_qr=token, code_token=code.token, nonce="a")
    official = make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"])
    checkin = services.checkin_staff_scan(actor=official, personal_qr=token, venue=venue, nonce="b")
    assert checkin.recorded_by_id == official.pk
    assert CheckIn.objects.count() == 2


def test_same_key_for_a_different_scan_is_idempotency_key_reused(areas, venue, person):
    device, _ = b.make_device(venue)
    other = b.make_person(areas["commune_a"], name="Trần Văn Cường", phone="+84987654321")
    services.checkin_staff_scan(actor=device, personal_qr=b.personal_qr(person), nonce="k1")
    other_qr = b.personal_qr(other)
    _refused("idempotency_key_reused", services.checkin_staff_scan, actor=device, personal_qr=other_qr, nonce="k1")
    again = services.checkin_staff_scan(actor=device, personal_qr=b.personal_qr(person), nonce="k1")
    assert again.replayed and CheckIn.objects.count() == 1


def test_staff_scan_of_an_earlier_day_into_rolled_day_counts_it(venue, person):
    from ..models import RollupState, VenueDailyCount

    device, _ = b.make_device(venue)
    now = timezone.now()
    yesterday = now - timedelta(days=1)
    RollupState.objects.update_or_create(pk=1, defaults={"rolled_through": services.local_day(yesterday)})
    token = b.personal_qr(person, now=yesterday - timedelta(hours=1))
    services.checkin_staff_scan(actor=device, personal_qr=token, scanned_at=yesterday, now=now)
    assert VenueDailyCount.objects.get(venue=venue, day=services.local_day(yesterday)).checkins == 1


# --- paper -----------------------------------------------------------------------------------------


def test_paper_checkin_creates_person_and_audits(areas, venue, code):
    staff = make_user()
    b.add_member(venue, staff)
    checkin = services.checkin_paper(
        actor=staff,
        venue=venue,
        code=code,
        full_name="Phạm Thị Dung",
        phone="0912 000 111",
        birth_year=1955,
        has_symptoms=False,
        had_contact=False,
        travelled=True,
    )
    assert checkin.source == CheckIn.Source.PAPER and checkin.recorded_by_id == staff.pk
    assert checkin.person.phone == "+84912000111"
    assert AuditLog.objects.filter(action="checkins.checkin.paper_recorded", object_id=str(checkin.pk)).exists()


@pytest.mark.parametrize(
    ("phone", "citizen_id", "code_name"),
    [("0123", "", "invalid_phone"), ("0912000111", "038099000001", "invalid_citizen_id")],
)
def test_paper_checkin_with_bad_phone_or_id_writes_nothing(venue, phone, citizen_id, code_name):
    staff = make_user()
    b.add_member(venue, staff)
    people_before = Person.objects.count()
    _refused(
        code_name,
        services.checkin_paper,
        actor=staff,
        venue=venue,
        full_name="Phạm Thị Dung",
        phone=phone,
        birth_year=1955,
        citizen_id=citizen_id,
        has_symptoms=False,
        had_contact=False,
        travelled=False,
    )
    assert Person.objects.count() == people_before


# --- check-out ---------------------------------------------------------------------------------------


def test_checkout_before_checkin_is_refused(code, person):
    checkin = services.checkin_self(
        code_token=code.token, person=person, has_symptoms=None, had_contact=None, travelled=None
    )
    staff = make_user()
    b.add_member(code.venue, staff)
    with pytest.raises(ApplicationError) as info:
        services.checkout(checkin=checkin, actor=staff, at=checkin.checked_in_at - timedelta(minutes=1), kind="staff")
    assert info.value.code == "checkout_before_checkin"
    checkin.refresh_from_db()
    assert checkin.checked_out_at is None


def test_self_checkout_closes_own_visit_once(code, person, areas):
    checkin = services.checkin_self(
        code_token=code.token, person=person, has_symptoms=None, had_contact=None, travelled=None
    )
    other = b.make_person(areas["commune_a"], name="Người Khác", phone="+84987000111")
    with pytest.raises(ApplicationError) as info:
        services.checkin_checkout_self(checkin_id=checkin.pk, person=other)
    assert info.value.code == "not_found"
    closed = services.checkin_checkout_self(checkin_id=checkin.pk, person=person)
    assert closed.checked_out_at is not None and closed.checkout_kind == CheckIn.CheckoutKind.PERSON
    again = services.checkin_checkout_self(checkin_id=checkin.pk, person=person)
    assert again.checked_out_at == closed.checked_out_at


# --- devices -------------------------------------------------------------------------------------------


def test_device_token_is_stored_hashed_and_revocation_stops_it(venue):
    manager = make_user()
    b.add_member(venue, manager, "manager")
    device, token = services.scanner_device_create(venue=venue, name="Cổng chính", created_by=manager)
    stored = ScannerDevice.objects.get(pk=device.pk)
    assert stored.token_hash == hash_device_token(token) and token not in stored.token_hash
    assert device_for_token(token).pk == device.pk
    services.scanner_device_revoke(device=device, actor=manager)
    assert device_for_token(token) is None
    assert AuditLog.objects.filter(action="checkins.device.revoked", object_id=str(device.pk)).exists()


def test_only_manager_or_area_official_creates_devices(areas, venue):
    staff = make_user()
    b.add_member(venue, staff, "staff")
    with pytest.raises(ApplicationError) as info:
        services.scanner_device_create(venue=venue, name="x", created_by=staff)
    assert info.value.code == "not_venue_staff"
    official = make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"])
    services.scanner_device_create(venue=venue, name="x", created_by=official)


# --- auto check-out --------------------------------------------------------------------------------


def test_auto_checkout_closes_visits_after_venue_type_duration(areas, person):
    venue = b.make_venue(areas["commune_a"], venue_type=b.make_venue_type("test_school", minutes=60))
    now = timezone.now()
    old = CheckIn.objects.create(
        person=person,
        venue=venue,
        area_path=venue.area_path,
        checked_in_at=now - timedelta(minutes=61),
        received_at=now - timedelta(minutes=61),
        source=CheckIn.Source.SELF_SCAN,
    )
    recent = CheckIn.objects.create(
        person=person,
        venue=venue,
        area_path=venue.area_path,
        checked_in_at=now - timedelta(minutes=59),
        received_at=now - timedelta(minutes=59),
        source=CheckIn.Source.SELF_SCAN,
    )
    assert services.checkin_auto_checkout(now=now, chunk=1) == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.checked_out_at == old.checked_in_at + timedelta(minutes=60)
    assert old.checkout_kind == CheckIn.CheckoutKind.AUTO
    assert recent.checked_out_at is None
    assert services.checkin_auto_checkout(now=now) == 0
