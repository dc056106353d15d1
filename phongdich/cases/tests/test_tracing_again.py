"""Tracing a case again gives what a first trace would: links it no longer finds go, and their contacts are settled
on the evidence that still stands (docs/cases.md, "Tracing again")."""

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.core.models import AuditLog

from .. import services
from ..models import Contact, ContactLink, ExposureNotice, TracingRun
from ..selectors import area_counts_by_commune, contact_worklist
from ..tracing import case_trace_checkins
from .builders import case, checkin, link, local, person, venue


@pytest.fixture
def tracing(settings):
    settings.TRACING_MIN_OVERLAP_MINUTES = None
    settings.TRACING_OPEN_CHECKIN_BUFFER_MINUTES = {}
    settings.TRACING_MAX_LEVEL = 2
    settings.EXPOSURE_NOTICES_AUTO_PUBLISH = True


@pytest.fixture
def chain(tree, kim_tan_official, tracing):
    """A case at the market at 09:00 two days ago; an F1 there at 09:10, who went on to a shop at 18:00, where an F2
    was at 18:10."""
    kim_tan = tree["kim_tan"]
    market, shop = venue(kim_tan, "Chợ Kim Tân"), venue(kim_tan, "Quán Tư")
    day = timezone.localdate() - dt.timedelta(days=2)
    source, f1, f2 = person(kim_tan, "Nguồn"), person(kim_tan, "Một"), person(kim_tan, "Hai")
    checkin(source, market, local(day, 9))
    checkin(f1, market, local(day, 9, 10))
    checkin(f1, shop, local(day, 18))
    checkin(f2, shop, local(day, 18, 10))
    entered = case(kim_tan_official, source)
    case_trace_checkins(case=entered, actor=kim_tan_official)
    assert Contact.objects.get(person=f2).level == 2
    return entered, f1, f2


def _dismiss(official, who) -> None:
    """The commune called: the F1 was not there."""
    services.contact_status_set(
        actor=official,
        contact=Contact.objects.get(person=who),
        status=Contact.Status.DISMISSED,
        reason="Quét nhầm mã, không có mặt",
    )


def test_the_f2_of_an_f1_dismissed_since_leave_the_work_list_when_the_case_is_traced_again(
    chain, kim_tan_official, tree
):
    """The usual order: the trace finds, the commune calls, the F1 was not there. The dismissal ends the chain, so the
    F2 met only through that F1 have no evidence left once the case is traced again."""
    entered, f1, f2 = chain
    _dismiss(kim_tan_official, f1)

    outcome = case_trace_checkins(case=entered, actor=kim_tan_official)

    assert (outcome.links_removed, outcome.contacts_closed) == (1, 1)
    contact = Contact.objects.get(person=f2)
    assert contact.status == Contact.Status.CASE_WITHDRAWN
    assert not contact.links.exists()
    assert not contact_worklist(viewer=kim_tan_official).filter(person=f2).exists()
    [row] = [r for r in area_counts_by_commune(viewer=kim_tan_official) if r.area.pk == tree["kim_tan"].pk]
    assert (row.f1, row.f2) == (0, 0)
    entry = AuditLog.objects.filter(action="case.trace_checkins").latest("pk")
    assert entry.extra["links_removed"] == 1 and entry.extra["contacts_closed"] == [contact.pk]
    # On the contact's own record too, as every move the system makes (the reviewer's finding: only the trace's
    # entry named it).
    moved = AuditLog.objects.get(action="cases.contact.case_withdrawn", object_id=str(contact.pk))
    assert moved.extra == {"from": "candidate", "reason": "evidence_gone", "case": entered.number}
    # The dismissed F1 keeps its own evidence and status.
    assert Contact.objects.get(person=f1).status == Contact.Status.DISMISSED
    assert ContactLink.objects.filter(contact__person=f1, case=entered).exists()


def test_a_corrected_onset_that_shrinks_the_window_takes_the_f1_it_no_longer_covers_off_the_work_list(
    tree, kim_tan_official, tracing
):
    kim_tan = tree["kim_tan"]
    market = venue(kim_tan, "Chợ Kim Tân")
    today = timezone.localdate()
    source, met, still = person(kim_tan, "Nguồn"), person(kim_tan, "Gặp Ở Chợ"), person(kim_tan, "Gặp Hôm Qua")
    early = today - dt.timedelta(days=3)
    checkin(source, market, local(early, 9))
    checkin(met, market, local(early, 9, 10))
    checkin(source, market, local(today - dt.timedelta(days=1), 9))
    checkin(still, market, local(today - dt.timedelta(days=1), 9, 10))
    entered = case(kim_tan_official, source, days_ago=0, onset_days_ago=1)  # window from day -3 (2 days before onset)
    case_trace_checkins(case=entered, actor=kim_tan_official)
    assert Contact.objects.get(person=met).status == Contact.Status.CANDIDATE

    # Window from day -2: the edit traces the case again itself, as it was traced before.
    entered = services.case_update(actor=kim_tan_official, case=entered, onset_date=today)
    outcome = entered.traced_again

    assert not ExposureNotice.objects.filter(case=entered, start__lt=entered.window_start).exists()
    assert not ContactLink.objects.filter(case=entered, exposure_start__lt=entered.window_start).exists()
    assert Contact.objects.get(person=met).status == Contact.Status.CASE_WITHDRAWN
    assert not contact_worklist(viewer=kim_tan_official).filter(person=met).exists()
    assert Contact.objects.get(person=still).status == Contact.Status.CANDIDATE  # what the window still covers
    assert (outcome.links_added, outcome.links_removed, outcome.contacts_closed) == (0, 1, 1)


