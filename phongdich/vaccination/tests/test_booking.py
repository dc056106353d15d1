"""Registration, booking, cancellation and invitations: capacity is never exceeded, nothing is half-written."""

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.core.audit import audit_record  # noqa: F401 - the audit table is part of what is checked
from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.notifications.models import Message
from phongdich.people.models import Person

from .. import services
from ..models import Invitation, TimeSlot, VaccinationRegistration, VaccinationSession
from .builders import make_person, make_registration, make_session

# Booked sessions are tomorrow: a slot of today that has already ended takes no booking (slot_over).
TOMORROW = timezone.localdate() + dt.timedelta(days=1)

Status = VaccinationRegistration.Status


def _submit(area, *, actor=None, slot=None, name="Trần Thị Bích", phone="0912345678", **extra):
    return services.registration_submit(
        actor=actor,
        full_name=name,
        phone=phone,
        birth_date=dt.date(1960, 5, 17),
        area=area,
        priority_group="nq21-5",
        slot_id=slot.pk if slot else None,
        **extra,
    )


def test_citizen_registration_creates_person_and_books_the_chosen_slot(areas, site, django_capture_on_commit_callbacks):
    session = make_session(site, date=TOMORROW, slots=((7, 2), (8, 2)))
    slot = session.slots.first()
    with django_capture_on_commit_callbacks(execute=True):
        receipt = _submit(areas["commune_a"], slot=slot)
    registration = receipt.registration
    assert registration.status == Status.BOOKED and registration.slot == slot
    assert registration.person.birth_date == dt.date(1960, 5, 17)
    assert registration.person.phone == "+84912345678"
    slot.refresh_from_db()
    session.refresh_from_db()
    assert (slot.booked_count, session.booked_count) == (1, 1)
    message = Message.objects.get(kind="vaccination_registered")
    assert message.phone == "+84912345678" and "Lich tiem" in message.text and message.status == "sent"


def test_full_slot_answers_409_and_writes_nothing(areas, site):
    session = make_session(site, date=TOMORROW, slots=((7, 1), (8, 1)))
    slot = session.slots.first()
    make_registration(make_person(areas["commune_a"]), status=Status.BOOKED, slot=slot)
    people_before = Person.objects.count()
    with pytest.raises(ApplicationError) as caught:
        _submit(areas["commune_a"], slot=slot)
    assert caught.value.code == "slot_full" and caught.value.status == 409
    assert Person.objects.count() == people_before
    assert VaccinationRegistration.objects.count() == 1
    assert Message.objects.count() == 0


def test_full_session_answers_409_even_when_the_slot_has_room(areas, site):
    session = make_session(site, date=TOMORROW, slots=((7, 2), (8, 2)))
    VaccinationSession.objects.filter(pk=session.pk).update(capacity=1, booked_count=1)
    with pytest.raises(ApplicationError) as caught:
        _submit(areas["commune_a"], slot=session.slots.first())
    assert caught.value.code == "session_full"
    assert TimeSlot.objects.filter(session=session, booked_count__gt=0).count() == 0


def test_a_second_registration_looks_the_same_to_the_citizen_and_takes_no_place(areas, site):
    session = make_session(site, date=TOMORROW, slots=((7, 3),))
    slot = session.slots.first()
    first = _submit(areas["commune_a"], slot=slot)
    again = _submit(areas["commune_a"], slot=slot)
    assert again.registration is None and again.slot_text == first.slot_text
    slot.refresh_from_db()
    assert slot.booked_count == 1
    assert VaccinationRegistration.objects.count() == 1


def test_an_official_is_told_the_person_is_already_registered(areas, official):
    _submit(areas["commune_a"], actor=official)
    with pytest.raises(ApplicationError) as caught:
        _submit(areas["commune_a"], actor=official)
    assert caught.value.code == "already_registered"


def test_an_official_cannot_register_someone_of_another_commune(areas, official):
    with pytest.raises(ApplicationError) as caught:
        _submit(areas["commune_b"], actor=official)
    assert caught.value.code == "not_found"


def test_unknown_priority_group_is_refused(areas):
    with pytest.raises(ApplicationError) as caught:
        services.registration_submit(
            actor=None,
            full_name="A",
            phone="0912345678",
            birth_date=dt.date(1990, 1, 1),
            area=areas["commune_a"],
            priority_group="nope",
        )
    assert caught.value.code == "unknown_priority_group"


