import datetime as dt

import pytest
from django.utils import timezone

from phongdich.core.audit import AuditLog
from phongdich.core.errors import ApplicationError
from phongdich.core.testing import make_official
from phongdich.people.models import Person

from ..models import TestingSession, TestRegistration
from ..services import registration_by_official, registration_cancel, registration_self
from .builders import BIRTH_1990, CCCD_1990, make_session


def register(session, area, **overrides):
    values = {
        "full_name": "Nguyễn Văn An",
        "id_number": CCCD_1990,
        "birth_date": BIRTH_1990,
        "phone": "0912 345 678",
        "area": area,
        "session_id": session.pk,
        "reason": "screening",
    }
    return registration_self(**{**values, **overrides})


def test_self_registration_creates_person_with_birth_date_and_id(session, areas):
    registration = register(session, areas["commune_a"])
    person = registration.person
    assert person.birth_date == BIRTH_1990 and person.citizen_id == CCCD_1990 and person.phone == "+84912345678"
    assert registration.registered_via == "citizen" and registration.site_path == session.site.area_path
    assert TestingSession.objects.get(pk=session.pk).registered_count == 1
    assert AuditLog.objects.filter(action="testing.registration.created", object_id=str(registration.pk)).exists()


def test_the_same_person_registering_twice_is_refused(session, areas):
    register(session, areas["commune_a"])
    with pytest.raises(ApplicationError) as caught:
        register(session, areas["commune_a"])
    assert caught.value.code == "testing_already_registered" and caught.value.status == 409
    assert TestRegistration.objects.count() == 1
    assert TestingSession.objects.get(pk=session.pk).registered_count == 1


def test_a_full_session_is_refused_and_nothing_is_written(session, areas):
    register(session, areas["commune_a"])
    register(
        session,
        areas["commune_a"],
        full_name="Lê Thị Hoa",
        id_number="038190001111",
        phone="0987654321",
        birth_date=dt.date(1990, 1, 2),
    )
    people_before = Person.objects.count()
    with pytest.raises(ApplicationError) as caught:
        register(
            session,
            areas["commune_a"],
            full_name="Trần Văn Bình",
            id_number="038085002222",
            phone="0977111222",
            birth_date=dt.date(1985, 3, 4),
        )
    assert caught.value.code == "testing_session_full" and caught.value.status == 409
    assert Person.objects.count() == people_before  # the new person was rolled back with the registration
    assert TestingSession.objects.get(pk=session.pk).registered_count == 2


def test_a_cancelled_place_can_be_taken_again(session, areas):
    registration = register(session, areas["commune_a"])
    registration_cancel(actor=None, registration=registration)
    assert TestingSession.objects.get(pk=session.pk).registered_count == 0
    again = register(session, areas["commune_a"])
    assert again.pk != registration.pk


