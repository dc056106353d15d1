"""Recording a case's outcome (recovered, died) and taking it back: the official chooses the outcome (none is
preselected) and ticks a confirmation; a recovery earlier than CASE_RECOVERY_MIN_DAYS after the positive sample asks
to check the date before it is recorded; an outcome recorded by mistake is undone, with a reason, within
OUTCOME_UNDO_HOURS. Through the service, the case page and the API."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.utils import timezone

from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog

from .. import errors, services
from ..models import Case, Contact
from .builders import case, link, person

REASON = "Bấm nhầm ca bệnh: người này vẫn đang điều trị"


def _today():
    return timezone.localdate()


@pytest.fixture
def fresh(tree, kim_tan_official):
    """A case sampled yesterday, as in the walk-through (sampled 06/12, marked recovered on 07/12)."""
    return case(kim_tan_official, person(tree["kim_tan"], "Lê Văn Khỏi"), days_ago=1)


@pytest.fixture
def older(tree, kim_tan_official):
    """A case sampled three weeks ago: a recovery today is nothing unusual."""
    return case(kim_tan_official, person(tree["kim_tan"], "Lê Thị Lâu"), days_ago=21, onset_days_ago=22)


def _outcome_form(html: str) -> str:
    return html.split('id="outcome"', 1)[1].split("</details>", 1)[0]


def _ticked(form: str) -> list[str]:
    """The names of the checkboxes shown ticked in `form`."""
    return re.findall(r'<input type="checkbox" name="(\w+)"[^>]*\bchecked\b', form)


# --- The form ------------------------------------------------------------------------------------------------------


def test_the_outcome_form_preselects_no_outcome_and_asks_for_a_tick(client, older, kim_tan_official):
    client.force_login(kim_tan_official)
    form = _outcome_form(client.get(f"/cases/{older.pk}/").content.decode())
    assert re.search(r'<option value="" selected>', form)  # the official must choose
    assert 'name="confirm"' in form and "Tôi xác nhận" in form
    url = f"/cases/{older.pk}/status/"
    for body in (
        {"status": "recovered", "on": _today().isoformat()},  # no tick
        {"confirm": "on", "on": _today().isoformat()},  # no outcome chosen
    ):
        response = client.post(url, body)
        assert response.status_code == 400 and 'id="outcome"' in response.content.decode()
        older.refresh_from_db()
        assert older.status == Case.Status.UNDER_TREATMENT
    assert not AuditLog.objects.filter(action__in=["cases.case.recovered", "cases.case.died"]).exists()
    response = client.post(url, {"status": "recovered", "on": _today().isoformat(), "confirm": "on"})
    assert response.status_code == 302
    older.refresh_from_db()
    assert older.status == Case.Status.RECOVERED


def test_a_recovery_the_day_after_the_sample_asks_to_check_the_date_before_it_is_recorded(
    client, fresh, kim_tan_official
):
    client.force_login(kim_tan_official)
    url = f"/cases/{fresh.pk}/status/"
    body = {"status": "recovered", "on": _today().isoformat(), "confirm": "on"}
    response = client.post(url, body)
    html = response.content.decode()
    assert response.status_code == 409
    usual = (fresh.sample_date + dt.timedelta(days=10)).strftime("%d/%m/%Y")
    assert usual in html and "cài đặt của tỉnh" in html  # the figure is the province's, and says so
    assert 'name="date_confirmed"' in _outcome_form(html)
    fresh.refresh_from_db()
    assert fresh.status == Case.Status.UNDER_TREATMENT
    # The date checked and confirmed: recorded, and the audit entry says the early date was confirmed.
    response = client.post(url, {**body, "date_confirmed": "on"})
    assert response.status_code == 302
    fresh.refresh_from_db()
    assert fresh.status == Case.Status.RECOVERED
    entry = AuditLog.objects.get(action="cases.case.recovered")
    assert entry.extra["date_confirmed"] is True and entry.extra["on"] == _today().isoformat()


def test_a_refused_outcome_comes_back_with_its_tick_unticked(client, fresh, kim_tan_official):
    """The official confirms again what they send next: shown ticked, a date corrected after the warning was recorded
    on the tick given to the one refused."""
    client.force_login(kim_tan_official)
    url = f"/cases/{fresh.pk}/status/"

    # A recovery the day after the sample: refused, to check the date. The outcome chosen stays; the tick that
    # confirmed it comes back unticked, beside the one that confirms the date.
    response = client.post(url, {"status": "recovered", "on": _today().isoformat(), "confirm": "on"})
    form = _outcome_form(response.content.decode())
    assert response.status_code == 409 and 'name="date_confirmed"' in form and 'name="confirm"' in form
    assert _ticked(form) == [] and 'value="recovered" selected' in form
    # Refused by the form itself (no outcome chosen): unticked too.
    response = client.post(url, {"status": "", "on": _today().isoformat(), "confirm": "on"})
    form = _outcome_form(response.content.decode())
    assert response.status_code == 400 and 'name="confirm"' in form and _ticked(form) == []
    fresh.refresh_from_db()
    assert fresh.status == Case.Status.UNDER_TREATMENT
    # Ticked again, with the date confirmed: recorded.
    response = client.post(
        url, {"status": "recovered", "on": _today().isoformat(), "confirm": "on", "date_confirmed": "on"}
    )
    fresh.refresh_from_db()
    assert response.status_code == 302 and fresh.status == Case.Status.RECOVERED


def test_the_english_page_warns_in_english(client, fresh, kim_tan_official):
    client.force_login(kim_tan_official)
    response = client.post(
        f"/en/cases/{fresh.pk}/status/", {"status": "recovered", "on": _today().isoformat(), "confirm": "on"}
    )
    assert response.status_code == 409 and "a setting of the province" in response.content.decode()


def test_a_death_is_never_too_early(fresh, kim_tan_official):
    services.case_status_set(actor=kim_tan_official, case=fresh, status="died")
    fresh.refresh_from_db()
    assert fresh.status == Case.Status.DIED


def test_the_service_asks_to_confirm_an_early_recovery_and_the_setting_can_turn_it_off(
    fresh, kim_tan_official, settings
):
    with pytest.raises(ApplicationError) as caught:
        services.case_status_set(actor=kim_tan_official, case=fresh, status="recovered")
    assert caught.value.code == "case_recovery_early" and caught.value.status == 409
    assert caught.value.extra["min_days"] == 10 and caught.value.extra["field"] == "date"
    assert caught.value.extra["usual_from"] == (fresh.sample_date + dt.timedelta(days=10)).isoformat()
    settings.CASE_RECOVERY_MIN_DAYS = 0
    services.case_status_set(actor=kim_tan_official, case=fresh, status="recovered")
    fresh.refresh_from_db()
    assert fresh.status == Case.Status.RECOVERED


def test_the_api_asks_to_confirm_an_early_recovery(client, fresh, kim_tan_official):
    client.force_login(kim_tan_official)
    url = f"/api/v1/cases/{fresh.pk}/status/"
    refused = client.post(url, {"status": "recovered"}, content_type="application/json")
    assert refused.status_code == 409
    answer = refused.json()
    assert answer["code"] == "case_recovery_early" and answer["extra"]["field"] == "date"
    assert "setting of the province" in answer["message_en"] and "cài đặt của tỉnh" in answer["message_vi"]
    done = client.post(url, {"status": "recovered", "date_confirmed": True}, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "recovered"


# --- Taking it back -------------------------------------------------------------------------------------------------


def test_an_outcome_recorded_by_mistake_is_undone_on_the_page_with_a_reason_and_a_tick(client, older, kim_tan_official):
    services.case_status_set(actor=kim_tan_official, case=older, status="died")
    client.force_login(kim_tan_official)
    html = client.get(f"/cases/{older.pk}/").content.decode()
    assert 'id="outcome-undo"' in html and 'id="withdraw"' not in html
    url = f"/cases/{older.pk}/outcome-undo/"
    for body in ({"reason": REASON}, {"confirm": "on"}, {"reason": "  ", "confirm": "on"}):
        response = client.post(url, body)
        assert response.status_code == 400 and 'id="outcome-undo"' in response.content.decode()
        if "reason" not in body or not body["reason"].strip():  # the service's words, not "This field is required."
            assert errors.CASE_OUTCOME_UNDO_REASON_REQUIRED.vi in response.content.decode()
        older.refresh_from_db()
        assert older.status == Case.Status.DIED
    response = client.post(url, {"reason": REASON, "confirm": "on"}, follow=True)
    html = response.content.decode()
    older.refresh_from_db()
    assert older.status == Case.Status.UNDER_TREATMENT and older.status_changed_at is None
    assert 'id="outcome"' in html and 'id="withdraw"' in html  # the case's forms are back
    entry = AuditLog.objects.get(action="cases.case.outcome_undone")
    assert entry.extra["from"] == "died" and entry.extra["reason"] == REASON
    assert entry.actor_id == kim_tan_official.pk


def test_an_outcome_is_undone_only_for_a_while_after_it_was_recorded(client, older, kim_tan_official):
    services.case_status_set(actor=kim_tan_official, case=older, status="recovered")
    Case.objects.filter(pk=older.pk).update(
        outcome_recorded_at=timezone.now() - dt.timedelta(hours=services.OUTCOME_UNDO_HOURS, minutes=1)
    )
    with pytest.raises(ApplicationError) as caught:
        services.case_outcome_undo(actor=kim_tan_official, case=older, reason=REASON)
    assert caught.value.code == "case_outcome_undo_closed"
    client.force_login(kim_tan_official)
    assert 'id="outcome-undo"' not in client.get(f"/cases/{older.pk}/").content.decode()
    # An outcome recorded before the platform kept when (outcome_recorded_at empty) stays as it is too.
    Case.objects.filter(pk=older.pk).update(outcome_recorded_at=None)
    with pytest.raises(ApplicationError) as caught:
        services.case_outcome_undo(actor=kim_tan_official, case=older, reason=REASON)
    assert caught.value.code == "case_outcome_undo_closed"


def test_only_a_recorded_outcome_is_undone(older, kim_tan_official):
    with pytest.raises(ApplicationError) as caught:
        services.case_outcome_undo(actor=kim_tan_official, case=older, reason=REASON)
    assert caught.value.code == "case_status_transition"
    services.case_status_set(actor=kim_tan_official, case=older, status="recovered")
    with pytest.raises(ApplicationError) as caught:
        services.case_outcome_undo(actor=kim_tan_official, case=older, reason=" ")
    assert caught.value.code == "case_outcome_undo_reason_required"


def test_no_undo_while_the_person_has_another_case_under_treatment(tree, older, kim_tan_official):
    services.case_status_set(actor=kim_tan_official, case=older, status="recovered")
    case(kim_tan_official, older.person, days_ago=0, onset_days_ago=None)  # reinfected, entered since
    with pytest.raises(ApplicationError) as caught:
        services.case_outcome_undo(actor=kim_tan_official, case=older, reason=REASON)
    assert caught.value.code == "person_already_case"
    older.refresh_from_db()
    assert older.status == Case.Status.RECOVERED


def test_an_undone_recovery_closes_the_contact_a_new_case_reopened_meanwhile(tree, older, kim_tan_official):
    services.case_status_set(actor=kim_tan_official, case=older, status="recovered")
    other = case(kim_tan_official, person(tree["kim_tan"], "Người khác"), days_ago=0, onset_days_ago=None)
    contact = link(older.person, other)[0].contact  # met after the recovery: a candidate to call
    assert contact.status == Contact.Status.CANDIDATE
    services.case_outcome_undo(actor=kim_tan_official, case=older, reason=REASON)
    contact.refresh_from_db()
    assert contact.status == Contact.Status.BECAME_CASE  # under treatment again: not a contact to call


def test_no_undo_once_the_recovery_was_certified(tree, older, kim_tan_official, settings, tmp_path):
    from phongdich.certificates import keys
    from phongdich.certificates.services import certificates_for_citizen

    settings.DCC_KEY_DIR = tmp_path / "dcc"
    settings.DCC_TRUST_DIR = tmp_path / "dcc" / "trust"
    keys._cache.clear()
    try:
        services.case_status_set(actor=kim_tan_official, case=older, status="recovered")
        assert any(c.kind == "r" for c in certificates_for_citizen(person=older.person))  # the citizen has it
        with pytest.raises(ApplicationError) as caught:
            services.case_outcome_undo(actor=kim_tan_official, case=older, reason=REASON)
        assert caught.value.code == "case_outcome_undo_closed" and caught.value.extra["reason"] == "certified"
    finally:
        keys._cache.clear()


def test_the_api_undoes_an_outcome(client, older, kim_tan_official):
    services.case_status_set(actor=kim_tan_official, case=older, status="recovered")
    client.force_login(kim_tan_official)
    url = f"/api/v1/cases/{older.pk}/outcome-undo/"
    refused = client.post(url, {}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "case_outcome_undo_reason_required"
    done = client.post(url, {"reason": REASON}, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "under_treatment"
    again = client.post(url, {"reason": REASON}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "case_status_transition"


def test_another_communes_official_cannot_undo(client, older, kim_tan_official, thach_lam_official):
    services.case_status_set(actor=kim_tan_official, case=older, status="recovered")
    client.force_login(thach_lam_official)
    response = client.post(f"/cases/{older.pk}/outcome-undo/", {"reason": REASON, "confirm": "on"})
    assert response.status_code == 404
    older.refresh_from_db()
    assert older.status == Case.Status.RECOVERED


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between connections need PostgreSQL")
def test_a_certificate_asked_for_during_an_undo_waits_for_it_and_signs_no_recovery(
    transactional_db, monkeypatch, settings, tmp_path
):
    """The undo asks whether a recovery certificate was issued, then writes the case under treatment again. A
    citizen's look-up that read the case recovered in between signed a recovery for a case under treatment. It now
    waits for the undo's person lock, and reads the case after the undo."""
    import threading
    import time

    from django.db import connections

    from phongdich.certificates import keys
    from phongdich.certificates.models import Certificate
    from phongdich.certificates.services import certificates_for_citizen

    from .builders import ensure_rules, make_tree, official
    from .test_row_locks import _waiting_for_a_lock

    settings.DCC_KEY_DIR = tmp_path / "dcc"
    settings.DCC_TRUST_DIR = tmp_path / "dcc" / "trust"
    keys._cache.clear()
    ensure_rules()
    tree = make_tree()
    actor = official(tree["kim_tan"], "yte_kimtan")
    sick = case(actor, person(tree["kim_tan"], "Lê Thị Lâu"), days_ago=21, onset_days_ago=22)
    services.case_status_set(actor=actor, case=sick, status="recovered")

    undo_holds, undo_may_commit = threading.Event(), threading.Event()
    real_signal = services.send_person_case_facts_changed

    def signal_then_hold(person_ids):  # the undo's last step inside its transaction
        real_signal(person_ids)
        undo_holds.set()
        undo_may_commit.wait(timeout=20)

    monkeypatch.setattr(services, "send_person_case_facts_changed", signal_then_hold)
    outcome, failures = {}, []

    def run(name, action):
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                outcome[f"{name}_pid"] = cursor.fetchone()[0]
            outcome[name] = action()
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            failures.append(exc)
        finally:
            connections.close_all()

    undoing = threading.Thread(
        target=run, args=("undo", lambda: services.case_outcome_undo(actor=actor, case=sick, reason=REASON))
    )
    undoing.start()
    assert undo_holds.wait(timeout=20)
    looking = threading.Thread(target=run, args=("listed", lambda: certificates_for_citizen(person=sick.person)))
    looking.start()
    deadline = time.monotonic() + 10
    while "listed_pid" not in outcome and time.monotonic() < deadline:
        time.sleep(0.01)
    while not _waiting_for_a_lock(outcome["listed_pid"]) and looking.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    waited = looking.is_alive() and _waiting_for_a_lock(outcome["listed_pid"])
    undo_may_commit.set()
    undoing.join(timeout=20)
    looking.join(timeout=20)
    keys._cache.clear()

    assert failures == []
    assert waited, "the look-up should wait for the undo's lock on the person"
    sick.refresh_from_db()
    assert sick.status == Case.Status.UNDER_TREATMENT
    assert not Certificate.objects.filter(person=sick.person, kind="r").exists()
    assert [c.kind for c in outcome["listed"]] == []


