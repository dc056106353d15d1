"""A contact's quarantine lasts the days of the quarantine rule in force on its start date (RULES.md §2): 21 under
CĐ 600, 14 under CV 5599; a rule an administrator adds applies from its date on and leaves quarantines already set
as they were; with no rule in force the move is refused and nothing is written."""

import datetime as dt
import html

import pytest
from django.utils import timezone

from phongdich.core.audit import AuditLog
from phongdich.core.errors import ApplicationError

from .. import services
from ..models import Case, Contact, InfectiousWindowRule, QuarantineRule
from .builders import case, link, local, person

TODAY = timezone.localdate

pytestmark = pytest.mark.django_db


def _contact(tree, actor, entered, name, first_exposure: dt.date) -> Contact:
    found, _ = link(person(tree["kim_tan"], name), entered, exposure_start=local(first_exposure, 9))
    return found.contact


@pytest.fixture
def entered(tree, kim_tan_official):
    return case(kim_tan_official, person(tree["kim_tan"], "Hoàng Văn Bệnh"))


def _case_sampled_on(tree, actor, day: dt.date) -> Case:
    """A case sampled on `day` (a quarantine starts at most 60 days before its case's sample). No window rule is
    loaded before QĐ 3638 (30/07/2021): the test adds one, as a superuser would for earlier cases."""
    InfectiousWindowRule.objects.get_or_create(
        code="test_spring_2021",
        defaults={
            "name": "Thử (trước QĐ 3638)",
            "source": "test",
            "effective_from": dt.date(2021, 1, 1),
            "days_before_onset": 3,
            "days_before_sample": 14,
        },
    )
    return services.case_create(
        actor=actor,
        person=person(tree["kim_tan"], "Hoàng Văn Bệnh"),
        sample_date=day,
        test_type=Case.TestType.PCR,
        isolated_at=local(day, 18),
    )


@pytest.mark.parametrize(
    "start, days, rule",
    [
        (dt.date(2021, 5, 5), 21, "cd600_2021"),  # the day CĐ 600 took effect
        (dt.date(2021, 7, 13), 21, "cd600_2021"),
        (dt.date(2021, 7, 14), 14, "cv5599_2021"),  # the day CV 5599 took effect
        (dt.date(2021, 9, 1), 14, "cv5599_2021"),
    ],
)
def test_the_rule_in_force_on_the_start_date_gives_the_days(tree, kim_tan_official, start, days, rule):
    entered = _case_sampled_on(tree, kim_tan_official, start)
    contact = _contact(tree, kim_tan_official, entered, "Trần Thị Một", start - dt.timedelta(days=1))
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="quarantined", quarantine_start=start)
    contact.refresh_from_db()
    # Counted from the last exposure, the day before the start (RULES.md §2).
    assert (contact.quarantine_start, contact.quarantine_end) == (start, start + dt.timedelta(days=days - 1))
    entry = AuditLog.objects.filter(action="cases.contact.quarantined").latest("id")
    assert entry.extra["rule"] == rule


