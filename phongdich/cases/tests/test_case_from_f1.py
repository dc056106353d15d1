"""A contact who becomes a case starts with the people they named as an F1 (docs/cases.md, "A contact who becomes a
case"): the F2 named in their interview (links `via` their contact, source interview) whose meeting falls in the new
case's infectious window become its F1, with an interview link, in the transaction that enters the case."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.utils import timezone

from phongdich.core.dates import local_midnight
from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog

from .. import errors, services
from ..models import Case, Contact, ContactLink
from .builders import case, person

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@pytest.fixture
def scene(tree, kim_tan_official):
    """Case 1 (sample six days ago, onset seven: its window opens nine days ago under CV 1909), whose F1 Trần Thu Nhung
    was met eight days ago. In her interview as an F1 she named her sister Đinh Thu Yến (household, 30 hours ago),
    a workmate (seven days ago) and a neighbour (no time given)."""
    now = timezone.now()
    kim_tan = tree["kim_tan"]
    source = case(kim_tan_official, person(kim_tan, "Cao Văn Nguồn"), days_ago=6, onset_days_ago=7)
    nhung = person(kim_tan, "Trần Thu Nhung", birth_year=1994)
    f1, _ = services.contact_interview_add(
        actor=kim_tan_official,
        case=source,
        person=nhung,
        setting="household",
        nonce="f1-of-source-1",
        exposure_start=now - 8 * DAY,
        exposure_end=now - 8 * DAY + HOUR,
    )
    scene = {
        "now": now,
        "source": source,
        "nhung": nhung,
        "f1": f1.contact,
        "yen": person(kim_tan, "Đinh Thu Yến", birth_year=1990),
        "workmate": person(kim_tan, "Lê Văn Đồng Nghiệp", birth_year=1980),
        "neighbour": person(tree["thach_lam"], "Phạm Thị Hàng Xóm", birth_year=1970),
    }
    return scene


def name_f2(scene, actor, who, *, nonce, setting="household", start=None, end=None, **fields):
    [first, *_], _ = services.contact_interview_f2_add(
        actor=actor,
        f1=Contact.objects.get(pk=scene["f1"].pk),
        person=who,
        setting=setting,
        nonce=nonce,
        exposure_start=start,
        exposure_end=end,
        **fields,
    )
    return first


def named(scene, actor):
    """Yến inside the new case's window, the workmate before it, the neighbour without a time."""
    now = scene["now"]
    name_f2(scene, actor, scene["yen"], nonce="f2-yen-0001", start=now - 30 * HOUR, end=now - 29 * HOUR, place="Nhà")
    name_f2(scene, actor, scene["workmate"], nonce="f2-work-0001", setting="workplace", start=now - 7 * DAY)
    name_f2(scene, actor, scene["neighbour"], nonce="f2-neig-0001", setting="other", note="Sang chơi hằng ngày")


def enter_case(actor, who, **extra) -> Case:
    """Her case: sample today, no symptoms, so its window opens two days before today (CV 1909)."""
    return services.case_create(
        actor=actor, person=who, sample_date=timezone.localdate(), test_type=Case.TestType.PCR, **extra
    )


# --- The page, as the reviewer saw it ----------------------------------------------------------------------------


