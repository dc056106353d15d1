"""An F1's quarantine counts from their last exposure to the case (the F0), not from their F2 evidence: a person
who is the F1 of one case and the F2 of another is an F1, and the exposure span the quarantine, its date checks,
the work list, its export and the API read is that of their level's links (docs/cases.md, "Contacts and their
status"; RULES.md §2, CĐ 600/CĐ-BCĐ "from entry or last contact")."""

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.checkins.models import CheckIn
from phongdich.checkins.services import checkout
from phongdich.core.errors import ApplicationError

from .. import services
from ..models import Contact, ContactLink
from ..tracing import case_trace_checkins
from .builders import case, checkin, link, local, person, venue

pytestmark = pytest.mark.django_db

DAYS = 7  # CV 762/BYT-DP, in force today, for a contact not fully vaccinated nor recovered (RULES.md §2)


def _today() -> dt.date:
    return timezone.localdate()


def _ago(days: int) -> dt.date:
    return _today() - dt.timedelta(days=days)


@pytest.fixture
def two_cases(tree, kim_tan_official):
    """Case A, and case B with its F1 Xuân (the go-between an F2 of B is met through)."""
    kim_tan = tree["kim_tan"]
    a = case(kim_tan_official, person(kim_tan, "Ca A"), days_ago=7, onset_days_ago=8)
    b = case(kim_tan_official, person(kim_tan, "Ca B"), days_ago=7, onset_days_ago=8)
    xuan, _ = link(
        person(kim_tan, "Trần Văn Xuân"), b, exposure_start=local(_ago(8), 8), exposure_end=local(_ago(8), 9)
    )
    return {"a": a, "b": b, "xuan": xuan.contact}


def _f1_of_a_f2_of_b(two_cases, who, *, f1_day: dt.date, f2_day: dt.date, f2_first: bool = False) -> Contact:
    def as_f1():
        link(who, two_cases["a"], exposure_start=local(f1_day, 10), exposure_end=local(f1_day, 11))

    def as_f2():
        link(
            who, two_cases["b"], level=2, via=two_cases["xuan"], exposure_start=local(f2_day, 15),
            exposure_end=local(f2_day, 16),
        )  # fmt: skip

    for add in (as_f2, as_f1) if f2_first else (as_f1, as_f2):
        add()
    return Contact.objects.get(person=who)


@pytest.mark.parametrize("f2_first", [False, True])
def test_an_f1_who_is_also_an_f2_is_quarantined_from_the_last_exposure_to_the_case(
    tree, kim_tan_official, two_cases, f2_first
):
    """Met case A on D-6 (an F1), case B's F1 on D-2 (an F2): 7 days from D-6, not from D-2, whichever came first."""
    who = person(tree["kim_tan"], "Lê Thị Hoa")
    contact = _f1_of_a_f2_of_b(two_cases, who, f1_day=_ago(6), f2_day=_ago(2), f2_first=f2_first)
    assert contact.level == 1
    assert (contact.first_exposure_at, contact.last_exposure_at) == (local(_ago(6), 10), local(_ago(6), 11))

    services.contact_status_set(actor=kim_tan_official, contact=contact, status="quarantined")

    contact.refresh_from_db()
    assert (contact.quarantine_start, contact.quarantine_end) == (_today(), _ago(6) + dt.timedelta(days=DAYS))


def test_an_f1_whose_days_from_the_case_are_over_is_refused_whatever_its_later_f2_evidence(
    tree, kim_tan_official, two_cases
):
    who = person(tree["kim_tan"], "Phạm Văn Lâm")
    contact = _f1_of_a_f2_of_b(two_cases, who, f1_day=_ago(8), f2_day=_ago(2))
    with pytest.raises(ApplicationError) as refused:
        services.contact_status_set(actor=kim_tan_official, contact=contact, status="quarantined")
    assert refused.value.code == "quarantine_period_over"
    assert refused.value.extra["last_exposure"] == _ago(8).isoformat()


def test_a_quarantine_may_not_start_before_the_f1s_own_first_exposure(tree, kim_tan_official, two_cases):
    """Met B's F1 on D-6 (F2) and case A on D-3 (F1): a quarantine from D-5 begins before the exposure it counts."""
    who = person(tree["kim_tan"], "Đỗ Thị Mai")
    contact = _f1_of_a_f2_of_b(two_cases, who, f1_day=_ago(3), f2_day=_ago(6))
    with pytest.raises(ApplicationError) as refused:
        services.contact_status_set(
            actor=kim_tan_official, contact=contact, status="quarantined", quarantine_start=_ago(5)
        )
    assert refused.value.code == "quarantine_date_invalid"
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="quarantined", quarantine_start=_ago(3))
    contact.refresh_from_db()
    assert contact.quarantine_end == _ago(3) + dt.timedelta(days=DAYS)