def test_before_any_rule_the_quarantine_is_refused_and_nothing_written(tree, kim_tan_official, client):
    entered = _case_sampled_on(tree, kim_tan_official, dt.date(2021, 4, 2))
    contact = _contact(tree, kim_tan_official, entered, "Lê Văn Hai", dt.date(2021, 4, 1))
    with pytest.raises(ApplicationError) as refused:
        services.contact_status_set(
            actor=kim_tan_official, contact=contact, status="quarantined", quarantine_start=dt.date(2021, 4, 2)
        )
    assert refused.value.code == "quarantine_rule_missing" and refused.value.error.status == 409
    contact.refresh_from_db()
    assert contact.status == Contact.Status.CANDIDATE and contact.quarantine_start is None
    client.force_login(kim_tan_official)
    response = client.post(
        f"/api/v1/contacts/{contact.pk}/status/",
        {"status": "quarantined", "quarantine_start": "2021-04-02"},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == "quarantine_rule_missing"


def test_a_rule_added_later_applies_from_its_date_and_leaves_quarantines_already_set(
    tree, kim_tan_official, entered, client
):
    today = timezone.localdate()
    earlier = _contact(tree, kim_tan_official, entered, "Phạm Thị Ba", today - dt.timedelta(days=5))
    services.contact_status_set(
        actor=kim_tan_official, contact=earlier, status="quarantined", quarantine_start=today - dt.timedelta(days=3)
    )
    QuarantineRule.objects.create(
        code="province_2026",
        name="QĐ của tỉnh (thử)",
        source="test",
        effective_from=today - dt.timedelta(days=1),
        days=10,
    )
    later = _contact(tree, kim_tan_official, entered, "Đỗ Văn Bốn", today - dt.timedelta(days=5))
    client.force_login(kim_tan_official)
    page = client.get(f"/cases/contacts/{later.pk}/").content.decode()  # what a quarantine from today would take
    assert "Nếu bắt đầu cách ly hôm nay: 10 ngày, tính từ ngày tiếp xúc cuối (theo QĐ của tỉnh (thử))." in page
    services.contact_status_set(actor=kim_tan_official, contact=later, status="quarantined")
    earlier.refresh_from_db()
    later.refresh_from_db()
    # Both counted from the last exposure, five days ago: CV 762's 7 (unvaccinated) as set, the new rule's 10.
    assert earlier.quarantine_end == today - dt.timedelta(days=5) + dt.timedelta(days=7)
    assert later.quarantine_end == today - dt.timedelta(days=5) + dt.timedelta(days=10)
    page = client.get(f"/cases/contacts/{later.pk}/").content.decode()
    assert f"10 ngày kể từ ngày tiếp xúc cuối {today - dt.timedelta(days=5):%d/%m/%Y}, theo QĐ của tỉnh (thử)" in page


def test_a_move_of_several_before_any_rule_is_refused_whole(tree, kim_tan_official, client):
    entered = _case_sampled_on(tree, kim_tan_official, dt.date(2021, 4, 2))
    contacts = [
        _contact(tree, kim_tan_official, entered, f"Người {number}", dt.date(2021, 4, 1)) for number in range(3)
    ]
    client.force_login(kim_tan_official)
    response = client.post(
        "/api/v1/contacts/status/",
        {"contacts": [c.pk for c in contacts], "status": "quarantined", "quarantine_start": "2021-04-02"},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == "quarantine_rule_missing"
    assert not Contact.objects.filter(status=Contact.Status.QUARANTINED).exists()


def test_the_former_setting_left_in_the_environment_stops_the_checks(monkeypatch):
    from django.core import checks

    monkeypatch.setenv("CONTACT_QUARANTINE_DAYS", "7")
    assert "cases.E001" in {problem.id for problem in checks.run_checks()}
    monkeypatch.delenv("CONTACT_QUARANTINE_DAYS")
    assert "cases.E001" not in {problem.id for problem in checks.run_checks()}


def test_a_quarantine_cannot_start_years_before_the_case(tree, kim_tan_official, entered, client):
    """A contact named in an interview without times has no first exposure, so the only floor of its quarantine start
    was the first quarantine rule's date: a start in 2021 for a case sampled yesterday was accepted, and the contact
    was "in quarantine" with a quarantine that had ended years ago. At most 60 days before the case's sample, as an
    interview's exposure (services.EARLIEST_DAYS_BEFORE_SAMPLE); alone or among several."""
    named = [
        services.contact_interview_add(
            actor=kim_tan_official,
            case=entered,
            person=person(tree["kim_tan"], f"Người Nhà {n}"),
            setting="household",
            nonce=f"household-no-times-{n}",
        )[0].contact
        for n in range(2)
    ]
    earliest = entered.sample_date - dt.timedelta(days=services.EARLIEST_DAYS_BEFORE_SAMPLE)
    with pytest.raises(ApplicationError) as refused:
        services.contact_status_set(
            actor=kim_tan_official, contact=named[0], status="quarantined", quarantine_start=dt.date(2021, 5, 5)
        )
    assert refused.value.code == "quarantine_date_invalid" and refused.value.extra["earliest"] == earliest.isoformat()
    assert "60 ngày" in refused.value.vi and "60 days" in refused.value.en
    outcome = services.contacts_status_set(
        actor=kim_tan_official, contacts=named, status="quarantined", quarantine_start=earliest - dt.timedelta(days=1)
    )
    assert outcome.changed == [] and {error.code for _, error in outcome.skipped} == {"quarantine_date_invalid"}
    assert not Contact.objects.filter(status=Contact.Status.QUARANTINED).exists()
    services.contact_status_set(
        actor=kim_tan_official, contact=named[0], status="quarantined", quarantine_start=earliest
    )
    client.force_login(kim_tan_official)
    response = client.post(
        f"/api/v1/contacts/{named[1].pk}/status/",
        {"status": "quarantined", "quarantine_start": "2021-05-05"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["extra"]["earliest"] == earliest.isoformat()


# --- Counted from the last exposure (RULES.md §2, CĐ 600: "from entry or last contact") -------------------------


def test_a_quarantine_ends_the_rules_days_after_the_last_exposure(tree, kim_tan_official):
    """The start was only bounded by the *first* exposure and the end was start + the rule's days: a classmate
    exposed from D-9 to D-1, quarantined from D-9, was released on D+5, six days after the last contact."""
    kim_tan = tree["kim_tan"]
    source = case(kim_tan_official, person(kim_tan, "Ca Nguồn"), days_ago=0, onset_days_ago=1)
    first = local(TODAY() - dt.timedelta(days=9), 7)
    last = local(TODAY() - dt.timedelta(days=1), 11)
    contact = link(person(kim_tan, "Bạn Cùng Lớp"), source, exposure_start=first, exposure_end=last)[0].contact
    rule = services.quarantine_rule_for(TODAY())
    services.contact_status_set(
        actor=kim_tan_official, contact=contact, status="quarantined", quarantine_start=first.date()
    )
    contact.refresh_from_db()
    assert contact.quarantine_start == first.date()
    assert contact.quarantine_end == timezone.localdate(last) + dt.timedelta(days=rule.days)
    entry = AuditLog.objects.filter(action="cases.contact.quarantined").latest("id")
    assert entry.extra["end"] == contact.quarantine_end.isoformat()
    # Last exposed before the start (found late): still counted from the last exposure, not from the start.
    met = local(TODAY() - dt.timedelta(days=3), 9)
    later = link(person(kim_tan, "Bạn Khác"), source, exposure_start=met, exposure_end=met)[0].contact
    services.contact_status_set(actor=kim_tan_official, contact=later, status="quarantined")
    assert Contact.objects.get(pk=later.pk).quarantine_end == met.date() + dt.timedelta(days=rule.days)


def test_an_f1_found_late_serves_what_is_left_counted_from_the_last_contact(tree, kim_tan_official):
    """RULES.md §2: CĐ 600/CĐ-BCĐ counts "from entry or last contact" (entry into Việt Nam; an F1's is the last
    contact), CV 5599/BYT-MT with 14 days. An F1 met on 08/09/2021 and reached on 12/09 is released on 22/09, not
    26/09 (review of the rules, 2026-12-07)."""
    entered = _case_sampled_on(tree, kim_tan_official, dt.date(2021, 9, 10))
    met = dt.date(2021, 9, 8)
    found, _ = link(
        person(tree["kim_tan"], "Trần Thị Muộn"), entered, exposure_start=local(met, 9), exposure_end=local(met, 10)
    )
    services.contact_status_set(
        actor=kim_tan_official, contact=found.contact, status="quarantined", quarantine_start=dt.date(2021, 9, 12)
    )
    assert services.quarantine_rule_for(dt.date(2021, 9, 12)).code == "cv5599_2021"
    assert Contact.objects.get(pk=found.contact_id).quarantine_end == dt.date(2021, 9, 22)


def test_an_f1_whose_days_are_over_by_the_start_is_not_quarantined(tree, kim_tan_official):
    """Met on 08/09/2021, reached on 23/09: CV 5599's 14 days ended with 21/09. Refused with the dates, alone or in a
    move of several (skipped with the reason); nothing written."""
    entered = _case_sampled_on(tree, kim_tan_official, dt.date(2021, 9, 10))
    met = dt.date(2021, 9, 8)
    found, _ = link(
        person(tree["kim_tan"], "Quá Muộn"), entered, exposure_start=local(met, 9), exposure_end=local(met, 10)
    )
    with pytest.raises(ApplicationError) as caught:
        services.contact_status_set(
            actor=kim_tan_official, contact=found.contact, status="quarantined", quarantine_start=dt.date(2021, 9, 23)
        )
    assert (caught.value.code, caught.value.status) == ("quarantine_period_over", 409)
    assert caught.value.extra == {"field": "quarantine_start", "last_exposure": "2021-09-08", "end": "2021-09-22"}
    assert "08/09/2021" in caught.value.as_dict()["message"] and "21/09/2021" in caught.value.as_dict()["message"]
    outcome = services.contacts_status_set(
        actor=kim_tan_official, contacts=[found.contact], status="quarantined", quarantine_start=dt.date(2021, 9, 23)
    )
    assert [(c.pk, e.code) for c, e in outcome.skipped] == [(found.contact_id, "quarantine_period_over")]
    contact = Contact.objects.get(pk=found.contact_id)
    assert (contact.status, contact.quarantine_start, contact.quarantine_end) == ("candidate", None, None)
    # The last day of the 14 is still a day to serve.
    services.contact_status_set(
        actor=kim_tan_official, contact=found.contact, status="quarantined", quarantine_start=dt.date(2021, 9, 21)
    )
    assert Contact.objects.get(pk=found.contact_id).quarantine_end == dt.date(2021, 9, 22)


def test_the_last_exposure_is_a_local_day(tree, kim_tan_official):
    """23:30 in Việt Nam is 16:30 UTC the same day, 00:30 is 17:30 UTC the day before: the day counted is the
    province's (core.dates.local_day)."""
    kim_tan = tree["kim_tan"]
    source = case(kim_tan_official, person(kim_tan, "Ca Nguồn"), days_ago=0, onset_days_ago=1)
    start = TODAY() - dt.timedelta(days=3)
    just_after_midnight = local(TODAY() - dt.timedelta(days=1), 0, 30)
    contact = link(
        person(kim_tan, "Đêm Khuya"),
        source,
        exposure_start=local(start, 9),
        exposure_end=just_after_midnight,
    )[0].contact
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="quarantined", quarantine_start=start)
    rule = services.quarantine_rule_for(start)
    assert Contact.objects.get(pk=contact.pk).quarantine_end == TODAY() - dt.timedelta(days=1) + dt.timedelta(
        days=rule.days
    )


def test_a_new_exposure_during_quarantine_moves_its_end(tree, kim_tan_official):
    """Home quarantine (CV 5599/BYT-MT): the wife is quarantined as the husband's F1; on its third day their son
    tests positive at home. Her contact's last exposure moved to today, its quarantine still ended 14 days after its
    start: released 11 days after the last contact. The interview path moves the end (services.contact_interview_add
    calls quarantine_ends_extend)."""
    kim_tan = tree["kim_tan"]
    husband = case(kim_tan_official, person(kim_tan, "Chồng"), days_ago=3, onset_days_ago=4)
    wife = person(kim_tan, "Vợ")
    start = local(TODAY() - dt.timedelta(days=4), 19)
    contact = services.contact_interview_add(
        actor=kim_tan_official,
        case=husband,
        person=wife,
        setting="household",
        nonce="household-wife-1",
        exposure_start=start,
        exposure_end=start + dt.timedelta(hours=12),
    )[0].contact
    services.contact_status_set(
        actor=kim_tan_official, contact=contact, status="quarantined", quarantine_start=TODAY() - dt.timedelta(days=3)
    )
    son = case(kim_tan_official, person(kim_tan, "Con"), days_ago=0, onset_days_ago=None)
    just_now = timezone.now() - dt.timedelta(minutes=5)
    services.contact_interview_add(
        actor=kim_tan_official,
        case=son,
        person=wife,
        setting="household",
        nonce="household-son-1",
        exposure_start=just_now - dt.timedelta(minutes=20),
        exposure_end=just_now,
    )

    contact.refresh_from_db()
    rule = services.quarantine_rule_for(contact.quarantine_start)
    assert contact.status == Contact.Status.QUARANTINED
    assert contact.quarantine_end == timezone.localdate(contact.last_exposure_at) + dt.timedelta(days=rule.days)
    entry = AuditLog.objects.get(action="cases.contact.quarantine_extended")
    assert entry.extra["end"] == contact.quarantine_end.isoformat()
    assert entry.extra["from"] == (TODAY() - dt.timedelta(days=3) + dt.timedelta(days=rule.days)).isoformat()
    assert entry.actor == kim_tan_official


def test_quarantine_ends_extend_moves_only_quarantines_the_last_exposure_outlasts(tree, kim_tan_official):
    """What the tracers call after widening exposures (contact_link_add, the check-in tracer's upsert): only
    quarantined contacts whose last exposure now lies later than their end allows are moved, never shortened;
    calling it again changes nothing."""
    kim_tan = tree["kim_tan"]
    source = case(kim_tan_official, person(kim_tan, "Ca Nguồn"), days_ago=0, onset_days_ago=1)
    when = local(TODAY() - dt.timedelta(days=2), 9)
    found = {name: link(person(kim_tan, name), source, exposure_start=when)[0].contact for name in ("A", "B", "C")}
    services.contacts_status_set(
        actor=kim_tan_official, contacts=[found["A"], found["B"]], status="quarantined", quarantine_start=when.date()
    )
    rule = services.quarantine_rule_for(when.date())
    set_end = when.date() + dt.timedelta(days=rule.days)
    later = local(TODAY(), 0, 10)
    # A's (quarantined) and C's (a candidate) exposure widened. contact_link_add has moved A's end already; it is set
    # back here to see what the function does by itself.
    for name in ("A", "C"):
        link(found[name].person, source, exposure_start=later - dt.timedelta(minutes=30), exposure_end=later)
    Contact.objects.filter(pk=found["A"].pk).update(quarantine_end=set_end)
    AuditLog.objects.filter(action="cases.contact.quarantine_extended").delete()
    assert services.quarantine_ends_extend([c.pk for c in found.values()], actor=kim_tan_official) == 1
    ends = dict(Contact.objects.values_list("person__full_name", "quarantine_end"))
    assert ends == {"A": TODAY() + dt.timedelta(days=rule.days), "B": set_end, "C": None}
    assert services.quarantine_ends_extend([c.pk for c in found.values()]) == 0
    assert AuditLog.objects.filter(action="cases.contact.quarantine_extended").count() == 1


# --- Days that depend on vaccination or recovery (CV 10696/BYT-MT, CV 762/BYT-DP: RULES.md §2) ------------------


def _met_on(tree, entered: Case, day: dt.date, *, who=None, name: str = "") -> Contact:
    """An F1 of `entered` who met the case once, 09:00-10:00 on `day` (first and last exposure that day)."""
    who = who or person(tree["kim_tan"], name)
    found, _ = link(who, entered, exposure_start=local(day, 9), exposure_end=local(day, 10))
    return found.contact


def _vaccinate(who, *days: dt.date, product: str = "astrazeneca"):
    """Doses of `product` on `days`, numbered in order; the last completes a two-dose series."""
    from phongdich.vaccination.models import Dose, VaccineProduct

    given = VaccineProduct.objects.get(code=product)
    for number, on in enumerate(days, start=1):
        Dose.objects.create(
            person=who, product=given, lot="L1", dose_number=number, given_on=on,
            completes_series=number >= 2, area_path=who.area_path,
        )  # fmt: skip


def _recovered(tree, actor, who, on: dt.datetime) -> None:
    """`who` had a case of their own, marked recovered at `on`."""
    own = case(actor, who, days_ago=0)
    Case.objects.filter(pk=own.pk).update(status=Case.Status.RECOVERED, status_changed_at=on)


def _quarantine(actor, contact: Contact, start: dt.date) -> Contact:
    services.contact_status_set(actor=actor, contact=contact, status="quarantined", quarantine_start=start)
    contact.refresh_from_db()
    return contact


def test_an_unvaccinated_f1_quarantined_under_cv762_serves_seven_days(tree, kim_tan_official):
    """RULES.md §2: CV 762/BYT-DP (21/02/2022): "F1 chưa tiêm đủ liều hoặc chưa tiêm vaccine Covid-19 phải cách ly 7
    ngày" (vnexpress.net/giam-thoi-gian-cach-ly-f1-da-tiem-du-lieu-vaccine-4430191.html). Until 2026-12-07 no rule
    after CV 5599 was loaded: an F1 without a dose quarantined on 01/03/2022 was held 14 days under CV 5599."""
    entered = _case_sampled_on(tree, kim_tan_official, dt.date(2022, 2, 27))
    contact = _met_on(tree, entered, dt.date(2022, 2, 26), name="Lê Văn Chưa Tiêm")
    contact = _quarantine(kim_tan_official, contact, dt.date(2022, 3, 1))
    entry = AuditLog.objects.filter(action="cases.contact.quarantined").latest("id")
    assert (entry.extra["rule"], entry.extra["days"], entry.extra["protected"]) == ("cv762_2022", 7, False)
    assert contact.quarantine_end - dt.date(2022, 2, 26) == dt.timedelta(days=7)
    assert (contact.quarantine_days, contact.quarantine_protected) == (7, False)


def test_a_fully_vaccinated_f1_quarantined_under_cv10696_serves_seven_days(tree, kim_tan_official):
    """RULES.md §2: CV 10696/BYT-MT (16/12/2021): an F1 fully vaccinated (last dose at least 14 days and at most 6
    months before) is quarantined 7 days at home. Until 2026-12-07 the quarantine took CV 5599's 14 days for
    everyone, though the platform holds the doses (vaccination.Dose)."""
    entered = _case_sampled_on(tree, kim_tan_official, dt.date(2021, 12, 19))
    vaccinated = person(tree["kim_tan"], "Phạm Thị Đủ Liều")
    _vaccinate(vaccinated, dt.date(2021, 8, 1), dt.date(2021, 10, 1))
    contact = _met_on(tree, entered, dt.date(2021, 12, 18), who=vaccinated)
    contact = _quarantine(kim_tan_official, contact, dt.date(2021, 12, 20))
    assert contact.quarantine_end - contact.quarantine_start <= dt.timedelta(days=7)
    assert contact.quarantine_end == dt.date(2021, 12, 18) + dt.timedelta(days=7)
    entry = AuditLog.objects.filter(action="cases.contact.quarantined").latest("id")
    assert (entry.extra["rule"], entry.extra["days"], entry.extra["protected"]) == ("cv10696_2021", 7, True)


D = dt.date
START_10696 = D(2022, 1, 20)  # CV 10696 in force; six months before: 20/07/2021


@pytest.mark.parametrize(
    "doses, recovered, protected",
    [
        ((D(2021, 11, 1), D(2022, 1, 7)), None, False),  # last dose 13 days before: not yet
        ((D(2021, 11, 1), D(2022, 1, 6)), None, True),  # 14 days before
        ((D(2021, 6, 1), D(2021, 7, 20)), None, True),  # six months before, to the day
        ((D(2021, 6, 1), D(2021, 7, 19)), None, False),  # six months and a day
        ((D(2021, 12, 1),), None, False),  # one dose of two
        ((), dt.datetime(2021, 8, 1, 12, tzinfo=dt.UTC), True),  # recovered within six months
        ((), dt.datetime(2021, 7, 1, 12, tzinfo=dt.UTC), False),  # recovered seven months before
    ],
)
def test_who_cv10696_protects(db, doses, recovered, protected):
    from phongdich.healthcards.inputs import VaccineDose

    rule = QuarantineRule.objects.get(code="cv10696_2021")
    given = tuple(VaccineDose(given_on=on, vaccine="astrazeneca", dose_number=n) for n, on in enumerate(doses, 1))
    assert services.quarantine_rule_protects(rule, doses=given, recovered_at=recovered, start=START_10696) is protected
    assert rule.days_for(protected) == (7 if protected else 14)


@pytest.mark.parametrize(
    "doses, recovered, protected",
    [
        ((D(2021, 4, 1), D(2021, 6, 1)), None, True),  # two doses, however long ago
        ((D(2021, 4, 1),), None, False),
        ((), dt.datetime(2021, 12, 1, 12, tzinfo=dt.UTC), True),  # recovered within three months
        ((), dt.datetime(2021, 11, 1, 12, tzinfo=dt.UTC), False),
    ],
)
def test_who_cv762_protects(db, doses, recovered, protected):
    from phongdich.healthcards.inputs import VaccineDose

    rule = QuarantineRule.objects.get(code="cv762_2022")
    given = tuple(VaccineDose(given_on=on, vaccine="astrazeneca", dose_number=n) for n, on in enumerate(doses, 1))
    start = D(2022, 2, 25)
    assert services.quarantine_rule_protects(rule, doses=given, recovered_at=recovered, start=start) is protected
    assert rule.days_for(protected) == (5 if protected else 7)


def test_a_rule_without_protected_days_treats_everyone_alike(db):
    from phongdich.healthcards.inputs import VaccineDose

    rule = QuarantineRule.objects.get(code="cv5599_2021")
    doses = (VaccineDose(D(2021, 6, 1), "astrazeneca", 1), VaccineDose(D(2021, 7, 1), "astrazeneca", 2))
    assert not services.quarantine_rule_protects(rule, doses=doses, recovered_at=None, start=D(2021, 9, 1))
    assert rule.days_for(True) == rule.days_for(False) == 14


def test_a_move_of_several_gives_each_their_days_reading_all_doses_at_once(tree, kim_tan_official):
    """Under CV 762 (21/02/2022) the vaccinated and the recovered serve 5 days, the others 7, in one move; the doses
    of every person are read in one query, however many contacts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    entered = _case_sampled_on(tree, kim_tan_official, D(2022, 3, 2))
    kim_tan = tree["kim_tan"]
    vaccinated, recovered = person(kim_tan, "Đã Tiêm"), person(kim_tan, "Đã Khỏi")
    _vaccinate(vaccinated, D(2021, 8, 1), D(2021, 9, 1))
    _recovered(tree, kim_tan_official, recovered, dt.datetime(2022, 1, 15, 3, tzinfo=dt.UTC))
    others = [person(kim_tan, f"Chưa Tiêm {n}") for n in range(4)]
    contacts = [_met_on(tree, entered, D(2022, 3, 1), who=who) for who in (vaccinated, recovered, *others)]
    with CaptureQueriesContext(connection) as queries:
        outcome = services.contacts_status_set(
            actor=kim_tan_official, contacts=contacts, status="quarantined", quarantine_start=D(2022, 3, 2)
        )
    assert not outcome.skipped
    assert sum("vaccination_dose" in query["sql"] for query in queries.captured_queries) == 1
    days = dict(Contact.objects.values_list("person__full_name", "quarantine_days"))
    assert days == {"Đã Tiêm": 5, "Đã Khỏi": 5, **{who.full_name: 7 for who in others}}
    ends = set(Contact.objects.filter(quarantine_protected=True).values_list("quarantine_end", flat=True))
    assert ends == {D(2022, 3, 6)}
    protected = {e.extra["protected"] for e in AuditLog.objects.filter(action="cases.contact.quarantined")}
    assert protected == {True, False}


def test_a_later_exposure_extends_by_the_days_the_quarantine_was_set_with(tree, kim_tan_official):
    """A vaccinated F1 quarantined under CV 762 (5 days) and exposed again at home: the end moves 5 days after the
    new exposure, not the 7 of the unvaccinated."""
    kim_tan = tree["kim_tan"]
    source = case(kim_tan_official, person(kim_tan, "Ca Nguồn"), days_ago=0, onset_days_ago=1)
    assert services.quarantine_rule_for(TODAY()).code == "cv762_2022"
    wife = person(kim_tan, "Vợ Đã Tiêm")
    _vaccinate(wife, TODAY() - dt.timedelta(days=200), TODAY() - dt.timedelta(days=100))
    first = local(TODAY() - dt.timedelta(days=2), 9)
    contact = link(wife, source, exposure_start=first, exposure_end=first)[0].contact
    contact = _quarantine(kim_tan_official, contact, first.date())
    assert (contact.quarantine_days, contact.quarantine_protected) == (5, True)
    later = local(TODAY(), 0, 10)
    link(wife, source, exposure_start=later - dt.timedelta(minutes=30), exposure_end=later)
    contact.refresh_from_db()
    assert contact.quarantine_end == TODAY() + dt.timedelta(days=5)
    entry = AuditLog.objects.get(action="cases.contact.quarantine_extended")
    assert entry.extra["days"] == 5


def test_the_contact_page_says_which_days_apply_to_the_person(client, tree, kim_tan_official):
    kim_tan = tree["kim_tan"]
    source = case(kim_tan_official, person(kim_tan, "Ca Nguồn"), days_ago=0, onset_days_ago=1)
    vaccinated = person(kim_tan, "Đã Tiêm Đủ")
    _vaccinate(vaccinated, TODAY() - dt.timedelta(days=200), TODAY() - dt.timedelta(days=100))
    first = local(TODAY() - dt.timedelta(days=1), 9)
    contact = link(vaccinated, source, exposure_start=first, exposure_end=first)[0].contact
    other = link(person(kim_tan, "Chưa Tiêm"), source, exposure_start=first, exposure_end=first)[0].contact
    client.force_login(kim_tan_official)
    page = client.get(f"/en/cases/contacts/{contact.pk}/").content.decode()
    assert "Quarantine from (5 days)" in page and "fully vaccinated or recovered" in page
    page = client.get(f"/en/cases/contacts/{other.pk}/").content.decode()
    assert "Quarantine from (7 days)" in page
    _quarantine(kim_tan_official, contact, TODAY())
    page = client.get(f"/en/cases/contacts/{contact.pk}/").content.decode()
    said = f"5 days from the last exposure on {first:%d/%m/%Y}, by CV 762/BYT-DP (21/02/2022), as fully vaccinated"
    assert said in html.unescape(page)


def test_the_api_answers_the_days_and_whether_they_were_the_protected_ones(client, tree, kim_tan_official):
    kim_tan = tree["kim_tan"]
    source = case(kim_tan_official, person(kim_tan, "Ca Nguồn"), days_ago=0, onset_days_ago=1)
    vaccinated = person(kim_tan, "Đã Tiêm Đủ")
    _vaccinate(vaccinated, TODAY() - dt.timedelta(days=200), TODAY() - dt.timedelta(days=100))
    first = local(TODAY() - dt.timedelta(days=1), 9)
    contact = link(vaccinated, source, exposure_start=first, exposure_end=first)[0].contact
    client.force_login(kim_tan_official)
    response = client.post(
        f"/api/v1/contacts/{contact.pk}/status/", {"status": "quarantined"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["quarantine_days"], body["quarantine_protected"]) == (5, True)
    assert body["quarantine_end"] == (first.date() + dt.timedelta(days=5)).isoformat()