def test_the_case_entered_for_an_f1_lists_the_f2_she_named_as_its_f1(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    now = scene["now"]
    met = timezone.localtime(now - 30 * HOUR).strftime("%Y-%m-%dT%H:%M")
    until = timezone.localtime(now - 29 * HOUR).strftime("%Y-%m-%dT%H:%M")
    added = client.post(
        f"/cases/contacts/{scene['f1'].pk}/interview/",
        {
            "nonce": "f2-form-yen-1",
            "setting": "household",
            "person": scene["yen"].pk,
            "exposure_start": met,
            "exposure_end": until,
        },
    )
    assert added.status_code == 302

    entered = client.post(
        "/cases/new/",
        {
            "person": scene["nhung"].pk,
            "nonce": "case-form-nhung-1",
            "sample_date": str(timezone.localdate()),
            "test_type": "pcr",
        },
    )
    assert entered.status_code == 302
    new = Case.objects.get(person=scene["nhung"])

    page = client.get(entered["Location"]).content.decode()
    assert 'Người tiếp xúc <span class="muted">(1)</span>' in page
    level_one = page.split('id="contacts-form-f1"', 1)[1].split("</form>", 1)[0]
    assert "Đinh Thu Yến" in level_one
    assert f"Do bệnh nhân của ca này khai khi còn là F1 của {scene['source'].number}" in level_one
    yen = Contact.objects.get(person=scene["yen"])
    assert yen.level == 1 and yen.status == Contact.Status.CANDIDATE
    worklist = client.get("/cases/worklist/").content.decode()
    row = worklist.split("Đinh Thu Yến", 1)[1].split("</tr>", 1)[0]
    assert re.search(rf"{new.number}</span> <span class=\"case-mark\"><span class=\"level level-1\"", row)


@pytest.mark.parametrize(
    "prefix, added, left_out, origin",
    [
        (
            "",
            "1 người mà Trần Thu Nhung đã khai khi còn là F1 nay là F1 của ca này.",
            "1 người mà Trần Thu Nhung đã khai khi còn là F1 được gặp ngoài thời kỳ lây truyền của ca này: không thêm, "
            "vẫn là F2 của ca mà Trần Thu Nhung là F1.",
            "Do bệnh nhân của ca này khai khi còn là F1 của {number}",
        ),
        (
            "/en",
            "2 people Trần Thu Nhung named when interviewed as an F1 are now F1 of this case.",
            "1 person Trần Thu Nhung named when interviewed as an F1 was met outside this case&#x27;s infectious "
            "window: not added, still an F2 of the case Trần Thu Nhung was an F1 of.",
            "Named by this case's patient when interviewed as an F1 of {number}",
        ),
    ],
)
def test_the_entry_says_who_was_added_and_who_was_left_out_in_the_pages_language(
    client, scene, kim_tan_official, prefix, added, left_out, origin
):
    now = scene["now"]
    name_f2(scene, kim_tan_official, scene["yen"], nonce="f2-yen-0001", start=now - 30 * HOUR, end=now - 29 * HOUR)
    name_f2(scene, kim_tan_official, scene["workmate"], nonce="f2-work-0001", setting="workplace", start=now - 7 * DAY)
    if prefix:  # and one more, told without a time, in English
        name_f2(scene, kim_tan_official, scene["neighbour"], nonce="f2-neig-0001", setting="other")
    client.force_login(kim_tan_official)

    entered = client.post(
        f"{prefix}/cases/new/",
        {
            "person": scene["nhung"].pk,
            "nonce": "case-form-nhung-1",
            "sample_date": str(timezone.localdate()),
            "test_type": "pcr",
        },
        follow=True,
    )

    html = entered.content.decode()
    assert added in html and left_out in html
    assert origin.format(number=scene["source"].number) in html


# --- The service ------------------------------------------------------------------------------------------------


def test_each_person_named_within_the_new_cases_window_becomes_its_f1_with_the_interview_copied(
    scene, kim_tan_official
):
    named(scene, kim_tan_official)
    yen_f2 = ContactLink.objects.get(contact__person=scene["yen"])

    new = enter_case(kim_tan_official, scene["nhung"])

    assert (new.from_f1_interview.added, new.from_f1_interview.outside_window) == (2, 1)
    links = {link.contact.person_id: link for link in ContactLink.objects.filter(case=new).select_related("contact")}
    assert set(links) == {scene["yen"].pk, scene["neighbour"].pk}  # the workmate was met before its window opened
    yen = links[scene["yen"].pk]
    assert (yen.level, yen.source, yen.setting, yen.place, yen.via_id) == (1, "interview", "household", "Nhà", None)
    assert (yen.exposure_start, yen.exposure_end, yen.overlap_minutes) == (
        yen_f2.exposure_start,
        yen_f2.exposure_end,
        60,
    )
    assert yen.evidence_key == f"f1_interview:{scene['source'].number}:{yen_f2.pk}"
    assert yen.named_as_f1_of == scene["source"].number
    neighbour = links[scene["neighbour"].pk]
    assert (neighbour.exposure_start, neighbour.exposure_end, neighbour.note) == (None, None, "Sang chơi hằng ngày")
    # Their contacts are F1 now (the lowest of their links); the F2 evidence stays, on the first case.
    for who in ("yen", "neighbour"):
        contact = Contact.objects.get(person=scene[who])
        assert (contact.level, contact.status) == (1, Contact.Status.CANDIDATE)
        assert ContactLink.objects.filter(contact=contact, case=scene["source"], level=2).exists()
    workmate = Contact.objects.get(person=scene["workmate"])
    assert workmate.level == 2 and not ContactLink.objects.filter(contact=workmate, case=new).exists()
    # Nhung herself: a case now, not a contact to call.
    assert Contact.objects.get(person=scene["nhung"]).status == Contact.Status.BECAME_CASE


def test_each_person_added_is_audited_as_an_interview_contact_naming_where_it_came_from(scene, kim_tan_official):
    named(scene, kim_tan_official)

    new = enter_case(kim_tan_official, scene["nhung"])

    entries = AuditLog.objects.filter(action="cases.contact.interview_added", extra__case=new.number)
    yen = Contact.objects.get(person=scene["yen"])
    neighbour = Contact.objects.get(person=scene["neighbour"])
    assert sorted(entries.values_list("object_id", flat=True)) == sorted([str(yen.pk), str(neighbour.pk)])
    entry = entries.get(object_id=str(yen.pk))
    assert entry.extra == {
        "case": new.number,
        "setting": "household",
        "named_as_f1_of": scene["source"].number,
        "named_by": scene["f1"].pk,
    }
    assert entry.actor_id == kim_tan_official.pk and entry.area_path == scene["yen"].area_path


def test_a_meeting_named_after_the_case_was_isolated_is_left_out(scene, kim_tan_official):
    now = scene["now"]
    name_f2(scene, kim_tan_official, scene["yen"], nonce="f2-yen-0001", start=now - 30 * HOUR, end=now - 29 * HOUR)
    name_f2(scene, kim_tan_official, scene["workmate"], nonce="f2-work-0001", start=now - 10 * HOUR)

    new = enter_case(kim_tan_official, scene["nhung"], isolated_at=now - 20 * HOUR)

    assert set(ContactLink.objects.filter(case=new).values_list("contact__person_id", flat=True)) == {scene["yen"].pk}
    assert new.from_f1_interview.outside_window == 1


def test_the_f1_interview_and_the_carry_end_a_quarantined_f1s_meetings_at_the_same_instant(scene, kim_tan_official):
    """The F2 interview refuses a meeting begun after the F1's quarantine started (its whole first day counts); the case
    entered for her, isolated by default at the end of that day (selectors.contact_case_defaults), carries what the
    interview took. A refusal, not a flag: what her page accepts is what her case takes. (Met eight days ago, her 7
    days of quarantine run to yesterday: her positive sample is yesterday's.)"""
    from ..selectors import contact_case_defaults

    today = timezone.localdate()
    started, sampled = today - 2 * DAY, today - DAY
    services.contact_status_set(
        actor=kim_tan_official, contact=scene["f1"], status="quarantined", quarantine_start=started
    )
    first_day_evening = local_midnight(started + DAY) - HOUR
    name_f2(scene, kim_tan_official, scene["yen"], nonce="f2-yen-0001", start=first_day_evening)
    with pytest.raises(ApplicationError) as caught:
        name_f2(scene, kim_tan_official, scene["workmate"], nonce="f2-work-0001", start=local_midnight(started + DAY))
    assert caught.value.extra["quarantine_start"] == started.isoformat()

    defaults = contact_case_defaults(person=scene["nhung"], sample_date=sampled)
    assert defaults.isolated_at == local_midnight(started + DAY)
    new = services.case_create(
        actor=kim_tan_official,
        person=scene["nhung"],
        sample_date=sampled,
        test_type=Case.TestType.PCR,
        isolated_at=defaults.isolated_at,
    )

    assert (new.from_f1_interview.added, new.from_f1_interview.outside_window) == (1, 0)
    assert ContactLink.objects.get(case=new).contact.person_id == scene["yen"].pk


def test_a_meeting_named_without_a_time_in_an_interview_before_the_window_opened_is_left_out(scene, kim_tan_official):
    """It was before the interview that named it: over before the window if that interview was."""
    link = name_f2(scene, kim_tan_official, scene["neighbour"], nonce="f2-neig-0001", setting="other")
    ContactLink.objects.filter(pk=link.pk).update(created_at=scene["now"] - 5 * DAY)

    new = enter_case(kim_tan_official, scene["nhung"])

    assert not ContactLink.objects.filter(case=new).exists()
    assert (new.from_f1_interview.added, new.from_f1_interview.outside_window) == (0, 1)


def test_one_meeting_named_as_an_f1_of_two_cases_is_one_link_of_the_new_case(tree, scene, kim_tan_official):
    now = scene["now"]
    second = case(kim_tan_official, person(tree["kim_tan"], "Ca Thứ Hai"), days_ago=3, onset_days_ago=4)
    services.contact_interview_add(
        actor=kim_tan_official,
        case=second,
        person=scene["nhung"],
        setting="workplace",
        nonce="f1-of-second",
        exposure_start=now - 3 * DAY,
    )
    [first, other], _ = services.contact_interview_f2_add(
        actor=kim_tan_official,
        f1=Contact.objects.get(pk=scene["f1"].pk),
        person=scene["yen"],
        setting="household",
        nonce="f2-yen-both",
        exposure_start=now - 30 * HOUR,
    )
    assert {first.case_id, other.case_id} == {scene["source"].pk, second.pk}

    new = enter_case(kim_tan_official, scene["nhung"])

    [carried] = ContactLink.objects.filter(case=new)
    lowest = min([first, other], key=lambda link: link.case.number)
    assert carried.evidence_key == f"f1_interview:{lowest.case.number}:{lowest.pk}"


def test_a_dismissed_person_named_stays_dismissed(scene, kim_tan_official):
    """A dismissal is the person's (docs/cases.md): new evidence does not reopen it, as for a case's interview."""
    now = scene["now"]
    yen_f2 = name_f2(scene, kim_tan_official, scene["yen"], nonce="f2-yen-0001", start=now - 30 * HOUR)
    services.contact_status_set(
        actor=kim_tan_official, contact=yen_f2.contact, status="dismissed", reason="Không ở cùng nhà"
    )

    new = enter_case(kim_tan_official, scene["nhung"])

    contact = Contact.objects.get(person=scene["yen"])
    assert ContactLink.objects.filter(case=new, contact=contact, level=1).exists()
    assert (contact.status, contact.level) == (Contact.Status.DISMISSED, 1)


def test_nothing_is_entered_when_adding_a_person_named_fails(scene, kim_tan_official, monkeypatch):
    """All or nothing: the case, its person's contact closed and the people named are one transaction."""
    named(scene, kim_tan_official)
    original, calls = services.contact_link_add, []

    def fails_the_second_time(**kwargs):
        calls.append(kwargs["person"].pk)
        if len(calls) == 2:
            raise ApplicationError(errors.INVALID_CONTACT, extra={"field": "level"})
        return original(**kwargs)

    monkeypatch.setattr(services, "contact_link_add", fails_the_second_time)
    links_before = ContactLink.objects.count()

    with pytest.raises(ApplicationError):
        enter_case(kim_tan_official, scene["nhung"])

    assert len(calls) == 2
    assert not Case.objects.filter(person=scene["nhung"]).exists()
    assert ContactLink.objects.count() == links_before
    assert Contact.objects.get(person=scene["nhung"]).status == Contact.Status.CANDIDATE
    assert set(Contact.objects.exclude(person=scene["nhung"]).values_list("level", flat=True)) == {2}
    assert AuditLog.objects.filter(action="cases.case.created").count() == 1  # the first case's
    assert not AuditLog.objects.filter(action="cases.contact.became_case").exists()


def test_the_api_tells_which_case_the_person_was_an_f1_of(client, scene, kim_tan_official):
    named(scene, kim_tan_official)
    new = enter_case(kim_tan_official, scene["nhung"])
    yen = Contact.objects.get(person=scene["yen"])
    client.force_login(kim_tan_official)

    links = client.get(f"/api/v1/contacts/{yen.pk}/").json()["links"]

    told = {(link["case"], link["level"]): link["named_as_f1_of"] for link in links}
    assert told == {(new.number, 1): scene["source"].number, (scene["source"].number, 2): ""}


def test_a_person_of_another_commune_named_is_added_and_the_evidence_names_no_one(
    client, tree, scene, kim_tan_official, thach_lam_official
):
    """The neighbour lives in Thạch Lâm: its official sees her contact and the new case's number, not Nhung."""
    named(scene, kim_tan_official)
    enter_case(kim_tan_official, scene["nhung"])
    neighbour = Contact.objects.get(person=scene["neighbour"])
    client.force_login(thach_lam_official)

    html = client.get(f"/cases/contacts/{neighbour.pk}/").content.decode()

    assert f"Do bệnh nhân của ca này khai khi còn là F1 của {scene['source'].number}" in html
    assert "Trần Thu Nhung" not in html


# --- F2 found through check-ins: the new case's own trace finds them ---------------------------------------------


def test_an_f2_traced_through_her_check_ins_is_found_as_f1_by_the_new_cases_own_trace(tree, kim_tan_official):
    """Not copied at the entry: the new case's trace reads the same check-ins (SQL on PostgreSQL, Python on SQLite;
    CI runs both) and finds the person as its F1."""
    from ..tracing import case_trace_checkins
    from .builders import checkin, venue

    now = timezone.now()
    kim_tan = tree["kim_tan"]
    market, shop = venue(kim_tan, "Chợ Kim Tân"), venue(kim_tan, "Tiệm may Kim Tân")
    source_person, nhung, customer = (person(kim_tan, name) for name in ("Cao Văn Nguồn", "Trần Thu Nhung", "Khách"))
    source = case(kim_tan_official, source_person)  # window from four days ago (CV 1909, onset two days ago)
    # At 10:00 three days ago, whatever the time now: "now - 72 hours" after 23:00 (Vietnam) let the hour at the market
    # run past midnight into the new case's window, which opens at 00:00 two days ago, and the test failed then.
    three_days_ago = timezone.localdate() - dt.timedelta(days=3)
    at_market = timezone.make_aware(dt.datetime.combine(three_days_ago, dt.time(10, 0)))
    checkin(source_person, market, at_market)
    checkin(nhung, market, at_market + 10 * dt.timedelta(minutes=1))  # an F1 of the source
    checkin(nhung, shop, now - 30 * HOUR)
    checkin(customer, shop, now - 30 * HOUR + 20 * dt.timedelta(minutes=1))  # an F2 through her
    case_trace_checkins(case=source, actor=kim_tan_official)
    assert Contact.objects.get(person=customer).level == 2

    new = enter_case(kim_tan_official, nhung)
    assert not ContactLink.objects.filter(case=new).exists()  # a check-in F2 is not copied
    assert (new.from_f1_interview.added, new.from_f1_interview.outside_window) == (0, 0)
    case_trace_checkins(case=new, actor=kim_tan_official)

    found = ContactLink.objects.get(case=new, contact__person=customer)
    assert (found.level, found.source, found.venue_id) == (1, "checkin", shop.pk)
    assert Contact.objects.get(person=customer).level == 1
    assert not ContactLink.objects.filter(case=new, contact__person=source_person).exists()  # before its window


# --- Row locks (PostgreSQL only: SQLite serialises writers) -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between connections need PostgreSQL")
def test_the_entry_waits_for_a_trace_holding_a_named_persons_contact_instead_of_deadlocking(transactional_db):
    """A trace's upsert locks the contacts it meets in person order. Entering the case locks the person's contact and
    those of the people named in person order too: holding the person's own while waiting for a lower person's, it
    and a trace meeting both would each wait for the other."""
    import threading
    import time

    from django.db import connections

    from .builders import ensure_rules, make_tree, official
    from .test_row_locks import _raw_connection, _waiting_for_a_lock

    ensure_rules()
    tree = make_tree()
    actor = official(tree["kim_tan"], "yte_kimtan")
    now = timezone.now()
    source = case(actor, person(tree["kim_tan"], "Cao Văn Nguồn"), days_ago=6, onset_days_ago=7)
    yen = person(tree["kim_tan"], "Đinh Thu Yến")  # a lower person id than Nhung's
    nhung = person(tree["kim_tan"], "Trần Thu Nhung")
    f1, _ = services.contact_interview_add(
        actor=actor, case=source, person=nhung, setting="household", nonce="f1-lock-0001", exposure_start=now - 8 * DAY
    )
    services.contact_interview_f2_add(
        actor=actor,
        f1=f1.contact,
        person=yen,
        setting="household",
        nonce="f2-lock-0001",
        exposure_start=now - 30 * HOUR,
    )
    yen_contact, nhung_contact = Contact.objects.get(person=yen), Contact.objects.get(person=nhung)
    assert yen_contact.person_id < nhung_contact.person_id

    trace = _raw_connection()
    trace.execute("SET deadlock_timeout = '100ms'")
    lock = f"SELECT 1 FROM {Contact._meta.db_table} WHERE person_id = %s FOR NO KEY UPDATE"
    trace.execute(lock, [yen.pk])
    outcome, failure = {}, []

    def entry():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                outcome["pid"] = cursor.fetchone()[0]
            outcome["case"] = enter_case(actor, nhung)
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            failure.append(exc)
        finally:
            connections.close_all()

    entering = threading.Thread(target=entry)
    entering.start()
    deadline = time.monotonic() + 10
    while "pid" not in outcome and time.monotonic() < deadline:
        time.sleep(0.01)
    while not _waiting_for_a_lock(outcome["pid"]) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _waiting_for_a_lock(outcome["pid"]), "the entry should wait for Yến's contact"
    trace.execute(lock, [nhung.pk])  # the trace goes on to Nhung; an entry holding her contact would deadlock here
    trace.commit()
    trace.close()
    entering.join(timeout=20)

    assert failure == []
    assert Contact.objects.get(person=nhung).status == Contact.Status.BECAME_CASE
    assert ContactLink.objects.filter(case=outcome["case"], contact__person=yen, level=1).exists()


# --- An F1 whose own link a later trace deleted ------------------------------------------------------------------


def test_the_f2_named_by_an_f1_whose_own_link_a_re_trace_deleted_are_carried(tree, kim_tan_official, settings):
    """The F2 of the F1's interview were read through the cases the person still had an F1 link to: a corrected onset
    took the F1's check-in link away on the next trace (docs/cases.md, "Tracing again"), and when she tested positive
    her sister, met in the new case's window, stayed an F2 "via" a person who was a case now. They are looked up by
    the person who named them."""
    from ..tracing import case_trace_checkins
    from .builders import checkin, local, venue

    settings.TRACING_MIN_OVERLAP_MINUTES = None
    settings.TRACING_OPEN_CHECKIN_BUFFER_MINUTES = {}
    now, today = timezone.now(), timezone.localdate()
    kim_tan = tree["kim_tan"]
    market = venue(kim_tan, "Chợ Kim Tân")
    source_person, nhung, yen = (person(kim_tan, name) for name in ("Cao Văn Nguồn", "Trần Thu Nhung", "Đinh Thu Yến"))
    checkin(source_person, market, local(today - 3 * DAY, 9))
    checkin(nhung, market, local(today - 3 * DAY, 9, 10))
    source = case(kim_tan_official, source_person, days_ago=0, onset_days_ago=1)  # window from three days ago
    case_trace_checkins(case=source, actor=kim_tan_official)
    f1 = Contact.objects.get(person=nhung)
    services.contact_interview_f2_add(
        actor=kim_tan_official,
        f1=f1,
        person=yen,
        setting="household",
        nonce="f2-yen-retrace",
        exposure_start=now - 30 * HOUR,
    )
    source = services.case_update(actor=kim_tan_official, case=source, onset_date=today)  # window from two days ago
    case_trace_checkins(case=source, actor=kim_tan_official)
    assert not ContactLink.objects.filter(contact__person=nhung, level=1).exists()
    assert Contact.objects.get(person=yen).level == 2  # still the source's F2, through her

    new = enter_case(kim_tan_official, nhung)

    assert (new.from_f1_interview.added, new.from_f1_interview.outside_window) == (1, 0)
    carried = ContactLink.objects.get(case=new)
    assert (carried.contact.person_id, carried.level, carried.named_as_f1_of) == (yen.pk, 1, source.number)
    assert Contact.objects.get(person=yen).level == 1


def _explained(queryset) -> str:
    """The plan of `queryset`'s statement: on PostgreSQL the generic plan of it prepared with its parameters bound (as
    psycopg's server-side binding prepares a statement run often), on SQLite its query plan."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        numbered = sql
        for number in range(1, len(params) + 1):
            numbered = numbered.replace("%s", f"${number}", 1)
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE named_f2 AS {numbered}")
        try:
            # EXECUTE takes no bound parameters (a utility statement): its arguments written out, as literals.
            values = ", ".join(str(p) if isinstance(p, int) else "'{}'".format(p.replace("'", "''")) for p in params)
            cursor.execute(f"EXPLAIN EXECUTE named_f2 ({values})")
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE named_f2")


@pytest.fixture
def links_of_a_traced_province(db):
    """20,000 check-in links, half of them F2 through an F1 (`via`), and a few F2 named in interviews; analysed."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            series, text = "generate_series(1, 20000) g", "'checkin:venue:' || g"
        else:
            series = "(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < 20000) SELECT g FROM s)"
            text = "'checkin:venue:' || g"
        cursor.execute(
            f"""INSERT INTO {ContactLink._meta.db_table} (contact_id, case_id, via_id, level, source, setting,
                evidence_key, place, overlap_minutes, occasions, end_assumed, note, created_at)
            SELECT g, 1 + g % 20, CASE WHEN g % 2 = 0 THEN g - 1 END, 1 + g % 2, 'checkin', 'venue', {text}, '', 0, 1,
                false, '', CURRENT_TIMESTAMP
            FROM {series}"""
        )
        cursor.execute(
            f"""INSERT INTO {ContactLink._meta.db_table} (contact_id, case_id, via_id, level, source, setting,
                evidence_key, place, occasions, end_assumed, note, created_at)
            SELECT 30000 + g, 1, g, 2, 'interview', 'household', 'interview:' || g, '', 1, false, '', CURRENT_TIMESTAMP
            FROM {series.replace("20000", "20")}"""
        )
        cursor.execute(f"ANALYZE {ContactLink._meta.db_table}")


def test_the_f2_named_by_an_f1_are_read_through_the_partial_index(links_of_a_traced_province):
    """By the person who named them (`via`), through contact_link_interview_via, which holds the interview's links
    only: the F1's cases are no longer read first, and the tracer's links pay for no index."""
    plan = _explained(services._interview_links_via([7]).filter(level=2))
    assert "contact_link_interview_via" in plan, plan
    assert "Seq Scan" not in plan and "SCAN cases_contactlink" not in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's generic plans")
def test_the_source_bound_as_a_parameter_would_leave_the_generic_plan_without_the_index(links_of_a_traced_province):
    """Why the lookup writes the source as a literal: a parameter proves nothing about the index's condition."""
    plan = _explained(ContactLink.objects.filter(via_id__in=[7], source="interview", level=2))
    assert "contact_link_interview_via" not in plan, plan
