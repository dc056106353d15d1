import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from phongdich.accounts.models import Official
from phongdich.core.models import IdempotencyKey
from phongdich.core.testing import make_official, make_province_with_communes, make_user
from phongdich.people.models import Person

from ..models import CheckIn, ScannerDevice
from . import builders as b

pytestmark = pytest.mark.django_db

SCAN = "/api/v1/checkins/scan/"
SELF = "/api/v1/checkins/self/"
BATCH = "/api/v1/checkins/batch/"
PAPER = "/api/v1/checkins/paper/"


@pytest.fixture(autouse=True)
def _fresh_caches():
    b.clear_caches()
    yield
    b.clear_caches()


@pytest.fixture
def world():
    areas = make_province_with_communes()
    venue = b.make_venue(areas["commune_a"])
    code = b.make_code(venue)
    device, token = b.make_device(venue)
    person = b.make_person(areas["commune_a"])
    return {"areas": areas, "venue": venue, "code": code, "device": device, "token": token, "person": person}


def _device_client(token) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _post(client, url, body, **headers):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data, content_type=headers.pop("content_type", "application/json"), headers=headers)


def _assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["message_vi"] and body["message_en"]


# --- scan (the hot path) ---------------------------------------------------------------------------


def test_device_scan_answers_201_with_the_checkin(world):
    response = _post(_device_client(world["token"]), SCAN, {"personal_qr": b.personal_qr(world["person"])})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["venue"] == {"id": world["venue"].pk, "name": world["venue"].name}
    assert body["person_initials"] == "NVA" and body["checked_in_at"] and body["received_at"]
    assert CheckIn.objects.get().device_id == world["device"].pk


def test_same_idempotency_key_twice_records_one_checkin(world):
    client = _device_client(world["token"])
    body = {"personal_qr": b.personal_qr(world["person"])}
    first = _post(client, SCAN, body, **{"Idempotency-Key": "scan-0001"})
    second = _post(client, SCAN, body, **{"Idempotency-Key": "scan-0001"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert CheckIn.objects.count() == 1


def test_same_idempotency_key_with_another_body_is_422(world):
    client = _device_client(world["token"])
    other = b.make_person(world["areas"]["commune_a"], name="Trần Thị Mai", phone="+84987111222")
    _post(client, SCAN, {"personal_qr": b.personal_qr(world["person"])}, **{"Idempotency-Key": "k"})
    response = _post(client, SCAN, {"personal_qr": b.personal_qr(other)}, **{"Idempotency-Key": "k"})
    _assert_error(response, 422, "idempotency_key_reused")
    assert CheckIn.objects.count() == 1


@pytest.mark.django_db(transaction=True)  # autocommit, as in production: no test transaction, no savepoints
def test_scan_in_steady_state_costs_one_query(world, django_assert_max_num_queries):
    client = _device_client(world["token"])
    qr = b.personal_qr(world["person"])
    # The first scan warms the device, code and person caches.
    assert _post(client, SCAN, {"personal_qr": qr, "code_token": world["code"].token}).status_code == 201
    with django_assert_max_num_queries(1):
        response = _post(client, SCAN, {"personal_qr": qr, "code_token": world["code"].token})
    assert response.status_code == 201
    with django_assert_max_num_queries(1):
        assert _post(client, SCAN, {"personal_qr": qr}, **{"Idempotency-Key": "x-1"}).status_code == 201


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"personal_qr": "PD1:NOTBASE32!!"}, 400, "personal_qr_malformed"),
        ({"personal_qr": "hello"}, 400, "personal_qr_malformed"),
        ({}, 400, "invalid_input"),
        ({"personal_qr": 12}, 400, "personal_qr_malformed"),
        ({"personal_qr": "PD1:AA", "code_token": "no-such-code"}, 404, "unknown_code"),
        ({"personal_qr": "PD1:AA", "code_token": "bad\u0000token"}, 400, "invalid_input"),
        ({"personal_qr": "PD1:AA", "scanned_at": "yesterday"}, 400, "invalid_input"),
        ([1, 2, 3], 400, "invalid_input"),
    ],
)
def test_bad_scan_input_is_refused_and_writes_nothing(world, body, status, code):
    response = _post(_device_client(world["token"]), SCAN, body)
    _assert_error(response, status, code)
    assert CheckIn.objects.count() == 0


