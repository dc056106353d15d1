"""A closed contact met again starts a new episode (docs/cases.md, "A closed contact met again"): its level and
exposure span are those of the new evidence, not of the quarantine it was released from. Through the interview paths
(services.contact_link_add) and the tracer (its SQL on PostgreSQL, Python on SQLite: run on both)."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from phongdich.core.dates import local_midnight
from phongdich.core.models import AuditLog

from .. import selectors, services
from ..models import Case, Contact, ContactLink, TracingRun
from ..tracing import case_trace_checkins
from .builders import case, link, local, person
from .test_tracing import DAY, NOW, World, at

TODAY = timezone.localdate


def days_ago(days: int, hour: int = 9) -> dt.datetime:
    return local(TODAY() - dt.timedelta(days=days), hour)


@pytest.fixture
def spring(tree, kim_tan_official):
    return spring_of(tree, kim_tan_official)


def spring_of(tree, kim_tan_official) -> dict:
    """An F1 of a spring case, exposed 50 days ago, quarantined the next day and released: its quarantine ended 43
    days ago (CV 762/BYT-DP's 7 days from the exposure). Then a case of today's autumn."""
    spring_case = case(kim_tan_official, person(tree["kim_tan"], "Ca Mùa Xuân"), days_ago=50, onset_days_ago=51)
    who = person(tree["kim_tan"], "F1 Mùa Xuân")
    contact = link(who, spring_case, exposure_start=days_ago(50, 8), exposure_end=days_ago(50, 10))[0].contact
    services.contact_status_set(
        actor=kim_tan_official, contact=contact, status="quarantined", quarantine_start=TODAY() - dt.timedelta(days=49)
    )
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="released")
    contact.refresh_from_db()
    assert contact.quarantine_end == TODAY() - dt.timedelta(days=43)
    return {
        "case": spring_case,
        "person": who,
        "contact": contact,
        "episode": local_midnight(contact.quarantine_end),  # the first day out of quarantine, from midnight
        "autumn": case(kim_tan_official, person(tree["kim_tan"], "Ca Mùa Thu")),
    }


def household(official, of: Case, who, nonce: str, start: dt.datetime, hours: int = 2):
    """An F1 named in `of`'s interview, met from `start` for `hours`."""
    return services.contact_interview_add(
        actor=official,
        case=of,
        person=who,
        setting="household",
        nonce=f"episode-{nonce}",
        exposure_start=start,
        exposure_end=start + dt.timedelta(hours=hours),
    )[0]


def state(contact: Contact) -> tuple:
    contact.refresh_from_db()
    return (contact.status, contact.level, contact.first_exposure_at, contact.last_exposure_at, contact.episode_start)


# --- Through the interviews (contact_link_add) ---------------------------------------------------------------------


def test_a_released_f1_met_again_only_as_an_f2_is_an_f2_of_the_new_episode(tree, kim_tan_official, spring):
    """The bug: the spring's F1 link still counted, so the autumn's F2 was listed, called and quarantined as an F1,
    with the spring's first exposure."""
    autumn_f1 = household(
        kim_tan_official, spring["autumn"], person(tree["kim_tan"], "F1 Mùa Thu"), "thu-1", days_ago(3)
    )
    met = days_ago(2, 19)
    services.contact_interview_f2_add(
        actor=kim_tan_official,
        f1=autumn_f1.contact,
        person=spring["person"],
        setting="workplace",
        nonce="thu-f2-1",
        exposure_start=met,
        exposure_end=met + dt.timedelta(hours=1),
    )
    contact = spring["contact"]
    assert state(contact) == ("candidate", 2, met, met + dt.timedelta(hours=1), spring["episode"])
    assert (contact.quarantine_start, contact.quarantine_end) == (None, None)
    # The work list names the autumn's case only, and its evidence.
    assert selectors.worklist_case_levels([contact.pk]) == {contact.pk: [(spring["autumn"].number, 2)]}
    evidence = selectors.worklist_evidence([contact])[contact.pk]
    assert evidence.first.case_id == evidence.last.case_id == spring["autumn"].pk
    assert (evidence.earlier, evidence.later) == (None, None)
    assert selectors.contact_worklist(viewer=kim_tan_official, level=2).filter(pk=contact.pk).exists()
    assert not selectors.contact_worklist(viewer=kim_tan_official, level=1).filter(pk=contact.pk).exists()

    # The spring's case told late of one more meeting then: kept as evidence, no F1 again.
    household(kim_tan_official, spring["case"], spring["person"], "xuan-muon", days_ago(48))
    assert state(contact) == ("candidate", 2, met, met + dt.timedelta(hours=1), spring["episode"])
    assert ContactLink.objects.filter(contact=contact, case=spring["case"]).count() == 2


def test_a_released_f1_met_again_as_an_f1_is_an_f1_of_the_new_case_alone(tree, kim_tan_official, spring):
    met = days_ago(3)
    household(kim_tan_official, spring["autumn"], spring["person"], "thu-f1", met)
    contact = spring["contact"]
    assert state(contact) == ("candidate", 1, met, met + dt.timedelta(hours=2), spring["episode"])
    entry = AuditLog.objects.filter(action="cases.contact.candidate", object_id=str(contact.pk)).latest("id")
    assert entry.extra == {"reason": "met_again", "case": spring["autumn"].number}

    # Confirmed: a case opened for them names the autumn's case as the source, not "one of two cases".
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="confirmed")
    defaults = selectors.contact_case_defaults(person=spring["person"], sample_date=TODAY())
    assert defaults.infected_by == spring["autumn"] and defaults.sources == (spring["autumn"].number,)
    assert defaults.source_exposure_date == TODAY() - dt.timedelta(days=3)

    # The F2 they name in their interview are the autumn case's: the spring's F1 is over.
    friend = person(tree["kim_tan"], "Bạn F1")
    links, _ = services.contact_interview_f2_add(
        actor=kim_tan_official,
        f1=contact,
        person=friend,
        setting="other",
        nonce="thu-f2-ban",
        exposure_start=days_ago(1),
    )
    assert [found.case for found in links] == [spring["autumn"]]

    # Quarantined for the new exposure, from today: the rule's days from the autumn's last exposure.
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="quarantined")
    contact.refresh_from_db()
    assert contact.quarantine_start == TODAY()
    assert contact.quarantine_end == (met + dt.timedelta(hours=2)).date() + dt.timedelta(days=contact.quarantine_days)