def test_an_f1_whose_f1_evidence_no_longer_stands_counts_from_the_f2_evidence(tree, kim_tan_official, two_cases):
    """Case A withdrawn: the person is an F2 of B alone, the quarantine counted from that meeting (D-6), not from
    the withdrawn case's (D-2)."""
    who = person(tree["kim_tan"], "Vũ Văn Nam")
    contact = _f1_of_a_f2_of_b(two_cases, who, f1_day=_ago(2), f2_day=_ago(6))
    services.case_withdraw(actor=kim_tan_official, case=two_cases["a"], reason="RT-PCR âm tính, test nhanh sai")
    contact.refresh_from_db()
    assert contact.level == 2
    assert contact.last_exposure_at == local(_ago(6), 16)

    services.contact_status_set(actor=kim_tan_official, contact=contact, status="quarantined")

    contact.refresh_from_db()
    assert contact.quarantine_end == _ago(6) + dt.timedelta(days=DAYS)


def test_f2_evidence_after_an_f1_is_quarantined_does_not_move_its_end_and_f1_evidence_does(
    tree, kim_tan_official, two_cases
):
    who = person(tree["kim_tan"], "Hồ Văn Phúc")
    link(who, two_cases["a"], exposure_start=local(_ago(6), 10), exposure_end=local(_ago(6), 11))
    contact = Contact.objects.get(person=who)
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="quarantined", quarantine_start=_ago(5))
    end = _ago(6) + dt.timedelta(days=DAYS)

    link(
        who,
        two_cases["b"],
        level=2,
        via=two_cases["xuan"],
        exposure_start=local(_ago(5), 8),
        exposure_end=local(_ago(5), 9),
    )
    contact.refresh_from_db()
    assert (contact.quarantine_end, contact.last_exposure_at) == (end, local(_ago(6), 11))

    # Met case B itself on D-5 (its interview names them): an F1 of B too, the quarantine counted from that meeting.
    link(who, two_cases["b"], source="interview", setting="household", exposure_start=local(_ago(5), 18))
    contact.refresh_from_db()
    assert contact.quarantine_end == _ago(5) + dt.timedelta(days=DAYS)


@pytest.mark.parametrize("again", ["traced", "withdrawn_and_restored"])
def test_a_check_in_link_that_a_later_trace_shortens_shortens_the_contacts_span(tree, kim_tan_official, again):
    """Traced while the F1 had not checked out (the venue's assumed stay, 2 hours), then checked out after 30 minutes:
    the case traced again (by hand, or by its restore after a withdrawal) writes the link's shorter meeting, and the
    contact's span, which the quarantine and the work list count from, is that link's, not the assumed one's."""
    kim_tan = tree["kim_tan"]
    market = venue(kim_tan, minutes=120)
    a = case(kim_tan_official, person(kim_tan, "Ca A"), days_ago=1, onset_days_ago=2)
    checkin(a.person, market, local(_ago(3), 10), minutes=None)
    who = person(kim_tan, "Lưu Thị Hằng")
    visit = checkin(who, market, local(_ago(3), 10, 30), minutes=None)
    case_trace_checkins(case=a, actor=kim_tan_official)
    contact = Contact.objects.get(person=who)
    assert (contact.first_exposure_at, contact.last_exposure_at) == (local(_ago(3), 10, 30), local(_ago(3), 12))

    checkout(checkin=visit, at=local(_ago(3), 11), kind=CheckIn.CheckoutKind.PERSON)
    if again == "traced":
        case_trace_checkins(case=a, actor=kim_tan_official)
    else:
        services.case_withdraw(actor=kim_tan_official, case=a, reason="RT-PCR âm tính, test nhanh sai")
        services.case_restore(actor=kim_tan_official, case=a, reason="RT-PCR của người khác, huỷ nhầm")

    [the_link] = ContactLink.objects.filter(contact=contact)
    assert (the_link.exposure_start, the_link.exposure_end) == (local(_ago(3), 10, 30), local(_ago(3), 11))
    contact.refresh_from_db()
    assert (contact.first_exposure_at, contact.last_exposure_at) == (local(_ago(3), 10, 30), local(_ago(3), 11))


def test_the_work_list_and_the_api_give_the_levels_last_exposure(client, tree, kim_tan_official, two_cases):
    who = person(tree["kim_tan"], "Lê Thị Hoa")
    contact = _f1_of_a_f2_of_b(two_cases, who, f1_day=_ago(6), f2_day=_ago(2))
    client.force_login(kim_tan_official)

    page = client.get("/cases/worklist/?status=all").content.decode()
    row = page[page.index("Lê Thị Hoa") :]
    last = row[row.index('class="last-exposure"') :]
    assert f"{_ago(6):%d/%m/%Y} 11:00" in last[: last.index("</td>")]

    rows = client.get("/api/v1/contacts/worklist/?status=all").json()["results"]
    [mine] = [r for r in rows if r["id"] == contact.pk]
    assert dt.datetime.fromisoformat(mine["last_exposure_at"]) == local(_ago(6), 11)
    answer = client.get(f"/api/v1/contacts/{contact.pk}/").json()
    assert dt.datetime.fromisoformat(answer["last_exposure_at"]) == local(_ago(6), 11)
    assert {link["level"] for link in answer["links"]} == {1, 2}  # the F2 evidence is still there, as a link

    page = client.get(f"/cases/contacts/{contact.pk}/").content.decode()
    span = page[page.index('id="exposure-span"') :]
    span = span[: span.index("</td>")]
    assert f"{_ago(6):%d/%m/%Y} 10:00 – {_ago(6):%d/%m/%Y} 11:00" in span and "F1" in span
    assert f"{_ago(2):%d/%m/%Y} 16:00" in page  # the F2 link, listed with the evidence