def test_revoked_code_unverified_venue_and_future_scan_are_refused(world, settings):
    client = _device_client(world["token"])
    qr = b.personal_qr(world["person"])
    revoked = b.make_code(world["venue"], label="Cổng phụ")
    revoked.revoked_at = timezone.now() - timedelta(minutes=1)
    revoked.save()
    _assert_error(_post(client, SCAN, {"personal_qr": qr, "code_token": revoked.token}), 410, "code_revoked")
    future = (timezone.now() + timedelta(seconds=settings.CHECKIN_CLOCK_SKEW_SECONDS + 120)).isoformat()
    _assert_error(_post(client, SCAN, {"personal_qr": qr, "scanned_at": future}), 400, "scan_in_future")
    pending = b.make_venue(world["areas"]["commune_a"], status="pending")
    _, pending_token = b.make_device(pending)
    _assert_error(_post(_device_client(pending_token), SCAN, {"personal_qr": qr}), 409, "venue_not_verified")
    assert CheckIn.objects.count() == 0


def test_malformed_json_wrong_content_type_and_oversize_bodies_are_refused(world, settings):
    client = _device_client(world["token"])
    _assert_error(_post(client, SCAN, '{"personal_qr": '), 400, "malformed_json")
    _assert_error(
        _post(client, SCAN, "personal_qr=x", content_type="application/x-www-form-urlencoded"),
        415,
        "unsupported_media_type",
    )
    big = json.dumps({"personal_qr": "x" * (settings.MAX_REQUEST_BYTES + 10)})
    _assert_error(_post(client, SCAN, big), 413, "request_too_large")
    assert CheckIn.objects.count() == 0


def test_scan_without_or_with_a_wrong_token_is_401(world):
    qr = b.personal_qr(world["person"])
    _assert_error(_post(Client(), SCAN, {"personal_qr": qr}), 401, "not_authenticated")
    _assert_error(_post(_device_client("wrong-token"), SCAN, {"personal_qr": qr}), 401, "not_authenticated")


def test_session_user_not_staff_gets_403(world):
    client = Client()
    client.force_login(make_user())
    response = _post(client, SCAN, {"personal_qr": b.personal_qr(world["person"]), "code_token": world["code"].token})
    _assert_error(response, 403, "not_venue_staff")


# --- self check-in (public) -------------------------------------------------------------------------


def test_self_checkin_declares_then_checks_in_with_the_remembered_id(world):
    client = Client()
    answers = {"has_symptoms": False, "had_contact": False, "travelled": True}
    first = _post(
        client,
        SELF,
        {"code_token": world["code"].token, "full_name": "Lê Văn Hùng", "phone": "0912 888 777", "birth_year": 1975}
        | answers,
    )
    assert first.status_code == 201, first.content
    public_id = first.json()["person_public_id"]
    second = _post(client, SELF, {"code_token": world["code"].token, "person_public_id": public_id} | answers)
    assert second.status_code == 201
    assert CheckIn.objects.filter(person__public_id=public_id).count() == 2


@pytest.mark.parametrize(
    ("extra", "status", "code"),
    [
        ({"full_name": "A B", "phone": "12345", "birth_year": 1990}, 400, "invalid_phone"),
        (
            {"full_name": "A B", "phone": "0912888777", "birth_year": 1990, "citizen_id": "1234"},
            400,
            "invalid_citizen_id",
        ),
        ({"person_public_id": "does-not-exist"}, 404, "unknown_person"),
        ({"person_public_id": "bad\u0000id"}, 400, "invalid_input"),
        ({}, 400, "invalid_input"),
    ],
)
def test_bad_self_checkin_input_writes_nothing(world, extra, status, code):
    people = Person.objects.count()
    body = {"code_token": world["code"].token, "has_symptoms": None, "had_contact": None, "travelled": None} | extra
    _assert_error(_post(Client(), SELF, body), status, code)
    assert CheckIn.objects.count() == 0 and Person.objects.count() == people


def test_a_self_checkin_with_a_field_it_does_not_take_is_refused_naming_it(world):
    """A misspelt answer (`has_symptom`) would otherwise be dropped and the declaration read as given without it."""
    body = {"code_token": world["code"].token, "full_name": "Lê Văn Hùng", "phone": "0912888777", "birth_year": 1975}
    body |= {"has_symptom": True, "has_symptoms": None, "had_contact": False, "travelled": False}
    response = _post(Client(), SELF, body)
    _assert_error(response, 400, "invalid_input")
    assert list(response.json()["extra"]["fields"]) == ["has_symptom"]
    assert CheckIn.objects.count() == 0


