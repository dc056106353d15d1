"""Demo data of vaccination (core.demo runs `demo_extend` inside its transaction, after check-ins).

Two sites in Thị trấn Kim Tân, past sessions and sessions in the coming days, the staff account
"tiemchung.thachthanh", doses for about 65% of the demo's adults (about 40% fully vaccinated) with the 2021
product mix of the district (AstraZeneca, Pfizer, Moderna, Vero Cell: our choice of weights), a few reactions,
waiting registrations and one round of invitations – and the demo citizen (docs/vaccination.md "Demo").

Historic doses are bulk-inserted with the fields dose_record writes (thousands through the service would slow the
demo down); the demo citizen's two doses, the future sessions and the invitations go through the services.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from phongdich.accounts.models import Official
from phongdich.geo.models import Area
from phongdich.people.models import Person

from . import services
from .models import (
    Dose,
    PriorityGroup,
    Reaction,
    TimeSlot,
    VaccinationRegistration,
    VaccinationSession,
    VaccineProduct,
)

KIM_TAN = "38/391/15187/"
STAFF_USERNAME = "tiemchung.thachthanh"
SITES = [
    ("Trung tâm Y tế huyện Thạch Thành", "Khu phố 4, thị trấn Kim Tân"),
    ("Trạm Y tế thị trấn Kim Tân", "Khu phố 2, thị trấn Kim Tân"),
]
PRODUCT_WEIGHTS = [("astrazeneca", 40), ("verocell", 30), ("pfizer", 20), ("moderna", 10)]
SHARE_ONE_DOSE = 0.65
SHARE_FULL_OF_DOSED = 0.78  # some second doses would fall after today: about 40% fully vaccinated
SLOTS = [
    (dt.time(7, 30), dt.time(9, 0), 40),
    (dt.time(9, 0), dt.time(10, 30), 40),
    (dt.time(13, 30), dt.time(15, 0), 40),
]


def demo_citizen() -> Person | None:
    """The demo's one citizen for the whole story (registration, doses, test, certificate): the citizen the
    testing demo documents (it runs first); without it, the person with the lowest citizen ID among those with a
    date of birth and a phone, or among those with a phone (docs/vaccination.md "Demo")."""
    from phongdich.testing.demo import CITIZEN

    with_phone = Person.objects.exclude(phone="").exclude(citizen_id="")
    return (
        with_phone.filter(citizen_id=CITIZEN["citizen_id"]).first()
        or with_phone.filter(birth_date__isnull=False).order_by("citizen_id").first()
        or with_phone.order_by("citizen_id").first()
    )


def demo_extend(*, builder, log) -> None:
    rng = builder.rng
    today = builder.today
    kim_tan = Area.objects.get(path=KIM_TAN)
    district = Area.objects.get(path="38/391/")
    User = get_user_model()
    staff = User.objects.create(username=STAFF_USERNAME, password=make_password(builder.password))
    Official.objects.create(
        user=staff, role=Official.Role.VACCINATION_STAFF, area=district, organisation="Trung tâm Y tế huyện Thạch Thành"
    )
    sites = [services.site_create(actor=staff, name=name, area=kim_tan, address=address) for name, address in SITES]
    products = {product.code: product for product in VaccineProduct.objects.all()}
    codes, weights = zip(*PRODUCT_WEIGHTS, strict=True)

    # Past sessions (history: written directly, the service refuses past dates), one a week at each site.
    past_sessions = []
    for weeks in range(1, 17):
        for site in sites:
            day = today - dt.timedelta(days=7 * weeks + sites.index(site))
            session = VaccinationSession.objects.create(
                site=site, date=day, product=products[rng.choices(codes, weights)[0]], capacity=120, created_by=staff
            )
            TimeSlot.objects.bulk_create(
                [TimeSlot(session=session, starts_at=a, ends_at=b, capacity=c) for a, b, c in SLOTS]
            )
            past_sessions.append(session)

    # Historic doses of adults.
    people = list(Person.objects.filter(pk__in=builder.all_person_ids, birth_year__lte=today.year - 18).order_by("id"))
    citizen = demo_citizen()
    doses, dosed = [], []
    for person in people:
        if person.pk == getattr(citizen, "pk", None) or rng.random() >= SHARE_ONE_DOSE:
            continue
        product = products[rng.choices(codes, weights)[0]]
        first_on = today - dt.timedelta(days=rng.randint(20, 130))
        site = rng.choice(sites)
        second = rng.random() < SHARE_FULL_OF_DOSED
        second_on = first_on + dt.timedelta(days=product.recommended_interval_days + rng.randint(0, 10))
        second = second and second_on <= today
        common = {"person": person, "product": product, "site": site, "area_path": person.area_path,
                  "site_area_path": site.area_path, "vaccinator": staff, "recorded_by": staff}  # fmt: skip
        doses.append(Dose(dose_number=1, given_on=first_on, lot=_lot(rng, product), completes_series=False, **common))
        if second:
            doses.append(
                Dose(dose_number=2, given_on=second_on, lot=_lot(rng, product), completes_series=True, **common)
            )
        dosed.append(person)
    Dose.objects.bulk_create(doses, batch_size=2000)
    full = sum(d.dose_number == 2 for d in doses)
    log(f"  vaccination: {len(dosed)} of {len(people)} adults with a dose, {full} fully")

    # A few reactions, as staff recorded them.
    for dose in rng.sample([d for d in Dose.objects.filter(site__in=sites)], min(12, len(doses))):
        onset = timezone.make_aware(dt.datetime.combine(dose.given_on, dt.time(20, rng.randint(0, 59))))
        Reaction.objects.create(
            dose=dose, onset_at=onset, severity=rng.choice(["mild", "mild", "mild", "moderate"]),
            symptoms=rng.choice(["Sốt nhẹ, đau chỗ tiêm", "Mệt mỏi, đau đầu", "Sốt 38,5 độ, đau cơ"]),
            reported_via=Reaction.Via.STAFF, reported_by=staff, area_path=dose.area_path,
        )  # fmt: skip

    # The demo citizen: two AstraZeneca doses through the service (history: no booking needed).
    if citizen is not None:
        if citizen.birth_date is None:
            from phongdich.people.services import person_update

            born = dt.date(citizen.birth_year or 1980, 1 + citizen.pk % 12, 1 + citizen.pk % 28)
            citizen = person_update(actor=None, person=citizen, birth_date=born)
        now = timezone.now()
        for number, days_ago in ((1, 100), (2, 40)):
            services.dose_record(
                actor=staff, person_id=citizen.pk, product=products["astrazeneca"], lot=f"ABV{5800 + number}",
                dose_number=number, given_on=today - dt.timedelta(days=days_ago), site_id=sites[0].pk, now=now,
            )  # fmt: skip
        log(f"  vaccination: demo citizen {citizen.full_name}, CCCD {citizen.citizen_id}, two doses")

    # Coming sessions (through the service) and waiting registrations, then one round of invitations. From the day
    # they are made, not builder.today: a build that ran past midnight (3,000 people take minutes) made "today's"
    # session on a day already past, session_create refused it (invalid_session) and the whole demo was rolled back.
    first = timezone.localdate()
    coming = []
    for days in range(0, 6):
        for site in sites:
            coming.append(
                services.session_create(
                    actor=staff,
                    site=site,
                    date=first + dt.timedelta(days=days),
                    product=products[rng.choices(codes, weights)[0]],
                    slots=SLOTS,
                )  # fmt: skip
            )
    groups = list(PriorityGroup.objects.all())
    unvaccinated = [p for p in people if p not in dosed and p.pk != getattr(citizen, "pk", None)]
    waiting = rng.sample(unvaccinated, min(150, len(unvaccinated)))
    now = timezone.now()
    VaccinationRegistration.objects.bulk_create(
        [
            VaccinationRegistration(
                person=person,
                priority_group=rng.choice(groups),
                dose_number=1,
                area_path=person.area_path,
                registered_via=rng.choice(["citizen", "official"]),
                created_at=now - dt.timedelta(hours=rng.randint(1, 400)),
            )  # fmt: skip
            for person in waiting
        ]
    )
    invited = services.invitations_send(actor=staff, session_id=coming[2].pk, limit=60)
    log(f"  vaccination: {len(past_sessions)} past and {len(coming)} coming sessions, {len(waiting)} registrations, "
        f"{len(invited)} invited")  # fmt: skip


def _lot(rng, product: VaccineProduct) -> str:
    prefix = {"astrazeneca": "ABV", "pfizer": "FF", "moderna": "MOD", "verocell": "VC"}.get(product.code, "L")
    return f"{prefix}{rng.randint(1000, 9999)}"