def test_an_old_case_link_that_lasted_past_the_end_of_the_quarantine_is_of_the_new_episode(
    tree, kim_tan_official, spring
):
    """A link belongs to the episode its exposure's end falls in: one of the spring case that went on after the end
    of the quarantine counts when the contact is reopened, though written before."""
    contact, episode = spring["contact"], spring["episode"]
    across = link(
        spring["person"],
        spring["case"],
        exposure_start=episode - dt.timedelta(hours=2),
        exposure_end=episode + dt.timedelta(hours=1),
    )[0]
    assert state(contact)[:2] == ("released", 1)
    autumn_f1 = household(
        kim_tan_official, spring["autumn"], person(tree["kim_tan"], "F1 Mùa Thu"), "thu-1", days_ago(3)
    )
    services.contact_interview_f2_add(
        actor=kim_tan_official,
        f1=autumn_f1.contact,
        person=spring["person"],
        setting="workplace",
        nonce="thu-f2-2",
        exposure_start=days_ago(2),
    )
    assert state(contact) == ("candidate", 1, across.exposure_start, days_ago(2), episode)


def test_a_withdrawn_new_case_closes_the_new_episode_rather_than_reviving_the_old_f1(tree, kim_tan_official, spring):
    """contacts_evidence_settle counts the current episode's links only: the spring's case stands, but its F1 was
    released; the autumn's case, the only evidence of this episode, was not one."""
    household(kim_tan_official, spring["autumn"], spring["person"], "thu-f1", days_ago(3))
    contact = spring["contact"]
    outcome = services.case_withdraw(actor=kim_tan_official, case=spring["autumn"], reason="RT-PCR âm tính")
    assert outcome.contacts_closed == 1
    assert state(contact)[0] == Contact.Status.CASE_WITHDRAWN
    entry = AuditLog.objects.filter(action="cases.contact.case_withdrawn", object_id=str(contact.pk)).get()
    assert entry.extra == {"from": "candidate", "reason": "case_withdrawn", "case": spring["autumn"].number}
    assert selectors.worklist_case_levels([contact.pk]) == {}
    assert not selectors.contact_worklist(viewer=kim_tan_official).filter(pk=contact.pk).exists()

    # The spring's case told late of a meeting then: it does not revive the spring's F1.
    household(kim_tan_official, spring["case"], spring["person"], "xuan-muon", days_ago(48))
    assert state(contact)[0] == Contact.Status.CASE_WITHDRAWN

    # A standing case of this episode does: a candidate with that evidence.
    winter = case(kim_tan_official, person(tree["kim_tan"], "Ca Mùa Đông"))
    met = days_ago(1)
    household(kim_tan_official, winter, spring["person"], "dong-f1", met, hours=1)
    assert state(contact) == ("candidate", 1, met, met + dt.timedelta(hours=1), spring["episode"])