def test_scanner_devices_may_send_fields_the_scan_does_not_take(world):
    """Scans and offline batches stay lenient (docs/api.md): a scanner app's own field (its version, its battery)
    must not cost a visitor's check-in."""
    client = _device_client(world["token"])
    extra = {"app_version": "2.3.1", "battery": 41}
    scan = _post(client, SCAN, {"personal_qr": b.personal_qr(world["person"]), **extra})
    assert scan.status_code == 201, scan.content
    item = {"client_id": "c-1", "personal_qr": b.personal_qr(world["person"]), "scanned_at": timezone.now().isoformat()}
    batch = _post(client, BATCH, {"items": [item | extra], **extra})
    assert batch.status_code == 200 and batch.json()["accepted"] == 1, batch.content


def test_self_checkin_at_unknown_code_is_404(world):
    body = {"code_token": "nope", "person_public_id": world["person"].public_id}
    body |= {"has_symptoms": None, "had_contact": None, "travelled": None}
    _assert_error(_post(Client(), SELF, body), 404, "unknown_code")


# --- batch -----------------------------------------------------------------------------------------


def test_batch_twice_records_nothing_twice(world):
    client = _device_client(world["token"])
    now = timezone.now()
    items = [
        {
            "client_id": f"offline-{i}",
            "personal_qr": b.personal_qr(world["person"], now=now - timedelta(hours=1)),
            "scanned_at": (now - timedelta(minutes=i + 1)).isoformat(),
        }
        for i in range(5)
    ]
    first = _post(client, BATCH, {"items": items})
    assert first.status_code == 200 and first.json()["accepted"] == 5
    second = _post(client, BATCH, {"items": items})
    assert second.json()["duplicates"] == 5 and second.json()["accepted"] == 0
    assert CheckIn.objects.count() == 5


@pytest.mark.parametrize("body", [{"items": "x"}, {"items": {"a": 1}}, {}, [1]])
def test_batch_that_is_not_a_list_is_refused(world, body):
    _assert_error(_post(_device_client(world["token"]), BATCH, body), 400, "invalid_input")


def test_batch_with_too_many_items_is_refused(world, settings):
    settings.CHECKIN_BATCH_MAX_ITEMS = 3
    items = [{"client_id": str(i)} for i in range(4)]
    _assert_error(_post(_device_client(world["token"]), BATCH, {"items": items}), 413, "batch_too_large")


def test_batch_needs_a_device(world):
    client = Client()
    client.force_login(make_user())
    _assert_error(_post(client, BATCH, {"items": []}), 403, "permission_denied")


# --- paper, check-out ------------------------------------------------------------------------------


def test_paper_declaration_by_staff(world):
    staff = make_user()
    b.add_member(world["venue"], staff)
    client = Client()
    client.force_login(staff)
    body = {
        "venue": world["venue"].pk,
        "code": world["code"].pk,
        "full_name": "Đỗ Thị Lan",
        "phone": "0983 123 456",
        "birth_year": 1948,
        "has_symptoms": False,
        "had_contact": False,
        "travelled": False,
    }
    response = _post(client, PAPER, body, **{"Idempotency-Key": "paper-1"})
    assert response.status_code == 201, response.content
    assert _post(client, PAPER, body, **{"Idempotency-Key": "paper-1"}).status_code == 201  # the check-in read again
    assert CheckIn.objects.filter(source="paper").count() == 1
    _assert_error(_post(client, PAPER, body | {"phone": "999"}), 400, "invalid_phone")
    assert CheckIn.objects.count() == 1


def test_checkout_before_checkin_is_400_and_out_of_scope_is_404(world):
    checkin = CheckIn.objects.create(
        person=world["person"],
        venue=world["venue"],
        area_path=world["venue"].area_path,
        checked_in_at=timezone.now() - timedelta(minutes=10),
        received_at=timezone.now(),
        source="self_scan",
    )
    url = f"/api/v1/checkins/{checkin.pk}/checkout/"
    client = _device_client(world["token"])
    early = (checkin.checked_in_at - timedelta(minutes=1)).isoformat()
    _assert_error(_post(client, url, {"at": early}), 400, "checkout_before_checkin")
    outsider = Client()
    outsider.force_login(make_official(Official.Role.AREA_OFFICIAL, world["areas"]["commune_b"]))
    _assert_error(_post(outsider, url, {}), 404, "not_found")
    assert _post(client, url, {}).status_code == 200
    checkin.refresh_from_db()
    assert checkin.checked_out_at is not None and checkin.checkout_kind == "staff"


# --- lists and scoping -----------------------------------------------------------------------------