def _undo_form(html: str) -> str:
    return html.split('id="outcome-undo"', 1)[1].split("</details>", 1)[0]


def test_a_refused_undo_of_the_outcome_comes_back_unticked(client, older, kim_tan_official):
    """The official confirms again what they send next: until 2026-12-07 the undo came back with its tick ticked, and
    a reason typed after the refusal was sent on the tick given to the one refused."""
    services.case_status_set(actor=kim_tan_official, case=older, status="recovered")
    client.force_login(kim_tan_official)
    url = f"/cases/{older.pk}/outcome-undo/"
    # Refused by the form (a reason of spaces only): the tick comes back unticked.
    response = client.post(url, {"reason": "  ", "confirm": "on"})
    form = _undo_form(response.content.decode())
    assert response.status_code == 400 and 'name="confirm"' in form and _ticked(form) == []
    # Refused by the service (the 24 hours are over): with the reason, unticked.
    Case.objects.filter(pk=older.pk).update(
        outcome_recorded_at=timezone.now() - dt.timedelta(hours=services.OUTCOME_UNDO_HOURS, minutes=1)
    )
    response = client.post(url, {"reason": REASON, "confirm": "on"})
    form = _undo_form(response.content.decode())
    assert response.status_code == 409 and 'role="alert"' in form and REASON in form
    assert 'name="confirm"' in form and _ticked(form) == []
    older.refresh_from_db()
    assert older.status == Case.Status.RECOVERED