# --- Through the tracer ---------------------------------------------------------------------------------------------


@pytest.fixture
def world(db, settings):
    settings.TRACING_MIN_OVERLAP_MINUTES = None
    settings.TRACING_OPEN_CHECKIN_BUFFER_MINUTES = {}
    settings.TRACING_MAX_LEVEL = 2
    settings.EXPOSURE_NOTICES_AUTO_PUBLISH = True
    return World()


@pytest.fixture
def traced_spring(world):
    """The spring: an F1 found by the tracer 40 days before T0 and released after a quarantine ending 25 days before."""
    old_f0, who = world.person("Ca Mùa Xuân"), world.person("F1 Mùa Xuân")
    for person_ in (old_f0, who):
        world.visit(person_, world.market, -40 * DAY, -40 * DAY + 60)
    old_case = world.case(old_f0, start=-41 * DAY, end=-39 * DAY)
    case_trace_checkins(case=old_case, now=NOW)
    contact = Contact.objects.get(person=who)
    assert contact.level == 1
    quarantine_end = at(-25 * DAY).date()
    Contact.objects.filter(pk=contact.pk).update(
        status=Contact.Status.RELEASED,
        quarantine_start=at(-39 * DAY).date(),
        quarantine_end=quarantine_end,
        status_changed_at=at(-25 * DAY),
        release_reason="Cho về sớm theo chỉ đạo của huyện",
    )
    return {"case": old_case, "person": who, "contact": contact, "episode": local_midnight(quarantine_end)}


def test_a_trace_meeting_a_released_f1_only_as_an_f2_makes_an_f2_and_the_old_case_again_changes_nothing(
    world, traced_spring
):
    new_f0, f1, who = world.person("Ca Mùa Thu"), world.person("F1 Mùa Thu"), traced_spring["person"]
    world.visit(new_f0, world.school, 0, 60)
    world.visit(f1, world.school, 0, 60)
    world.visit(f1, world.market, 120, 180)
    world.visit(who, world.market, 150, 240)
    new_case = world.case(new_f0)
    case_trace_checkins(case=new_case, now=NOW)

    contact = traced_spring["contact"]
    expected = ("candidate", 2, at(150), at(180), traced_spring["episode"])
    assert state(contact) == expected
    assert (contact.quarantine_start, contact.quarantine_end) == (None, None)
    assert contact.release_reason == ""  # the last episode's early release: not this one's (it showed on its page)
    assert AuditLog.objects.filter(action="cases.contact.candidate", extra__reason="met_again").count() == 1

    # The old case traced again: its F1 evidence is still written, and brings its level back to nobody.
    outcome = case_trace_checkins(case=traced_spring["case"], now=NOW)
    assert outcome.f1 == 1 and ContactLink.objects.get(case=traced_spring["case"], contact=contact).level == 1
    assert state(contact) == expected
    case_trace_checkins(case=new_case, now=NOW)
    assert state(contact) == expected
    assert AuditLog.objects.filter(action="cases.contact.candidate", extra__reason="met_again").count() == 1


def test_a_trace_meeting_a_released_f1_as_an_f1_again_makes_an_f1_of_the_new_exposure(world, traced_spring):
    new_f0, who = world.person("Ca Mùa Thu"), traced_spring["person"]
    world.visit(new_f0, world.school, 0, 60)
    world.visit(who, world.school, 30, 90)
    case_trace_checkins(case=world.case(new_f0), now=NOW)
    assert state(traced_spring["contact"]) == ("candidate", 1, at(30), at(60), traced_spring["episode"])