def test_commune_official_sees_only_own_commune_checkins(world):
    venue_b = b.make_venue(world["areas"]["commune_b"])
    mine = CheckIn.objects.create(
        person=world["person"],
        venue=world["venue"],
        area_path=world["venue"].area_path,
        checked_in_at=timezone.now(),
        received_at=timezone.now(),
        source="self_scan",
    )
    theirs = CheckIn.objects.create(
        person=world["person"],
        venue=venue_b,
        area_path=venue_b.area_path,
        checked_in_at=timezone.now(),
        received_at=timezone.now(),
        source="self_scan",
    )
    client = Client()
    client.force_login(make_official(Official.Role.AREA_OFFICIAL, world["areas"]["commune_a"]))
    listed = client.get("/api/v1/checkins/").json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert listed["results"][0]["person"]["full_name"] == world["person"].full_name
    assert client.get(f"/api/v1/checkins/{mine.pk}/").status_code == 200
    _assert_error(client.get(f"/api/v1/checkins/{theirs.pk}/"), 404, "not_found")
    _assert_error(client.get(f"/api/v1/checkins/?venue={venue_b.pk}"), 404, "not_found")
    _assert_error(client.get("/api/v1/checkins/?date_from=not-a-date"), 400, "invalid_input")


def test_venue_staff_see_only_their_venue_and_no_names(world):
    other = b.make_venue(world["areas"]["commune_a"])
    for venue in (world["venue"], other):
        CheckIn.objects.create(
            person=world["person"],
            venue=venue,
            area_path=venue.area_path,
            checked_in_at=timezone.now(),
            received_at=timezone.now(),
            source="self_scan",
        )
    staff = make_user()
    b.add_member(world["venue"], staff)
    client = Client()
    client.force_login(staff)
    rows = client.get("/api/v1/checkins/").json()["results"]
    assert [row["venue"]["id"] for row in rows] == [world["venue"].pk]
    assert rows[0]["person"] is None and rows[0]["person_initials"] == "NVA"


# --- devices --------------------------------------------------------------------------------------


def test_device_created_once_with_its_token_then_revoked(world):
    manager = make_user()
    b.add_member(world["venue"], manager, "manager")
    client = Client()
    client.force_login(manager)
    body = {"venue": world["venue"].pk, "name": "Cổng chính 2"}
    created = _post(client, "/api/v1/devices/", body, **{"Idempotency-Key": "dev-1"})
    assert created.status_code == 201, created.content
    token = created.json()["token"]
    replay = _post(client, "/api/v1/devices/", body, **{"Idempotency-Key": "dev-1"})
    assert replay.status_code == 200 and replay.json()["token"] is None
    assert replay.json()["id"] == created.json()["id"]
    assert token not in json.dumps(list(IdempotencyKey.objects.values_list("response_body", flat=True)))
    assert ScannerDevice.objects.filter(venue=world["venue"]).count() == 2
    qr = b.personal_qr(world["person"])
    assert _post(_device_client(token), SCAN, {"personal_qr": qr}).status_code == 201
    revoked = _post(client, f"/api/v1/devices/{created.json()['id']}/revoke/", {})
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    _assert_error(_post(_device_client(token), SCAN, {"personal_qr": qr}), 401, "not_authenticated")


def test_staff_cannot_create_devices_and_strangers_cannot_revoke(world):
    staff = make_user()
    b.add_member(world["venue"], staff, "staff")
    client = Client()
    client.force_login(staff)
    _assert_error(_post(client, "/api/v1/devices/", {"venue": world["venue"].pk, "name": "x"}), 403, "not_venue_staff")
    _assert_error(_post(client, f"/api/v1/devices/{world['device'].pk}/revoke/", {}), 404, "not_found")
    assert ScannerDevice.objects.get(pk=world["device"].pk).revoked_at is None


def test_plain_scan_answer_matches_the_documented_serializer(world):
    from .. import api, services

    checkin = services.checkin_staff_scan(
        actor=world["device"], personal_qr=b.personal_qr(world["person"]), code_token=world["code"].token
    )
    services.checkout(checkin=checkin, kind="staff")
    checkin = CheckIn.objects.select_related("venue", "code", "person").get(pk=checkin.pk)
    assert api.checkin_body(checkin) == dict(api.CheckInOutput(checkin).data)
    assert api.checkin_body(checkin, with_public_id=True) == dict(api.CheckInSelfOutput(checkin).data)


