"""A dismissal ends the chain through an F1 for the F2 named in its interview too (docs/cases.md, "Contacts named in an
F1's interview (F2)"), as it does for the check-in tracer's F2: in the move's transaction, audited, told on the page
that moved the F1; confirming the F1 again resumes it."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.utils import timezone

from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog

from .. import services
from ..models import Case, Contact, ContactLink
from ..selectors import area_counts_by_commune, contact_worklist
from .builders import case, person

HOUR = dt.timedelta(hours=1)


def _f1(actor, the_case, who, nonce, now):
    return services.contact_interview_add(
        actor=actor,
        case=the_case,
        person=who,
        setting="household",
        nonce=nonce,
        exposure_start=now - 40 * HOUR,
        exposure_end=now - 39 * HOUR,
    )[0].contact


def _f2(actor, f1, who, nonce, now, setting="workplace"):
    return services.contact_interview_f2_add(
        actor=actor,
        f1=Contact.objects.get(pk=f1.pk),
        person=who,
        setting=setting,
        nonce=nonce,
        exposure_start=now - 30 * HOUR,
        exposure_end=now - 29 * HOUR,
    )[0][0].contact


@pytest.fixture
def scene(tree, kim_tan_official):
    """A case whose F1, the wife, named three people in her interview: a colleague (named by her only), a neighbour
    (named by the husband's brother, another F1, too) and a friend already in quarantine."""
    now = timezone.now()
    kim_tan = tree["kim_tan"]
    the_case = case(kim_tan_official, person(kim_tan, "Cao Văn Nguồn"))
    wife = _f1(kim_tan_official, the_case, person(kim_tan, "Cao Thị Vợ"), "f1-wife-0001", now)
    brother = _f1(kim_tan_official, the_case, person(kim_tan, "Cao Văn Em"), "f1-brother-01", now)
    colleague = _f2(kim_tan_official, wife, person(kim_tan, "Lê Thị Đồng Nghiệp"), "f2-colleague-1", now)
    neighbour = _f2(kim_tan_official, wife, person(tree["thach_lam"], "Lê Văn Hàng Xóm"), "f2-neighbour-1", now)
    _f2(kim_tan_official, brother, neighbour.person, "f2-neighbour-2", now, setting="household")
    friend = _f2(kim_tan_official, wife, person(kim_tan, "Lê Thị Bạn"), "f2-friend-0001", now, setting="other")
    services.contact_status_set(actor=kim_tan_official, contact=friend, status="quarantined")
    return {
        "now": now,
        "case": the_case,
        "wife": wife,
        "brother": brother,
        "colleague": colleague,
        "neighbour": neighbour,
        "friend": friend,
    }


def _status(contact) -> str:
    return Contact.objects.get(pk=contact.pk).status


def _dismiss(actor, contact, reason="Không ở nhà tuần đó"):
    return services.contact_status_set(actor=actor, contact=contact, status="dismissed", reason=reason)


# --- The service -----------------------------------------------------------------------------------------------------


def test_dismissing_an_f1_takes_the_f2_named_only_by_them_off_the_work_list(scene, kim_tan_official, tree):
    moved = _dismiss(kim_tan_official, scene["wife"])

    assert moved.named_f2_followed == services.NamedF2Followed(named=3, closed=1, quarantined=1, reopened=0)
    # The colleague: no other evidence, no standing evidence now, as a re-trace leaves a check-in F2 of a dismissed F1.
    assert _status(scene["colleague"]) == Contact.Status.CASE_WITHDRAWN
    assert not contact_worklist(viewer=kim_tan_official).filter(pk=scene["colleague"].pk).exists()
    # The link stays, an official's record, and names the F1 it came through.
    assert ContactLink.objects.filter(contact=scene["colleague"], via=scene["wife"], source="interview").exists()
    entry = AuditLog.objects.get(action="cases.contact.case_withdrawn", object_id=str(scene["colleague"].pk))
    assert entry.extra == {"from": "candidate", "reason": "f1_dismissed", "case": scene["case"].number}
    assert entry.actor_id == kim_tan_official.pk and entry.area_path == scene["colleague"].person.area_path
    # The neighbour keeps the brother's naming: still an F2 of the case to call.
    assert _status(scene["neighbour"]) == Contact.Status.CANDIDATE
    # The friend stays in quarantine: ending it is an official's decision.
    assert _status(scene["friend"]) == Contact.Status.QUARANTINED
    [row] = [r for r in area_counts_by_commune(viewer=kim_tan_official) if r.area.pk == tree["kim_tan"].pk]
    assert (row.f1, row.f2) == (1, 1)  # the brother; the friend in quarantine (the neighbour lives in Thạch Lâm)


def test_a_dismissed_f1s_naming_no_longer_counts_for_the_work_list_or_a_confirmation(scene, kim_tan_official):
    """The evidence that stands is read the same everywhere (models.links_standing_q): the work list names no case
    for the friend in quarantine, and an F2 dismissed before, named only by the dismissed F1, is not confirmed again
    (no standing case links them), as for a contact of withdrawn cases."""
    from ..selectors import worklist_case_levels

    services.contact_status_set(actor=kim_tan_official, contact=scene["colleague"], status="dismissed", reason="Nhầm")
    _dismiss(kim_tan_official, scene["wife"])

    levels = worklist_case_levels(Contact.objects.filter(pk__in=[scene["friend"].pk, scene["neighbour"].pk]))
    assert scene["friend"].pk not in levels and levels[scene["neighbour"].pk] == [(scene["case"].number, 2)]
    with pytest.raises(ApplicationError) as caught:
        services.contact_status_set(
            actor=kim_tan_official, contact=Contact.objects.get(pk=scene["colleague"].pk), status="confirmed"
        )
    assert caught.value.code == "contact_no_standing_case"
    assert _status(scene["colleague"]) == Contact.Status.DISMISSED


def test_confirming_the_f1_again_resumes_the_chain(scene, kim_tan_official):
    _dismiss(kim_tan_official, scene["wife"])

    moved = services.contact_status_set(
        actor=kim_tan_official, contact=Contact.objects.get(pk=scene["wife"].pk), status="confirmed"
    )

    assert moved.named_f2_followed == services.NamedF2Followed(named=3, closed=0, quarantined=0, reopened=1)
    colleague = Contact.objects.get(pk=scene["colleague"].pk)
    assert (colleague.status, colleague.level, colleague.status_changed_by) == (Contact.Status.CANDIDATE, 2, None)
    assert colleague.first_exposure_at == scene["now"] - 30 * HOUR
    entry = AuditLog.objects.get(action="cases.contact.candidate", object_id=str(colleague.pk))
    assert entry.extra == {"reason": "f1_confirmed", "case": scene["case"].number}
    assert contact_worklist(viewer=kim_tan_official).filter(pk=colleague.pk).exists()
    assert _status(scene["friend"]) == Contact.Status.QUARANTINED


def test_an_f2_under_treatment_when_the_f1_is_confirmed_again_is_a_case_not_a_candidate(scene, kim_tan_official):
    _dismiss(kim_tan_official, scene["wife"])
    case(kim_tan_official, scene["colleague"].person)  # tested positive meanwhile; her contact was closed already

    services.contact_status_set(
        actor=kim_tan_official, contact=Contact.objects.get(pk=scene["wife"].pk), status="confirmed"
    )

    assert _status(scene["colleague"]) == Contact.Status.BECAME_CASE


def test_an_f2_with_other_evidence_keeps_its_status_and_takes_that_evidence_level(scene, kim_tan_official, tree):
    """Also an F1 of a second case: the dismissal of the wife leaves the colleague an F1, with that evidence's span."""
    second = case(kim_tan_official, person(tree["kim_tan"], "Ca Thứ Hai"))
    met = scene["now"] - 20 * HOUR
    services.contact_interview_add(
        actor=kim_tan_official,
        case=second,
        person=scene["colleague"].person,
        setting="transport",
        nonce="f1-second-0001",
        exposure_start=met,
    )

    moved = _dismiss(kim_tan_official, scene["wife"])

    colleague = Contact.objects.get(pk=scene["colleague"].pk)
    assert (colleague.status, colleague.level) == (Contact.Status.CANDIDATE, 1)
    assert (colleague.first_exposure_at, colleague.last_exposure_at) == (met, met)
    assert moved.named_f2_followed.closed == 0


def test_the_bulk_move_settles_the_f2_named_by_each_f1_dismissed(scene, kim_tan_official):
    outcome = services.contacts_status_set(
        actor=kim_tan_official,
        contacts=[scene["wife"], scene["brother"]],
        status="dismissed",
        reason="Không có mặt",
    )

    assert len(outcome.changed) == 2
    assert outcome.named_f2 == services.NamedF2Followed(named=3, closed=2, quarantined=1, reopened=0)
    assert _status(scene["neighbour"]) == _status(scene["colleague"]) == Contact.Status.CASE_WITHDRAWN
    again = services.contacts_status_set(
        actor=kim_tan_official,
        contacts=list(Contact.objects.filter(pk__in=[scene["wife"].pk, scene["brother"].pk])),
        status="confirmed",
    )
    assert again.named_f2 == services.NamedF2Followed(named=3, closed=0, quarantined=0, reopened=2)
    assert _status(scene["neighbour"]) == _status(scene["colleague"]) == Contact.Status.CANDIDATE


def test_other_moves_leave_the_f2_as_they_are(scene, kim_tan_official):
    moved = services.contact_status_set(actor=kim_tan_official, contact=scene["wife"], status="quarantined")
    assert moved.named_f2_followed == services.NamedF2Followed()
    assert _status(scene["colleague"]) == Contact.Status.CANDIDATE


def test_nothing_is_written_when_settling_the_f2_fails(scene, kim_tan_official, monkeypatch):
    """One transaction: the F1's move and its F2's settling stand or fall together."""

    def fails(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "quarantine_ends_extend", fails)
    _dismiss(kim_tan_official, scene["wife"])
    with pytest.raises(RuntimeError):
        services.contact_status_set(
            actor=kim_tan_official, contact=Contact.objects.get(pk=scene["wife"].pk), status="confirmed"
        )
    assert _status(scene["wife"]) == Contact.Status.DISMISSED
    assert _status(scene["colleague"]) == Contact.Status.CASE_WITHDRAWN
    assert not AuditLog.objects.filter(action="cases.contact.candidate").exists()


def test_a_dismissed_f1_who_tests_positive_still_passes_on_the_people_they_named(scene, kim_tan_official):
    """A dismissal says the person was no contact of that case, not that the meetings they named did not happen:
    entered as a case, the people they met within its window are its F1."""
    _dismiss(kim_tan_official, scene["wife"])

    new = services.case_create(
        actor=kim_tan_official,
        person=scene["wife"].person,
        sample_date=timezone.localdate(),
        test_type=Case.TestType.PCR,
    )

    assert new.from_f1_interview.added == 3
    colleague = Contact.objects.get(pk=scene["colleague"].pk)
    assert (colleague.status, colleague.level) == (Contact.Status.CANDIDATE, 1)


# --- The pages and the API ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prefix, dismissed, undone",
    [
        (
            "",
            "3 F2 do F1 bị loại khai báo không còn được tính qua người đó: loại một F1 là dừng chuỗi lây tại đó. "
            "1 người trong số đó không còn căn cứ nào khác: rời danh sách cần xử lý (không còn căn cứ). "
            "1 người trong số đó đang cách ly mà không còn căn cứ nào khác: cán bộ quyết định việc kết thúc cách ly, "
            "trên trang của từng người.",
            "3 F2 do F1 được xác nhận lại khai báo lại được tính qua người đó. 1 người trong số đó, không còn căn cứ "
            "sau khi F1 bị loại, lại là người tiếp xúc cần theo dõi.",
        ),
        (
            "/en",
            "3 F2 named in the interview of the F1 dismissed no longer count through them: a dismissal ends the "
            "chain there. 1 of them has no other evidence: off the work list (no standing evidence). 1 of them is "
            "in quarantine with no other evidence: an official decides on the release, on their page.",
            "3 F2 named in the interview of the F1 confirmed again count through them again. 1 of them, left with no "
            "standing evidence by the dismissal, is a contact to follow again.",
        ),
    ],
)
def test_the_f1s_page_says_how_many_f2_the_move_concerned(client, scene, kim_tan_official, prefix, dismissed, undone):
    client.force_login(kim_tan_official)
    url = f"{prefix}/cases/contacts/{scene['wife'].pk}/status/"

    response = client.post(url, {"status": "dismissed", "reason": "Không ở nhà"}, follow=True)
    assert response.status_code == 200 and dismissed in response.content.decode()

    response = client.post(url, {"status": "confirmed"}, follow=True)
    assert response.status_code == 200 and undone in response.content.decode()