def test_a_trace_whose_evidence_straddles_the_start_of_the_episode_counts_the_part_within_it(world, traced_spring):
    """One trace's evidence of a person on both sides of the episode's start: only what ends within it counts (on
    PostgreSQL the one case where the upsert reads tracing_evidence again)."""
    who, contact = traced_spring["person"], traced_spring["contact"]
    # Released on a day that T0's check-ins straddle: the episode starts at midnight before T0 (10:00 local).
    episode = local_midnight(at(0).date())
    Contact.objects.filter(pk=contact.pk).update(
        quarantine_start=at(-7 * DAY).date(), quarantine_end=at(0).date(), status_changed_at=at(-DAY)
    )
    met_first = world.person("Ca Gặp Lại")
    world.visit(met_first, world.school, 600, 660)
    world.visit(who, world.school, 600, 700)
    case_trace_checkins(case=world.case(met_first), now=NOW)
    assert state(contact) == ("candidate", 1, at(600), at(660), episode)

    # Another case met them at the market the evening before the episode, and at the school after its start.
    other = world.person("Ca Khác")
    world.visit(other, world.market, -15 * 60, -14 * 60)
    world.visit(who, world.market, -15 * 60, -14 * 60)
    world.visit(other, world.school, 300, 360)
    world.visit(who, world.school, 300, 330)
    other_case = world.case(other, start=-2 * DAY, end=DAY)
    case_trace_checkins(case=other_case, now=NOW)
    assert ContactLink.objects.filter(case=other_case, contact=contact).count() == 2
    assert state(contact) == ("candidate", 1, at(300), at(660), episode)
    case_trace_checkins(case=other_case, now=NOW)
    assert state(contact) == ("candidate", 1, at(300), at(660), episode)


def test_a_trace_after_the_new_case_was_withdrawn_does_not_revive_the_old_f1(world, traced_spring, kim_tan_official):
    new_f0, who, contact = world.person("Ca Mùa Thu"), traced_spring["person"], traced_spring["contact"]
    world.visit(new_f0, world.school, 0, 60)
    world.visit(who, world.school, 30, 90)
    new_case = world.case(new_f0)
    case_trace_checkins(case=new_case, now=NOW)
    services.case_withdraw(actor=kim_tan_official, case=new_case, reason="RT-PCR âm tính")
    closed = state(contact)
    assert closed[0] == Contact.Status.CASE_WITHDRAWN

    case_trace_checkins(case=traced_spring["case"], now=NOW)
    assert state(contact) == closed
    assert not AuditLog.objects.filter(
        action__startswith="cases.contact.", object_id=str(contact.pk), extra__case=traced_spring["case"].number
    ).exists()

    # A standing case that meets them in this episode makes them a candidate again, with its evidence alone.
    later = world.person("Ca Mùa Đông")
    world.visit(later, world.market, 5 * 60, 6 * 60)
    world.visit(who, world.market, 5 * 60 + 30, 7 * 60)
    case_trace_checkins(case=world.case(later), now=NOW)
    assert state(contact) == ("candidate", 1, at(5 * 60 + 30), at(6 * 60), traced_spring["episode"])


def _f2_of(case) -> set[str]:
    return {
        link.contact.person.full_name
        for link in ContactLink.objects.filter(case=case, level=2).select_related("contact__person")
    }