def test_cancellation_frees_the_place(areas, site, official):
    session = make_session(site, date=TOMORROW, slots=((7, 1),))
    slot = session.slots.first()
    registration = make_registration(make_person(areas["commune_a"]), status=Status.BOOKED, slot=slot)
    services.registration_cancel(actor=official, registration_id=registration.pk)
    slot.refresh_from_db()
    session.refresh_from_db()
    assert (slot.booked_count, session.booked_count) == (0, 0)
    assert _submit(areas["commune_a"], slot=slot).registration.status == Status.BOOKED
    with pytest.raises(ApplicationError) as caught:
        services.registration_cancel(actor=official, registration_id=registration.pk)
    assert caught.value.code == "registration_closed"
    assert AuditLog.objects.filter(action="vaccination.registration.cancelled").count() == 1


def test_a_past_session_cannot_be_booked(areas, site):
    session = make_session(site, date=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(ApplicationError) as caught:
        _submit(areas["commune_a"], slot=session.slots.first())
    assert caught.value.code == "slot_closed"


def test_a_slot_that_ended_earlier_today_takes_no_booking(areas, site, official):
    """Walk 2 (#4): at 15:20 the 07:30–09:00 slot of the same day was still booked; dates alone were compared."""
    ten = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(10)))
    session = make_session(site, slots=((7, 2), (11, 2)))
    morning, later = session.slots.order_by("starts_at")
    with pytest.raises(ApplicationError) as caught:
        _submit(areas["commune_a"], slot=morning, now=ten)
    assert caught.value.code == "slot_closed" and caught.value.status == 409
    waiting = make_registration(make_person(areas["commune_a"], name="Lò Văn Sáu"))
    with pytest.raises(ApplicationError) as caught:
        services.registration_book(actor=official, registration_id=waiting.pk, slot_id=morning.pk, now=ten)
    assert caught.value.code == "slot_closed"
    _submit(areas["commune_a"], slot=later, now=ten)
    assert VaccinationRegistration.objects.get(slot=later).status == Status.BOOKED
    session.refresh_from_db()
    assert session.booked_count == 1


def test_invitations_skip_slots_that_ended_earlier_today(areas, site, official):
    ten = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(10)))
    over = make_session(site, slots=((7, 2), (8, 2)))
    for name in ("Vi Văn Một", "Vi Văn Hai", "Vi Văn Ba"):
        make_registration(make_person(areas["commune_a"], name=name))
    with pytest.raises(ApplicationError) as caught:
        services.invitations_send(actor=official, session_id=over.pk, now=ten)
    assert caught.value.code == "slot_closed"
    session = make_session(site, slots=((7, 2), (11, 1)))
    invitations = services.invitations_send(actor=official, session_id=session.pk, now=ten)
    assert [i.slot.starts_at.hour for i in invitations] == [11]
    assert not Invitation.objects.filter(slot__starts_at=dt.time(7)).exists()


def test_invitations_follow_priority_fill_slots_and_send_sms_after_commit(
    areas, site, official, django_capture_on_commit_callbacks
):
    session = make_session(site, date=timezone.localdate() + dt.timedelta(days=2), slots=((7, 1), (8, 1)))
    late = make_registration(make_person(areas["commune_a"], name="Lê Văn Ba"), group_code="other")
    first = make_registration(make_person(areas["commune_a"], name="Bùi Thị Hoa"), group_code="nq21-1")
    second = make_registration(make_person(areas["commune_a"], name="Đinh Văn Tư"), group_code="nq21-5")
    elsewhere = make_registration(make_person(areas["commune_b"], name="Hà Văn Năm"), group_code="nq21-1")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitations = services.invitations_send(actor=official, session_id=session.pk)
        assert Message.objects.filter(status="queued").count() == 2  # stored in the transaction, not yet sent
    assert [i.registration_id for i in invitations] == [first.pk, second.pk]
    assert [i.slot.starts_at.hour for i in invitations] == [7, 8]
    for callback in callbacks:
        callback()
    messages = Message.objects.filter(kind="vaccination_invite").order_by("id")
    assert [m.status for m in messages] == ["sent", "sent"]
    assert "Tram Y te xa Thach Lap" in messages[0].text and "07:00" in messages[0].text
    assert "Mang CCCD hoac ma QR ca nhan." in messages[0].text  # staff can check in by hand: the ID card is enough
    assert Invitation.objects.get(registration=first).message == messages[0]
    late.refresh_from_db()
    elsewhere.refresh_from_db()
    assert late.status == elsewhere.status == Status.REGISTERED
    session.refresh_from_db()
    assert session.booked_count == 2
    assert services.invitations_send(actor=official, session_id=session.pk) == []
