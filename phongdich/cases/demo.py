"""Demo cases (called by core.demo inside its transaction, after check-ins and declarations).

A cluster at the busiest market of Thạch Thành: a first case who shopped there three days ago, a second case
who was there the same morning and was infected by the first (a chain), a case in Kim Tân with no known
source, and an older case who has recovered (a recovery certificate). Two household contacts come from the
interview of the first case; check-in tracing (cases.tracing, when installed) finds the F1 and F2.
"""

import datetime as dt

from django.db.models import Count
from django.utils import timezone

from phongdich.checkins.models import CheckIn
from phongdich.people.models import Person

from . import services
from .models import Case, Contact, ContactLink

DISTRICT_PATH = "38/391/"
KIM_TAN_PATH = "38/391/15187/"


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    naive = dt.datetime.combine(day, dt.time(hour, minute))
    return timezone.make_aware(naive, timezone.get_current_timezone())


def _past(day: dt.date, hour: int) -> dt.datetime:
    """That hour of that day, or now if it has not come yet (the demo may be built at dawn)."""
    return min(_local(day, hour), timezone.now())


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return _local(day, 0), _local(day + dt.timedelta(days=1), 0)


def _visitors(venue_id: int, day: dt.date, exclude: set[int]) -> list[CheckIn]:
    start, end = _day_bounds(day)
    checkins = (
        CheckIn.objects.filter(venue_id=venue_id, checked_in_at__gte=start, checked_in_at__lt=end)
        .exclude(person_id__in=exclude)
        .filter(person__area_path__startswith=DISTRICT_PATH)
        .order_by("checked_in_at", "id")
    )
    return list(checkins)