def test_tracing_the_old_case_again_bounds_its_f1s_f2_by_the_quarantine_of_the_episode_they_were_exposed_in(
    world, traced_spring, settings
):
    """The F2 of an F1 are those it met from its exposure until it was isolated (RULES.md §1.2): for an F1 of the
    spring, until its spring quarantine began, whatever its contact says since it was met again in the autumn. The
    bug: reopening cleared that quarantine, so tracing the spring's case again bounded the F1 by the case's isolation
    (and lost an F2 met that evening), and once the F1 was quarantined or dismissed in the autumn, by that quarantine
    (an F2 met while the F1 was isolated in the spring) or not at all (every F2 of the spring through them)."""
    settings.CHECKIN_RETENTION_DAYS = 100_000  # the world's check-ins of 2021 are all kept: a re-trace deletes links
    old_case, who, contact = traced_spring["case"], traced_spring["person"], traced_spring["contact"]
    evening, isolated = world.person("Gặp Tối Hôm Đó"), world.person("Gặp Khi Đang Cách Ly")
    # The evening of the spring case's isolation (10:00), before the end of the F1's first day of quarantine.
    world.visit(who, world.school, -39 * DAY + 8 * 60, -39 * DAY + 9 * 60)
    world.visit(evening, world.school, -39 * DAY + 8 * 60, -39 * DAY + 9 * 60)
    world.visit(who, world.market, -30 * DAY, -30 * DAY + 60)  # in quarantine
    world.visit(isolated, world.market, -30 * DAY, -30 * DAY + 60)
    case_trace_checkins(case=old_case, now=NOW)
    assert _f2_of(old_case) == {"Gặp Tối Hôm Đó"}

    # The autumn: a new case meets the F1, who is reopened; its spring quarantine is kept with the spring's episode.
    new_f0 = world.person("Ca Mùa Thu")
    world.visit(new_f0, world.school, 0, 60)
    world.visit(who, world.school, 30, 90)
    case_trace_checkins(case=world.case(new_f0), now=NOW)
    contact.refresh_from_db()
    assert (contact.status, contact.quarantine_start, contact.episode_start) == (
        "candidate",
        None,
        traced_spring["episode"],
    )
    [spring_episode] = contact.earlier_episodes
    assert dt.datetime.fromisoformat(spring_episode["end"]) == traced_spring["episode"]
    assert (spring_episode["quarantine_start"], spring_episode["quarantine_end"]) == (
        at(-39 * DAY).date().isoformat(),
        at(-25 * DAY).date().isoformat(),
    )

    outcome = case_trace_checkins(case=old_case, now=NOW)
    assert (outcome.links_added, outcome.links_removed) == (0, 0)
    assert _f2_of(old_case) == {"Gặp Tối Hôm Đó"}

    # Quarantined for the autumn's exposure: the spring's F2 are still bounded by the spring's quarantine.
    Contact.objects.filter(pk=contact.pk).update(
        status=Contact.Status.QUARANTINED, quarantine_start=at(DAY).date(), quarantine_end=at(8 * DAY).date()
    )
    outcome = case_trace_checkins(case=old_case, now=NOW)
    assert (outcome.links_added, outcome.links_removed) == (0, 0)
    assert _f2_of(old_case) == {"Gặp Tối Hôm Đó"}

    # Dismissed in the autumn (that meeting was not one): the spring's chain through them stands.
    Contact.objects.filter(pk=contact.pk).update(
        status=Contact.Status.DISMISSED, dismissed_reason="Không có mặt", quarantine_start=None, quarantine_end=None
    )
    outcome = case_trace_checkins(case=old_case, now=NOW)
    assert (outcome.links_added, outcome.links_removed) == (0, 0)
    assert _f2_of(old_case) == {"Gặp Tối Hôm Đó"}
    assert Contact.objects.get(person=evening).status == Contact.Status.CANDIDATE


@pytest.mark.parametrize(
    "move",
    [
        {"status": Contact.Status.QUARANTINED, "quarantine_start": at(DAY).date()},
        {"status": Contact.Status.DISMISSED, "reason": "Không có mặt ở trường"},
    ],
    ids=["quarantined", "dismissed"],
)
def test_a_move_in_the_new_episode_traces_again_the_new_case_only(world, traced_spring, kim_tan_official, move):
    """A quarantine or a dismissal of an F1 met again traces again the cases of its current episode, whose F2 follow
    the move; not the spring's case, whose trace bounds them by the spring's quarantine, which the move leaves as it
    was (it queued both)."""
    new_f0, who = world.person("Ca Mùa Thu"), traced_spring["person"]
    world.visit(new_f0, world.school, 0, 60)
    world.visit(who, world.school, 30, 90)
    new_case = world.case(new_f0)
    case_trace_checkins(case=new_case, now=NOW)
    contact = Contact.objects.get(pk=traced_spring["contact"].pk)
    assert contact.status == Contact.Status.CANDIDATE and contact.episode_start == traced_spring["episode"]

    services.contact_status_set(actor=kim_tan_official, contact=contact, **move)

    assert list(TracingRun.objects.values_list("retrace_case", flat=True)) == [new_case.pk]