def test_the_f2s_page_shows_the_f1_they_were_named_through_as_dismissed(client, scene, kim_tan_official):
    _dismiss(kim_tan_official, scene["wife"])
    client.force_login(kim_tan_official)

    html = client.get(f"/cases/contacts/{scene['colleague'].pk}/").content.decode()

    assert 'id="contact-status">Không còn căn cứ</span>' in html
    evidence = html.split('<ul class="evidence">', 1)[1].split("</ul>", 1)[0]
    assert re.search(
        r'class="via">Cao Thị Vợ[^<]*</a> <span class="status ct-dismissed via-dismissed">Đã loại</span>', evidence
    )


def test_the_case_page_says_it_in_the_level_the_move_came_from(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    back = f"/cases/{scene['case'].pk}/#contacts-f1"
    response = client.post(
        "/cases/contacts/status/",
        {
            "contact": [scene["wife"].pk],
            "status": "dismissed",
            "reason": "Không ở nhà",
            "form": "contacts-form-f1",
            "next": back,
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    level_one = page.split('id="contacts-form-f1"', 1)[1].split("</form>", 1)[0]
    moved = re.findall(r'<ul class="moved" role="status">(.*?)</ul>', page)
    assert any("3 F2 do F1 bị loại khai báo" in told for told in moved), moved
    assert "Cao Thị Vợ" in level_one


def test_the_api_answers_what_the_move_did_to_the_f2(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    single = client.post(
        f"/api/v1/contacts/{scene['wife'].pk}/status/",
        {"status": "dismissed", "reason": "Không ở nhà"},
        content_type="application/json",
    )
    assert single.status_code == 200
    assert single.json()["named_f2"] == {"named": 3, "closed": 1, "quarantined": 1, "reopened": 0, "after_start": 0}
    bulk = client.post(
        "/api/v1/contacts/status/",
        {"contacts": [scene["wife"].pk], "status": "confirmed"},
        content_type="application/json",
    )
    assert bulk.status_code == 200
    assert bulk.json()["named_f2"] == {"named": 3, "closed": 0, "quarantined": 0, "reopened": 1, "after_start": 0}
    other = client.post(
        f"/api/v1/contacts/{scene['brother'].pk}/status/", {"status": "quarantined"}, content_type="application/json"
    )
    assert other.json()["named_f2"] == {"named": 0, "closed": 0, "quarantined": 0, "reopened": 0, "after_start": 0}


# --- Row locks (PostgreSQL only: SQLite serialises writers) -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between connections need PostgreSQL")
def test_the_dismissal_waits_for_a_trace_holding_an_f2s_contact_instead_of_deadlocking(transactional_db):
    """A trace's upsert locks the contacts it meets in person order. The dismissal locks the F1's and its F2's contacts
    in person order too: holding the F1's while waiting for a lower person's F2, it and a trace meeting both would
    each wait for the other."""
    import threading
    import time

    from django.db import connections

    from .builders import ensure_rules, make_tree, official
    from .test_row_locks import _raw_connection, _waiting_for_a_lock

    ensure_rules()
    tree = make_tree()
    actor = official(tree["kim_tan"], "yte_kimtan")
    now = timezone.now()
    the_case = case(actor, person(tree["kim_tan"], "Cao Văn Nguồn"))
    colleague = person(tree["kim_tan"], "Lê Thị Đồng Nghiệp")  # a lower person id than the wife's
    wife = _f1(actor, the_case, person(tree["kim_tan"], "Cao Thị Vợ"), "f1-lock-0001", now)
    _f2(actor, wife, colleague, "f2-lock-0001", now)
    assert colleague.pk < wife.person_id

    trace = _raw_connection()
    trace.execute("SET deadlock_timeout = '100ms'")
    lock = f"SELECT 1 FROM {Contact._meta.db_table} WHERE person_id = %s FOR NO KEY UPDATE"
    trace.execute(lock, [colleague.pk])
    outcome, failure = {}, []

    def dismissal():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                outcome["pid"] = cursor.fetchone()[0]
            outcome["moved"] = _dismiss(actor, wife)
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            failure.append(exc)
        finally:
            connections.close_all()

    moving = threading.Thread(target=dismissal)
    moving.start()
    deadline = time.monotonic() + 10
    while "pid" not in outcome and time.monotonic() < deadline:
        time.sleep(0.01)
    while not _waiting_for_a_lock(outcome["pid"]) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _waiting_for_a_lock(outcome["pid"]), "the dismissal should wait for the colleague's contact"
    trace.execute(lock, [wife.person_id])  # the trace goes on to the wife; a move holding her contact would deadlock
    trace.commit()
    trace.close()
    moving.join(timeout=20)

    assert failure == []
    assert outcome["moved"].named_f2_followed.closed == 1
    assert Contact.objects.get(person=colleague).status == Contact.Status.CASE_WITHDRAWN