JUNK = [
    None,
    [],
    "text",
    12,
    {"personal_qr": {"a": 1}},
    {"personal_qr": "PD1:" + "A" * 5000},
    {"personal_qr": "x", "scanned_at": 12},
    {"personal_qr": "x", "scanned_at": "2026-13-45T99:99:99+07:00"},
    {"personal_qr": "x", "venue": "x"},
    {"personal_qr": "x", "venue": 10**30},
    {"personal_qr": "x", "venue": True},
    {"personal_qr": "x", "code_token": ["a"]},
    {"code_token": "A" * 64, "person_public_id": "A" * 32, "has_symptoms": "maybe"},
    {"code_token": "A" * 64, "full_name": "x" * 151, "phone": "0" * 31, "birth_year": "abc"},
    {"items": None},
    {"items": [None, 1, "x", [], {"client_id": {"a": 1}}, {"client_id": "\u0000"}, {"client_id": "a" * 65}]},
    {"items": [{"client_id": "a", "personal_qr": "x", "scanned_at": "nope", "direction": "up"}]},
    {"items": [{"client_id": "a", "personal_qr": 5, "scanned_at": {"t": 1}, "code_token": 7}]},
    {"venue": 10**30, "code": -1, "full_name": "", "phone": None, "birth_year": 3000},
    {"venue": 1, "full_name": "A", "phone": "0912345678", "birth_year": None, "address_area": 10**30},
    {"at": "yesterday"},
    {"name": "\u0000", "venue": 10**30},
]


@pytest.mark.parametrize(
    "url",
    [SCAN, SELF, BATCH, PAPER, "/api/v1/checkins/1/checkout/", "/api/v1/devices/", "/api/v1/devices/1/revoke/"],
)
@pytest.mark.parametrize("as_user", [False, True])
def test_no_junk_body_makes_the_api_answer_500(world, url, as_user):
    if as_user:
        client = Client()
        official = make_official(Official.Role.AREA_OFFICIAL, world["areas"]["commune_a"])
        client.force_login(official)
    else:
        client = _device_client(world["token"])
    for body in JUNK:
        response = _post(client, url, body)
        assert response.status_code < 500, (body, response.content)
        assert "code" in response.json() or response.status_code in (200, 201)
    huge = "99999999999999999999999"
    assert _post(client, f"/api/v1/checkins/{huge}/checkout/", {}).status_code == 404
    assert _post(client, f"/api/v1/devices/{huge}/revoke/", {}).status_code in (403, 404)
    if as_user:
        assert client.get(f"/api/v1/checkins/{huge}/").status_code == 404
    assert CheckIn.objects.count() == 0


def test_public_self_checkin_is_rate_limited(world, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    cache.clear()
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {**ScopedRateThrottle.THROTTLE_RATES, "public": "2/min"})
    body = {"code_token": world["code"].token, "person_public_id": world["person"].public_id}
    body |= {"has_symptoms": None, "had_contact": None, "travelled": None}
    statuses = [_post(Client(), SELF, body).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    cache.clear()


def test_device_fast_path_and_session_path_answer_alike(world):
    """Scanner devices skip DRF's machinery (CheckInScanApi._device_fast_path); a logged-in member of the staff goes
    through DRF. Both must give the same answer, and a device's unusual request falls back to DRF's answers."""
    from phongdich.venues.models import VenueMembership

    person_two = b.make_person(world["areas"]["commune_a"], name="Lê Thị Hoa", phone="+84987654321")
    by_device = _post(_device_client(world["token"]), SCAN, {"personal_qr": b.personal_qr(world["person"])})
    staff = make_user()
    VenueMembership.objects.create(venue=world["venue"], user=staff, role=VenueMembership.Role.STAFF)
    session = Client()
    session.force_login(staff)
    body = {"personal_qr": b.personal_qr(person_two), "code_token": world["code"].token}
    by_session = _post(session, SCAN, body)
    assert by_device.status_code == by_session.status_code == 201
    assert set(by_device.json()) == set(by_session.json())
    # Refusals: the same shape whichever path answers.
    _assert_error(_post(_device_client(world["token"]), SCAN, {"personal_qr": "junk"}), 400, "personal_qr_malformed")
    _assert_error(
        _post(session, SCAN, {"personal_qr": "junk", "code_token": world["code"].token}), 400, "personal_qr_malformed"
    )
    # Unusual device requests fall through to DRF: a body that is not JSON, another content type.
    _assert_error(_post(_device_client(world["token"]), SCAN, "{not json"), 400, "malformed_json")
    _assert_error(
        _post(_device_client(world["token"]), SCAN, "personal_qr=x", content_type="application/x-www-form-urlencoded"),
        415,
        "unsupported_media_type",
    )


def test_a_body_over_the_limit_is_told_the_limit(world, settings):
    settings.MAX_REQUEST_BYTES = 2048
    client = _device_client(world["token"])
    response = _post(client, SCAN, json.dumps({"personal_qr": "x" * 4096}))
    body = response.json()
    assert response.status_code == 413 and body["extra"] == {"max_bytes": 2048}
    assert "tối đa 2 KB" in body["message_vi"] and "at most 2 KB" in body["message_en"]