# --- The contact page and the API -------------------------------------------------------------------------------------


def test_the_contact_page_shows_the_earlier_episode_apart_in_both_languages(client, tree, kim_tan_official, spring):
    household(kim_tan_official, spring["autumn"], spring["person"], "thu-f1", days_ago(3))
    contact = spring["contact"]
    client.force_login(kim_tan_official)
    shown = (TODAY() - dt.timedelta(days=43)).strftime("%d/%m/%Y")  # the spring quarantine's first day out
    for prefix, heading in (
        ("", f"Lần tiếp xúc trước (hết cách ly hoặc khỏi bệnh ngày {shown})"),
        ("/en", f"Earlier exposure (quarantine or illness over on {shown})"),
    ):
        with translation.override("en" if prefix else "vi"):
            html = client.get(f"{prefix}/cases/contacts/{contact.pk}/").content.decode()
        evidence = html[html.index('id="evidence"') : html.index('id="earlier-evidence"')]
        earlier = html[html.index('id="earlier-evidence"') :]
        earlier = earlier[: earlier.index("</section>")]
        assert heading in earlier
        assert spring["autumn"].number in evidence and spring["case"].number not in evidence
        assert spring["case"].number in earlier and spring["autumn"].number not in earlier
        assert '<span class="level level-1">F1</span>' in html

    body = client.get(f"/api/v1/contacts/{contact.pk}/").json()
    assert body["episode_start"] is not None
    assert dt.datetime.fromisoformat(body["episode_start"]) == spring["episode"]
    assert {link["case"] for link in body["links"]} == {spring["case"].number, spring["autumn"].number}


def test_a_contact_never_met_again_has_one_episode_and_no_earlier_section(client, tree, kim_tan_official, spring):
    client.force_login(kim_tan_official)
    html = client.get(f"/cases/contacts/{spring['contact'].pk}/").content.decode()
    assert 'id="earlier-evidence"' not in html and spring["case"].number in html
    assert client.get(f"/api/v1/contacts/{spring['contact'].pk}/").json()["episode_start"] is None


def test_the_api_gives_the_earlier_episodes_with_their_quarantines(client, tree, kim_tan_official, spring):
    household(kim_tan_official, spring["autumn"], spring["person"], "thu-api", days_ago(3))
    contact = spring["contact"]
    client.force_login(kim_tan_official)
    for address in (f"/api/v1/contacts/{contact.pk}/", "/api/v1/contacts/worklist/"):
        body = client.get(address).json()
        if "results" in body:
            [body] = [row for row in body["results"] if row["id"] == contact.pk]
        [episode] = body["earlier_episodes"]
        assert dt.datetime.fromisoformat(episode["end"]) == spring["episode"]
        assert episode["end"].endswith("+07:00")  # in local time, as the other times of the answer
        assert episode["quarantine_start"] == (TODAY() - dt.timedelta(days=49)).isoformat()
        assert episode["quarantine_end"] == (TODAY() - dt.timedelta(days=43)).isoformat()
        assert body["quarantine_start"] is None  # the new episode has no quarantine yet
    never_met_again = link(person(tree["kim_tan"], "Một Lần"), spring["autumn"])[0].contact
    assert client.get(f"/api/v1/contacts/{never_met_again.pk}/").json()["earlier_episodes"] == []
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["components"]["schemas"]
    field = schema["ContactDetailOutput"]["properties"]["earlier_episodes"]
    assert field["readOnly"] is True and field["type"] == "array" and field["description"]


def test_an_interview_meeting_a_contact_released_early_starts_an_episode_without_that_release_reason(
    tree, kim_tan_official, spring
):
    contact = spring["contact"]
    Contact.objects.filter(pk=contact.pk).update(release_reason="Cho về sớm theo chỉ đạo của huyện")
    household(kim_tan_official, spring["autumn"], spring["person"], "reason-gone", days_ago(1))
    contact.refresh_from_db()
    assert contact.status == "candidate" and contact.episode_start == spring["episode"]
    assert contact.release_reason == ""