def test_a_past_session_is_closed(site, areas):
    past = make_session(site, day=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(ApplicationError) as caught:
        register(past, areas["commune_a"])
    assert caught.value.code == "testing_session_closed"


def test_bad_id_number_and_birth_date_are_clear_400s(session, areas):
    with pytest.raises(ApplicationError) as caught:
        register(session, areas["commune_a"], id_number="12345")
    assert caught.value.code == "testing_invalid_id_number" and caught.value.status == 400
    with pytest.raises(ApplicationError) as caught:
        register(session, areas["commune_a"], birth_date=timezone.localdate() + dt.timedelta(days=1))
    assert caught.value.status == 400
    with pytest.raises(ApplicationError) as caught:  # the CCCD says 1990, the date of birth 1991
        register(session, areas["commune_a"], birth_date=dt.date(1991, 5, 17))
    assert caught.value.code == "invalid_citizen_id"
    assert TestRegistration.objects.count() == 0


def test_official_registers_only_people_of_their_area(session, areas):
    official = make_official("area_official", areas["commune_a"])
    registration = registration_by_official(
        actor=official,
        full_name="Bùi Văn Tâm",
        id_number="123456789",
        birth_date=dt.date(1950, 1, 1),
        phone="0912000111",
        area=areas["commune_a"],
        session_id=session.pk,
        reason="contact",
    )
    assert registration.registered_via == "official" and registration.person.old_id_number == "123456789"
    with pytest.raises(ApplicationError) as caught:
        registration_by_official(
            actor=official,
            full_name="Bùi Văn Tâm",
            id_number="123456780",
            birth_date=dt.date(1950, 1, 1),
            phone="0912000112",
            area=areas["commune_b"],
            session_id=session.pk,
            reason="contact",
        )
    assert caught.value.code == "permission_denied"


def test_admin_edit_of_a_session_keeps_the_registration_count(client, session, areas, django_user_model):
    register(session, areas["commune_a"])
    admin = django_user_model.objects.create_superuser("root", password="pass-for-tests-1")
    client.force_login(admin)
    url = f"/admin/testing/testingsession/{session.pk}/change/"
    data = {
        "site": session.site.pk,
        "date": session.date.isoformat(),
        "start_time": "07:30",
        "end_time": "11:00",
        "capacity": 5,
        "test_type": "pcr",
        "note": "đổi giờ",
    }
    assert client.post(url, data).status_code == 302
    session.refresh_from_db()
    assert session.capacity == 5 and session.registered_count == 1


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def test_a_session_of_today_that_has_ended_is_refused_in_local_time(site, areas, monkeypatch):
    day = timezone.localdate() + dt.timedelta(days=3)
    morning = make_session(site, day=day, start=dt.time(7, 30), end=dt.time(11, 0))
    # 15:20 in Vietnam is 08:20 UTC: the morning session is over even though the date is the same.
    monkeypatch.setattr(timezone, "now", lambda: _local(day, 15, 20).astimezone(dt.UTC))
    with pytest.raises(ApplicationError) as caught:
        register(morning, areas["commune_a"])
    assert caught.value.code == "testing_session_ended" and caught.value.status == 409
    assert "11:00" in caught.value.as_dict("vi")["message"] and "đã kết thúc" in caught.value.as_dict("vi")["message"]
    assert TestRegistration.objects.count() == 0 and Person.objects.count() == 0
    # Before its end time (10:59 local) the same session still takes registrations.
    monkeypatch.setattr(timezone, "now", lambda: _local(day, 10, 59))
    assert register(morning, areas["commune_a"]).session_id == morning.pk


def test_ended_sessions_of_today_are_not_offered(client, site, areas, monkeypatch):
    from ..selectors import sessions_open

    day = timezone.localdate() + dt.timedelta(days=3)
    morning = make_session(site, day=day, start=dt.time(7, 30), end=dt.time(11, 0))
    afternoon = make_session(site, day=day, start=dt.time(13, 30), end=dt.time(16, 30))
    tomorrow_morning = make_session(site, day=day + dt.timedelta(days=1), start=dt.time(7, 30), end=dt.time(11, 0))
    monkeypatch.setattr(timezone, "now", lambda: _local(day, 15, 20))
    assert list(sessions_open()) == [afternoon, tomorrow_morning]
    assert [row["id"] for row in client.get("/api/v1/testing/sessions/").json()] == [afternoon.pk, tomorrow_morning.pk]
    assert morning.pk not in [row["id"] for row in client.get("/api/v1/testing/sessions/").json()]


def test_the_registration_page_says_the_session_has_ended(client, site, areas, monkeypatch):
    day = timezone.localdate() + dt.timedelta(days=3)
    morning = make_session(site, day=day, start=dt.time(7, 30), end=dt.time(11, 0))
    monkeypatch.setattr(timezone, "now", lambda: _local(day, 15, 20))
    data = {
        "session": morning.pk,
        "full_name": "Ngô Văn Quá Giờ",
        "id_number": CCCD_1990,
        "birth_date": BIRTH_1990.isoformat(),
        "phone": "0912345678",
        "area": areas["commune_a"].pk,
        "reason": "screening",
    }
    response = client.post("/testing/register/", data)
    assert response.status_code in (400, 409)
    assert TestRegistration.objects.count() == 0
    body = response.content.decode()
    assert "đã kết thúc" in body  # no longer offered: the form says why
