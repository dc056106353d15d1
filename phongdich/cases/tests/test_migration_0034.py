"""cases 0034: contacts reopened in a new episode before 0028 (no episode start) or before 0033 (no earlier episodes)
get them from the audit log, where it tells what happened; the others are left as they were."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from phongdich.core.dates import local_midnight
from phongdich.core.models import AuditLog

from .. import services
from ..models import Contact
from .builders import person
from .test_episodes import days_ago, household, spring_of

migration = importlib.import_module("phongdich.cases.migrations.0034_contact_episodes_from_audit")
TODAY = timezone.localdate


@pytest.fixture
def spring(tree, kim_tan_official):
    return spring_of(tree, kim_tan_official)


def migrate() -> None:
    migration.contact_episodes_from_audit(apps, None)


def met_again_as_f2(official, tree, spring) -> tuple[Contact, dt.datetime]:
    """The spring's F1 named in the autumn as an F2, through the services (each move audited as it is in production)."""
    autumn_f1 = household(official, spring["autumn"], person(tree["kim_tan"], "F1 Mùa Thu"), "thu-1", days_ago(3))
    met = days_ago(2, 19)
    services.contact_interview_f2_add(
        actor=official,
        f1=autumn_f1.contact,
        person=spring["person"],
        setting="workplace",
        nonce="thu-f2-1",
        exposure_start=met,
        exposure_end=met + dt.timedelta(hours=1),
    )
    return Contact.objects.get(pk=spring["contact"].pk), met


def test_a_contact_reopened_before_0028_gets_its_episode_its_level_and_span_from_it(tree, kim_tan_official, spring):
    contact, met = met_again_as_f2(kim_tan_official, tree, spring)
    written = (contact.episode_start, contact.earlier_episodes, contact.level, contact.first_exposure_at)
    assert written[0] == spring["episode"] and written[2] == 2
    # As the code before 0028 left it: no episode, the spring's F1 link still counted.
    Contact.objects.filter(pk=contact.pk).update(
        episode_start=None, earlier_episodes=None, level=1, first_exposure_at=days_ago(50, 8)
    )

    migrate()

    contact.refresh_from_db()
    assert (contact.episode_start, contact.earlier_episodes, contact.level, contact.first_exposure_at) == written
    assert contact.last_exposure_at == met + dt.timedelta(hours=1)
    entry = AuditLog.objects.get(action="cases.contact.episode_restored", object_id=str(contact.pk))
    assert entry.actor_label == "system" and entry.area_path == spring["person"].area_path
    assert entry.extra == {"episode_start": spring["episode"].isoformat(), "from_level": 1, "level": 2}

    migrate()  # once more: nothing to do
    assert AuditLog.objects.filter(action="cases.contact.episode_restored").count() == 1


def test_a_contact_reopened_before_0033_gets_its_earlier_episode_only(tree, kim_tan_official, spring):
    contact, _ = met_again_as_f2(kim_tan_official, tree, spring)
    written = contact.earlier_episodes
    assert written[0]["quarantine_start"] == (TODAY() - dt.timedelta(days=49)).isoformat()
    Contact.objects.filter(pk=contact.pk).update(earlier_episodes=None)

    migrate()

    contact.refresh_from_db()
    assert contact.earlier_episodes == written and contact.episode_start == spring["episode"]
    assert not AuditLog.objects.filter(action="cases.contact.episode_restored").exists()


def test_a_contact_the_log_cannot_tell_about_or_without_evidence_of_its_new_episode_is_left_as_it_was(
    tree, kim_tan_official, spring
):
    """A contact reopened before 0028 whose new episode's only case was withdrawn since (the code before 0028 left it
    a candidate on the spring's evidence; closing it is not a migration's move), and one whose closure before its
    reopening the log missed (the tracer's were not audited on the contact until 2026-12-06): left alone."""
    contact, _ = met_again_as_f2(kim_tan_official, tree, spring)
    Contact.objects.filter(pk=contact.pk).update(episode_start=None, earlier_episodes=None, level=1)
    services.case_withdraw(actor=kim_tan_official, case=spring["autumn"], reason="RT-PCR âm tính")
    assert Contact.objects.get(pk=contact.pk).status == Contact.Status.CANDIDATE
    unaudited = Contact.objects.create(person=person(tree["kim_tan"], "Không Rõ"), level=1)
    AuditLog.objects.create(
        action="cases.contact.candidate",
        object_type="cases.contact",
        object_id=str(unaudited.pk),
        extra={"reason": "met_again", "case": spring["autumn"].number},
    )
    before = list(Contact.objects.order_by("pk").values())

    migrate()

    assert list(Contact.objects.order_by("pk").values()) == before


def _at(day: dt.date, hour: int) -> dt.datetime:
    return local_midnight(day) + dt.timedelta(hours=hour)


def test_the_quarantine_replayed_is_the_one_the_reopening_cleared():
    """Extended, cut by an early release, cleared by a reopening; a reopening of a contact of withdrawn cases begins no
    episode; one after a move the log missed is Unknown."""
    day = dt.date(2026, 11, 1)
    entries = [
        ("cases.contact.quarantined", _at(day, 9), {"start": "2026-11-01", "end": "2026-11-08"}),
        ("cases.contact.quarantine_extended", _at(day, 12), {"from": "2026-11-08", "end": "2026-11-10"}),
        ("cases.contact.released", _at(day + dt.timedelta(days=5), 10), {"reason": "Về sớm", "early": True}),
        ("cases.contact.viewed", _at(day + dt.timedelta(days=6), 10), {}),
        ("cases.contact.candidate", _at(day + dt.timedelta(days=20), 10), {"reason": "met_again", "case": "BN-1"}),
        ("cases.contact.case_withdrawn", _at(day + dt.timedelta(days=21), 10), {"reason": "case_withdrawn"}),
        ("cases.contact.candidate", _at(day + dt.timedelta(days=22), 10), {"reason": "met_again", "case": "BN-2"}),
    ]
    assert migration.reopenings(entries) == [(entries[4][1], day, dt.date(2026, 11, 6))]
    missed = [("cases.contact.confirmed", _at(day, 9), {}), entries[4]]  # closed by an unaudited move meanwhile
    with pytest.raises(migration.Unknown):
        migration.reopenings(missed)