def demo_extend(*, builder, log) -> None:
    today = builder.today
    official = builder.users.get("huyen.thachthanh")
    exposure_day = today - dt.timedelta(days=3)
    start, end = _day_bounds(exposure_day)
    busiest = (
        CheckIn.objects.filter(
            area_path__startswith=DISTRICT_PATH,
            venue__venue_type_id="market",
            checked_in_at__gte=start,
            checked_in_at__lt=end,
        )
        .values_list("venue_id")
        .annotate(n=Count("id"))
        .order_by("-n", "venue_id")
        .first()
    )
    if busiest is None:
        log("  cases: no market check-ins three days ago; no demo case")
        return
    market_id = busiest[0]
    used: set[int] = set()
    visitors = _visitors(market_id, exposure_day, used)
    if len(visitors) < 2:
        log("  cases: too few check-ins at the market; no demo case")
        return
    first_visit = visitors[0]
    market = first_visit.venue
    cluster = services.cluster_create(actor=official, name=f"Ổ dịch {market.name}", venue=market, area_path="")

    first = services.case_create(
        actor=official,
        person=first_visit.person,
        sample_date=today - dt.timedelta(days=1),
        test_type=Case.TestType.PCR,
        onset_date=exposure_day + dt.timedelta(days=1),
        isolated_at=_past(today - dt.timedelta(days=1), 18),
        isolation_place="Bệnh viện Đa khoa huyện Thạch Thành",
        investigator=official,
        cluster=cluster,
        notes="Đi chợ sáng, bán hàng rau.",
    )
    used.add(first_visit.person_id)
    second_visit = next(v for v in visitors if v.person_id not in used)
    used.add(second_visit.person_id)
    second = services.case_create(
        actor=official,
        person=second_visit.person,
        sample_date=today,
        test_type=Case.TestType.ANTIGEN,
        onset_date=None,
        isolated_at=_past(today, 7),
        isolation_place="Khu cách ly tập trung huyện Thạch Thành",
        investigator=official,
        infected_by=first,
        cluster=cluster,
    )

    # A case in Kim Tân with no known source: asymptomatic, window from the sample date.
    kim_tan_day = today - dt.timedelta(days=2)
    k_start, _k_end = _day_bounds(kim_tan_day)
    kim_tan_visit = _first_kim_tan_visit(since=k_start, besides=used)
    cases = [first, second]
    if kim_tan_visit is not None:
        used.add(kim_tan_visit.person_id)
        cases.append(
            services.case_create(
                actor=official,
                person=kim_tan_visit.person,
                sample_date=today - dt.timedelta(days=1),
                test_type=Case.TestType.PCR,
                isolated_at=_past(today - dt.timedelta(days=1), 20),
                isolation_place="Trạm Y tế thị trấn Kim Tân",
                investigator=official,
            )
        )

    # An older case who has recovered: the health card and the recovery certificate show it.
    recovered_person = Person.objects.filter(area_path=KIM_TAN_PATH).exclude(pk__in=used).order_by("id").first()
    if recovered_person is not None:
        used.add(recovered_person.pk)
        old = services.case_create(
            actor=official,
            person=recovered_person,
            sample_date=today - dt.timedelta(days=40),
            test_type=Case.TestType.PCR,
            onset_date=today - dt.timedelta(days=41),
            isolated_at=_local(today - dt.timedelta(days=40), 12),
            isolation_place="Bệnh viện Đa khoa tỉnh Thanh Hóa",
            investigator=official,
        )
        services.case_status_set(
            actor=official, case=old, status=Case.Status.RECOVERED, on=today - dt.timedelta(days=20)
        )

    # The first case's household, from the interview.
    household = Person.objects.filter(area_path=first.person.area_path).exclude(pk__in=used).order_by("id")[:2]
    for index, person in enumerate(household):
        link, _created = services.contact_interview_add(
            actor=official,
            case=first,
            person=person,
            setting=ContactLink.Setting.HOUSEHOLD,
            nonce=f"demo-household-{first.pk}-{index}",
            place=first.person.address_street or "Nhà riêng",
            exposure_start=_local(exposure_day, 18),
            exposure_end=_past(today - dt.timedelta(days=1), 18),
            note="Cùng hộ gia đình (khai báo khi điều tra dịch tễ).",
        )
        if index == 0:
            services.contact_status_set(
                actor=official, contact=link.contact, status=Contact.Status.QUARANTINED, quarantine_start=today
            )

    traced = _trace(cases, official, log)

    # A rapid test that RT-PCR did not confirm: the case entered, traced, then withdrawn (its page shows how).
    mistaken_visit = _first_kim_tan_visit(since=k_start, besides=used)
    mistaken_person = mistaken_visit.person if mistaken_visit is not None else None
    withdrawn = 0
    if mistaken_person is not None:
        used.add(mistaken_person.pk)
        mistaken = services.case_create(
            actor=official,
            person=mistaken_person,
            sample_date=today - dt.timedelta(days=1),
            test_type=Case.TestType.ANTIGEN,
            isolated_at=_past(today - dt.timedelta(days=1), 16),
            isolation_place="Trạm Y tế thị trấn Kim Tân",
            investigator=official,
        )
        _trace([mistaken], official, log)
        services.case_withdraw(
            actor=official, case=mistaken, reason="RT-PCR khẳng định âm tính (test nhanh dương tính giả)."
        )
        withdrawn = 1
    log(
        f"  cases: {len(cases) + (1 if recovered_person else 0)} cases, {withdrawn} withdrawn, 1 cluster at "
        f"{market.name}{traced}"
    )


def _first_kim_tan_visit(*, since, besides: set[int]):
    """The first check-in in Kim Tân since `since` of a Kim Tân resident not in `besides` (None if there is none)."""
    return (
        CheckIn.objects.filter(area_path=KIM_TAN_PATH, checked_in_at__gte=since, person__area_path=KIM_TAN_PATH)
        .exclude(person_id__in=besides)
        .order_by("checked_in_at", "id")
        .first()
    )


def _trace(cases, actor, log) -> str:
    try:
        from phongdich.cases.tracing import case_trace_checkins
    except ModuleNotFoundError as exc:
        if exc.name != "phongdich.cases.tracing":
            raise
        return " (tracing not installed: no check-in contacts)"
    links = 0
    for case in cases:
        links += case_trace_checkins(case=case, actor=actor).links_added
    f1 = Contact.objects.filter(level=1).count()
    f2 = Contact.objects.filter(level=2).count()
    return f"; tracing: {links} links, {f1} F1, {f2} F2"