def test_a_contact_keeps_what_other_evidence_says_and_one_in_quarantine_stays_there(chain, kim_tan_official, tree):
    """After the F1's dismissal, an F2 an interview also named keeps that link, its level and span from it; an F2
    already in quarantine whose only link goes stays in quarantine for an official to release."""
    entered, f1, f2 = chain
    kim_tan = tree["kim_tan"]
    other = person(kim_tan, "Ba")
    checkin(other, ContactLink.objects.get(contact__person=f2).venue, local(timezone.localdate() - dt.timedelta(2), 18))
    case_trace_checkins(case=entered, actor=kim_tan_official)
    services.contact_status_set(
        actor=kim_tan_official,
        contact=Contact.objects.get(person=other),
        status=Contact.Status.QUARANTINED,
        quarantine_start=timezone.localdate(),
    )
    met_at = local(timezone.localdate() - dt.timedelta(days=1), 20)
    interview = {"source": ContactLink.Source.INTERVIEW, "setting": ContactLink.Setting.HOUSEHOLD}
    link(f2, entered, level=1, key="interview:household", exposure_start=met_at, exposure_end=met_at, **interview)
    _dismiss(kim_tan_official, f1)

    outcome = case_trace_checkins(case=entered, actor=kim_tan_official)

    assert (outcome.links_removed, outcome.contacts_closed) == (2, 0)
    contact = Contact.objects.get(person=f2)
    assert (contact.status, contact.level) == (Contact.Status.CANDIDATE, 1)
    assert (contact.first_exposure_at, contact.last_exposure_at) == (met_at, met_at)
    assert Contact.objects.get(person=other).status == Contact.Status.QUARANTINED


def test_an_old_cases_links_stay_when_its_check_ins_may_have_been_purged(chain, kim_tan_official, settings):
    """Retention deletes old check-ins: for a case whose window began before the first day kept, a link not found
    may mean purged check-ins, not wrong evidence."""
    entered, f1, f2 = chain
    _dismiss(kim_tan_official, f1)
    settings.CHECKIN_RETENTION_DAYS = 1  # below the setting's minimum: only to age the case without moving dates

    outcome = case_trace_checkins(case=entered, actor=kim_tan_official)

    assert outcome.links_removed == 0
    assert Contact.objects.get(person=f2).status == Contact.Status.CANDIDATE


def test_a_dismissal_or_a_quarantine_traces_the_case_again_in_the_background(
    chain, kim_tan_official, settings, django_capture_on_commit_callbacks
):
    """The F2 follow the F1's move without an official's "Trace again": a run is queued for the case."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    entered, f1, f2 = chain

    with django_capture_on_commit_callbacks(execute=True):
        _dismiss(kim_tan_official, f1)

    run = TracingRun.objects.get()
    assert (run.status, run.created_by, list(run.cases.all())) == ("done", kim_tan_official, [entered])
    assert Contact.objects.get(person=f2).status == Contact.Status.CASE_WITHDRAWN

    # Undoing the dismissal resumes the chain: traced again, the F2 is a candidate again.
    with django_capture_on_commit_callbacks(execute=True):
        services.contacts_status_set(
            actor=kim_tan_official, contacts=[Contact.objects.get(person=f1)], status=Contact.Status.CONFIRMED
        )
    assert TracingRun.objects.count() == 2
    assert Contact.objects.get(person=f2).status == Contact.Status.CANDIDATE
    # A move that changes nothing beyond the contact queues nothing.
    with django_capture_on_commit_callbacks(execute=True):
        services.contact_status_set(
            actor=kim_tan_official, contact=Contact.objects.get(person=f2), status=Contact.Status.CONFIRMED
        )
    assert TracingRun.objects.count() == 2


def test_a_trace_that_finds_a_later_meeting_of_a_contact_in_quarantine_moves_its_end(tree, kim_tan_official, tracing):
    """Quarantine ends the rule's days after the last exposure (RULES.md §2): the case's second market day, uploaded
    late, is a later exposure of the F1 already in quarantine."""
    kim_tan = tree["kim_tan"]
    market = venue(kim_tan, "Chợ Kim Tân")
    today = timezone.localdate()
    source, f1 = person(kim_tan, "Nguồn"), person(kim_tan, "Một")
    checkin(source, market, local(today - dt.timedelta(days=2), 9))
    checkin(f1, market, local(today - dt.timedelta(days=2), 9, 10))
    entered = case(kim_tan_official, source, days_ago=0, onset_days_ago=1)
    case_trace_checkins(case=entered, actor=kim_tan_official)
    start = today - dt.timedelta(days=2)
    services.contact_status_set(
        actor=kim_tan_official, contact=Contact.objects.get(person=f1), status="quarantined", quarantine_start=start
    )
    days = services.quarantine_rule_for(start).days
    assert Contact.objects.get(person=f1).quarantine_end == start + dt.timedelta(days=days)
    checkin(source, market, local(today - dt.timedelta(days=1), 9))
    checkin(f1, market, local(today - dt.timedelta(days=1), 9, 10))

    case_trace_checkins(case=entered, actor=kim_tan_official)

    assert Contact.objects.get(person=f1).quarantine_end == today - dt.timedelta(days=1) + dt.timedelta(days=days)
    assert AuditLog.objects.filter(action="cases.contact.quarantine_extended").count() == 1
