"""Demo data of the testing app (core.demo runs `demo_extend` inside its transaction).

Two sites in Thị trấn Kim Tân (the commune health station, and the district health centre's lab), sessions for
the coming week, a lab official, some forty samples with results over the past three weeks (one positive pool
whose members wait on the re-test list, one negative pool, one positive individual result that opens a case),
upcoming registrations, and ONE documented citizen with a negative RT-PCR result for the look-up (docs/testing.md
"Demo"). Everything goes through the services, so it is validated and audited like real use.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from phongdich.accounts.models import Official
from phongdich.geo.models import Area
from phongdich.people.models import Person
from phongdich.people.services import person_create

from . import services
from .models import TestingSite, TestRegistration, TestResult, TestType

KIM_TAN = "38/391/15187/"
LAB_USERNAME = "xetnghiem.thachthanh"
# The documented demo citizen (docs/testing.md "Demo"): a CCCD of a woman born in 1992 in Thanh Hóa (038, century
# and gender digit 1, year 92), her date of birth and her phone.
CITIZEN = {
    "full_name": "Trần Thị Minh Thư",
    "citizen_id": "038192004321",
    "birth_date": dt.date(1992, 3, 14),
    "phone": "0912021921",
    "gender": "female",
}


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def demo_extend(*, builder, log) -> None:
    rng = builder.rng
    today = builder.today
    kim_tan = Area.objects.get(path=KIM_TAN)
    district = Area.objects.get(path=builder.district.path)
    # No accounts service creates officials yet; these rows are what the admin would write (as core.demo does).
    lab_user = get_user_model().objects.create(
        username=LAB_USERNAME, password=make_password(builder.password), first_name="Khoa Xét nghiệm TTYT Thạch Thành"
    )
    Official.objects.create(
        user=lab_user, role=Official.Role.LAB_STAFF, area=district, organisation="Trung tâm Y tế huyện Thạch Thành"
    )
    station = TestingSite.objects.create(
        code="KT",
        name="Trạm Y tế thị trấn Kim Tân",
        area=kim_tan,
        address="Khu phố 3, thị trấn Kim Tân",
        kind=TestingSite.Kind.SAMPLING,
        pool_max_size=10,
    )
    centre = TestingSite.objects.create(
        code="TTH",
        name="Trung tâm Y tế huyện Thạch Thành",
        area=kim_tan,
        address="Khu phố 4, thị trấn Kim Tân",
        kind=TestingSite.Kind.BOTH,
        pool_max_size=5,
    )
    for offset in range(0, 7):
        day = today + dt.timedelta(days=offset)
        services.session_create(
            actor=lab_user,
            site=station,
            date=day,
            start_time=dt.time(7, 30),
            end_time=dt.time(11, 0),
            capacity=60,
            test_type=TestType.PCR,
        )
        services.session_create(
            actor=lab_user,
            site=centre,
            date=day,
            start_time=dt.time(14, 0),
            end_time=dt.time(16, 30),
            capacity=30,
            test_type=TestType.ANTIGEN,
        )
    kim_tan_people = list(builder.person_ids_by_path.get(KIM_TAN, []))
    if len(kim_tan_people) < 60:  # a small demo build: take people from the whole district
        kim_tan_people = list(builder.all_person_ids)
    chosen = rng.sample(kim_tan_people, min(60, len(kim_tan_people)))
    people = Person.objects.in_bulk(chosen)
    picks = iter(people[pk] for pk in chosen)

    def sample_of(person, site, days_ago, test_type=TestType.PCR):
        collected = _at(today - dt.timedelta(days=days_ago), rng.randint(7, 10), rng.randint(0, 59))
        return services.sample_collect(
            actor=lab_user, site=site, person=person, test_type=test_type, collected_at=collected
        )

    def tested(sample, hours=6):
        return sample.collected_at + dt.timedelta(hours=hours)

    # Individual results over the past three weeks: RT-PCR at the station, rapid antigen at the centre.
    for _ in range(24):
        person = next(picks)
        days_ago = rng.randint(1, 21)
        if rng.random() < 0.6:
            sample = sample_of(person, station, days_ago)
            ct = None if rng.random() < 0.8 else f"{rng.uniform(36, 42):.1f}"
            services.result_enter(
                actor=lab_user, barcode=sample.barcode, outcome="negative", ct_value=ct, tested_at=tested(sample)
            )
        else:
            sample = sample_of(person, centre, days_ago, TestType.ANTIGEN)
            services.result_enter(
                actor=lab_user, barcode=sample.barcode, outcome="negative", tested_at=tested(sample, 1)
            )
    # One positive individual RT-PCR: it opens a case (cases.case_create).
    positive = sample_of(next(picks), station, 4)
    services.result_enter(
        actor=lab_user, barcode=positive.barcode, outcome="positive", ct_value="22.4", tested_at=tested(positive)
    )
    # Pooled screening at the centre's lab: one negative pool, one positive pool (its members go to re-test).
    for outcome, size, days_ago in (("negative", 4, 9), ("positive", 5, 2)):
        pool = services.pool_create(actor=lab_user, site=centre)
        members = [sample_of(next(picks), centre, days_ago) for _ in range(size)]
        for sample in members:
            services.pool_add_sample(actor=lab_user, pool_barcode=pool.barcode, sample_barcode=sample.barcode)
        services.result_enter(
            actor=lab_user,
            barcode=pool.barcode,
            outcome=outcome,
            ct_value="31.5" if outcome == "positive" else None,
            tested_at=tested(members[-1]),
        )
    # Registrations for the coming days, as citizens would make them.
    upcoming = list(station.sessions.filter(date__gt=today).order_by("date")[:3])
    for index in range(15):
        services._registration_add(
            session_id=upcoming[index % len(upcoming)].pk,
            person=next(picks),
            reason=rng.choice(TestRegistration.Reason.values),
            via=TestRegistration.Via.CITIZEN,
            actor=None,
        )
    # The documented citizen: a negative RT-PCR three days ago, to show the look-up.
    citizen = person_create(
        actor=None,
        address_area=kim_tan,
        address_street="Khu phố 2",
        created_via=Person.CreatedVia.SELF_REGISTRATION,
        **CITIZEN,
    )
    sample = sample_of(citizen, station, 3)
    services.result_enter(
        actor=lab_user, barcode=sample.barcode, outcome="negative", ct_value=None, tested_at=tested(sample)
    )
    individual = TestResult.objects.filter(lab__in=[station, centre], sample__isnull=False).count()
    log(f"  testing: 2 sites, 14 sessions, {individual} individual results (2 pools), 15 registrations")
