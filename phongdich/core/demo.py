"""Demo data: the district of seed 002 (Thạch Thành, Thanh Hóa, September 2021), rebuilt around today.

Seed 002 (UBND huyện Thạch Thành, công văn tháng 9/2021) reports: "686 địa điểm đã đăng ký và tạo mã QR
..., với 11.491 lượt quét mã QR. Trong đó có 88 địa điểm có lượt ra/vào trong 7 ngày (từ 14 đến 21/9/2021)".
`demo_build` reproduces that shape: 686 venues in the district's communes, and check-ins such that the
7 days ending yesterday give exactly 88 active venues and 11,491 scans; before that, about three weeks of
earlier check-ins. Everything else (names, phones, ID numbers, which venues) is invented but valid, and
deterministic (fixed random seed): two builds give the same data.

Venues, people and officials' venue roles go through the same services as real use (validation, audit).
Check-ins are bulk-inserted: tens of thousands through the scan service would take minutes, and the demo
must start in seconds. Their fields are the ones the services would write.
"""

import datetime as dt
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from phongdich.accounts.models import Official
from phongdich.checkins.models import CheckIn, RollupState, VenueDailyCount
from phongdich.checkins.services import checkin_rollup
from phongdich.geo.models import Area
from phongdich.people.models import Person
from phongdich.people.services import person_create
from phongdich.venues.models import Venue, VenueCode, VenueMembership, VenueType
from phongdich.venues.services import venue_create, venue_member_add, venue_reject

SEED = 20210921  # the date of the report
PROVINCE_CODE = "38"  # Thanh Hóa
DISTRICT_PATH = "38/391/"  # Huyện Thạch Thành (2021 tree, geo/data/thach_thanh_2021.csv)

# Seed 002's figures.
REGISTERED = 686
ACTIVE = 88
SCANS = 11_491
WINDOW_DAYS = 7
EARLIER_DAYS = 21
EARLIER_SCANS_PER_DAY = 900  # our choice: busier weeks before the report, when restrictions were stricter
PENDING = 31
REJECTED = 9

# The demo password; DEMO_PASSWORD overrides it. Printed by `phongdich demo` (docs/statistics.md).
DEFAULT_DEMO_PASSWORD = "phongdich-demo-2021"

OFFICIALS = [
    # username, role, area path ("" = the commune of the venue manager), organisation
    ("tinh.thanhhoa", Official.Role.PROVINCE_ADMIN, "38/", "Sở Thông tin và Truyền thông Thanh Hóa"),
    ("huyen.thachthanh", Official.Role.AREA_OFFICIAL, DISTRICT_PATH, "Phòng Văn hóa và Thông tin huyện Thạch Thành"),
    ("xa.kimtan", Official.Role.AREA_OFFICIAL, "38/391/15187/", "UBND thị trấn Kim Tân"),
]
# The login `phongdich serve` prints: the district official of seed 002's report.
DEMO_LOGIN = "huyen.thachthanh"
MANAGER_USERNAME = "quanly.chokimtan"
# The system administrator of the Department of Health, for Django's admin (/admin/): a superuser, who sees
# every area. The officials above are not staff: they work in the pages.
ADMIN_USERNAME = "quantri"
STAFF_USERNAME = "kiemsoat.chokimtan"

FAMILY_NAMES = [
    # Common Kinh family names, and the Mường ones frequent in Thạch Thành (Bùi, Quách, Đinh, Hà, Trương).
    ("Nguyễn", 22),
    ("Lê", 10),
    ("Trần", 7),
    ("Phạm", 6),
    ("Hoàng", 4),
    ("Vũ", 3),
    ("Đỗ", 3),
    ("Bùi", 9),
    ("Quách", 5),
    ("Đinh", 5),
    ("Hà", 4),
    ("Trương", 4),
    ("Mai", 2),
    ("Lương", 2),
    ("Cao", 2),
    ("Tạ", 1),
]
MALE_MIDDLE = ["Văn", "Văn", "Văn", "Đình", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Ngọc"]
FEMALE_MIDDLE = ["Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Hồng", "Phương", "Kim"]
MALE_GIVEN = [
    "Hùng", "Dũng", "Tuấn", "Minh", "Nam", "Hải", "Sơn", "Long", "Thắng", "Cường", "Đông", "Tâm", "Phong",
    "Quân", "Trung", "Hiếu", "Thành", "Tùng", "Bình", "Khoa", "Đạt", "Huy", "Tiến", "Lâm", "Hòa",
]  # fmt: skip
FEMALE_GIVEN = [
    "Lan", "Hương", "Hằng", "Mai", "Linh", "Trang", "Thảo", "Nga", "Hoa", "Yến", "Huyền", "Phương", "Dung",
    "Hà", "Loan", "Thủy", "Nhung", "Vân", "Oanh", "Ngọc", "Quỳnh", "Liên", "Tuyết", "Hạnh", "Châu",
]  # fmt: skip
# Mobile prefixes of Viettel, VinaPhone and MobiFone (people.validation.MOBILE_PREFIXES); not 089, of which the
# phonenumbers metadata knows only some ranges.
PHONE_PREFIXES = ["96", "97", "98", "86", "32", "33", "34", "35", "36", "37", "38", "39", "91", "94", "88", "81",
                  "82", "83", "84", "85", "90", "93", "70", "76", "77", "78", "79"]  # fmt: skip

# Businesses named after their owner's given name, by venue type; our own invention.
BUSINESSES = [
    ("service_business", "Tạp hóa {given}", 16),
    ("restaurant", "Quán phở {given}", 5),
    ("restaurant", "Quán cơm bình dân {given}", 5),
    ("restaurant", "Nhà hàng {given}", 3),
    ("service_business", "Cửa hàng điện thoại {given}", 4),
    ("service_business", "Tiệm cắt tóc {given}", 4),
    ("health_facility", "Nhà thuốc {given}", 5),
    ("service_business", "Cửa hàng vật liệu xây dựng {given}", 4),
    ("service_business", "Cửa hàng phân bón {given}", 3),
    ("supermarket", "Siêu thị mini {given}", 3),
    ("factory", "Cơ sở may {given}", 3),
    ("factory", "Xưởng chế biến gỗ {given}", 3),
    ("factory", "Xưởng mộc {given}", 2),
    ("service_business", "Quán cà phê {given}", 4),
    ("other", "Nhà văn hóa {village}", 6),  # a village's meeting hall
]
# Places of the district seat (Thị trấn Kim Tân) and the district's larger sites.
DISTRICT_SITES = [
    ("15187", "office", "UBND huyện Thạch Thành"),
    ("15187", "health_facility", "Trung tâm Y tế huyện Thạch Thành"),
    ("15187", "vaccination_site", "Điểm tiêm chủng Trung tâm Y tế huyện Thạch Thành"),
    ("15187", "school", "Trường THPT Thạch Thành 1"),
    ("15187", "transport_station", "Bến xe Kim Tân"),
    ("15187", "office", "Kho bạc Nhà nước huyện Thạch Thành"),
    ("15187", "office", "Bưu điện huyện Thạch Thành"),
    ("15187", "service_business", "Ngân hàng Agribank chi nhánh huyện Thạch Thành"),
    ("15187", "supermarket", "Siêu thị Kim Tân"),
    ("15190", "school", "Trường THPT Thạch Thành 2"),
    ("15190", "transport_station", "Điểm đón trả khách Vân Du"),
    ("15196", "school", "Trường THPT Thạch Thành 3"),
    ("15223", "school", "Trường THPT Thạch Thành 4"),
    ("15199", "industrial_park", "Cụm công nghiệp Thạch Quảng"),
    ("15190", "industrial_park", "Cụm công nghiệp Vân Du"),
    ("15226", "factory", "Nhà máy đường Việt Đài"),
    ("15202", "checkpoint", "Chốt kiểm soát dịch Đường Hồ Chí Minh – Thạch Tượng"),
    ("15256", "checkpoint", "Chốt kiểm soát dịch Thành Tiến"),
    ("15268", "checkpoint", "Chốt kiểm soát dịch Ngọc Trạo"),
]
# How busy a kind of place is, relative to a grocery: weights for choosing and filling active venues.
BUSY = {
    "market": 9,
    "health_facility": 5,
    "vaccination_site": 6,
    "supermarket": 5,
    "office": 4,
    "transport_station": 5,
    "checkpoint": 6,
    "school": 3,
    "factory": 4,
    "industrial_park": 6,
    "restaurant": 2,
    "service_business": 1,
    "other": 1,
}


@dataclass
class DemoResult:
    built: bool
    password: str
    usernames: list[str] = field(default_factory=list)
    venues: int = 0
    people: int = 0
    checkins: int = 0


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


def demo_is_built() -> bool:
    return Venue.objects.filter(area_path__startswith=DISTRICT_PATH).exists()


def _short(area: Area) -> str:
    """'Xã Thạch Lâm' -> 'Thạch Lâm'; 'Thị trấn Kim Tân' -> 'Kim Tân'."""
    for prefix in ("Thị trấn ", "Xã ", "Phường "):
        if area.name.startswith(prefix):
            return area.name[len(prefix) :]
    return area.name


def _level(area: Area) -> str:
    return (area.division_type or "xã").lower()


def _pick_weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _phone(rng: random.Random) -> str:
    return "0" + rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10_000_000):07d}"


def _person_fields(rng: random.Random) -> dict:
    gender = rng.choice(["male", "female"])
    family = _pick_weighted(rng, FAMILY_NAMES)
    if gender == "male":
        name = f"{family} {rng.choice(MALE_MIDDLE)} {rng.choice(MALE_GIVEN)}"
    else:
        name = f"{family} {rng.choice(FEMALE_MIDDLE)} {rng.choice(FEMALE_GIVEN)}"
    birth_year = rng.randint(1945, 2006)
    # CCCD (people.validation): birth-registration province 038 (Thanh Hóa), century/gender digit, year, 6 digits.
    century_digit = 2 * ((birth_year - 1900) // 100) + (0 if gender == "male" else 1)
    citizen_id = f"038{century_digit}{birth_year % 100:02d}{rng.randrange(1_000_000):06d}"
    return {"full_name": name, "gender": gender, "birth_year": birth_year, "citizen_id": citizen_id}


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Split `total` into integers proportional to weights, each at least 1 (largest remainder)."""
    base = [1] * len(weights)
    rest = total - len(weights)
    scale = sum(weights)
    shares = [rest * w / scale for w in weights]
    floors = [int(s) for s in shares]
    left = rest - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: shares[i] - floors[i], reverse=True)
    for i in order[:left]:
        floors[i] += 1
    return [b + f for b, f in zip(base, floors, strict=True)]


def _local(day: dt.date, minutes: int) -> dt.datetime:
    naive = dt.datetime.combine(day, dt.time.min) + dt.timedelta(minutes=minutes)
    return timezone.make_aware(naive, timezone.get_current_timezone())


class _Builder:
    def __init__(self, *, people: int, log: Callable[[str], None], today: dt.date):
        self.rng = random.Random(SEED)
        self.people_count = people
        self.log = log
        self.today = today
        self.password = demo_password()
        self.types = {t.code: t for t in VenueType.objects.all()}

    # --- areas and officials -------------------------------------------------------------------------

    def areas(self):
        self.province = Area.objects.filter(path=f"{PROVINCE_CODE}/").first()
        self.district = Area.objects.filter(path=DISTRICT_PATH).first()
        if self.province is None or self.district is None:
            raise RuntimeError(
                "Thanh Hóa (38) and Thạch Thành (38/391/) are missing: run `phongdich geo_load --province 38` and "
                "`phongdich geo_import_csv phongdich/geo/data/thach_thanh_2021.csv` first."
            )
        self.communes = list(Area.objects.filter(parent=self.district).order_by("code"))
        # A few communes of the 2025 tree elsewhere in the province, when geo_load has loaded them.
        self.other_communes = list(
            Area.objects.filter(parent=self.province, kind=Area.Kind.COMMUNE).order_by("code")[:6]
        )

    def officials(self):
        User = get_user_model()
        hashed = make_password(self.password)  # one hash for all: hashing is slow on purpose
        self.users = {}
        for username, role, path, organisation in OFFICIALS:
            user = User.objects.create(username=username, password=hashed, first_name=organisation[:150])
            # No accounts service creates officials yet; these rows are what the admin would write.
            Official.objects.create(user=user, role=role, area=Area.objects.get(path=path), organisation=organisation)
            self.users[username] = user
        for username in (MANAGER_USERNAME, STAFF_USERNAME):
            self.users[username] = User.objects.create(username=username, password=hashed)
        self.users[ADMIN_USERNAME] = User.objects.create(
            username=ADMIN_USERNAME, password=hashed, is_staff=True, is_superuser=True, first_name="Quản trị hệ thống"
        )
        self.district_official = self.users["huyen.thachthanh"]

    # --- venues ----------------------------------------------------------------------------------------

    def _venue_plan(self) -> list[tuple[Area, str, str, str]]:
        """(commune, type, name, street) for the district's 686 venues."""
        rng = self.rng
        by_code = {c.code: c for c in self.communes}
        plan, names = [], set()

        def add(commune, vtype, name, street):
            if name in names:
                return False
            names.add(name)
            plan.append((commune, vtype, name, street))
            return True

        def village(commune):
            word = "Khu phố" if _level(commune) == "thị trấn" else "Thôn"
            return f"{word} {rng.randint(1, 12)}"

        for code, vtype, name in DISTRICT_SITES:
            if code in by_code:
                # The street only: every page adds the commune from the area (it said "Thị trấn Kim Tân" twice).
                add(by_code[code], vtype, name, village(by_code[code]))
        for commune in self.communes:
            short, level = _short(commune), _level(commune)
            for vtype, name in [
                ("office", f"UBND {level} {short}"),
                ("office", f"Công an {level} {short}"),
                ("health_facility", f"Trạm Y tế {level} {short}"),
                ("vaccination_site", f"Điểm tiêm chủng Trạm Y tế {level} {short}"),
                ("school", f"Trường THCS {short}"),
                ("school", f"Trường Tiểu học {short}"),
                ("school", f"Trường Mầm non {short}"),
                ("market", f"Chợ {short}"),
            ]:
                add(commune, vtype, name, village(commune))
        self.institutional = len(plan)
        templates = [(vtype, pattern) for vtype, pattern, weight in BUSINESSES for _ in range(weight)]
        while len(plan) < REGISTERED:
            commune = rng.choice(self.communes)
            vtype, pattern = rng.choice(templates)
            street = village(commune)
            given = rng.choice(MALE_GIVEN + FEMALE_GIVEN)
            if "{village}" in pattern:
                name = pattern.format(village=f"{street.lower()}, {_short(commune)}")
            else:
                name = f"{pattern.format(given=given)} ({_short(commune)})"
            add(commune, vtype, name, street)  # the commune is shown from the area
        return plan[:REGISTERED]

    def venues(self):
        rng = self.rng
        plan = self._venue_plan()
        # Which registrations are still pending or were rejected: businesses only (public offices are
        # registered by officials and verified at once).
        business_indexes = list(range(self.institutional, len(plan)))
        unverified = rng.sample(business_indexes, PENDING + REJECTED)
        pending, rejected = set(unverified[:PENDING]), set(unverified[PENDING:])
        User = get_user_model()
        self.venues_by_id: dict[int, tuple[Venue, list[int]]] = {}
        for index, (commune, vtype, name, street) in enumerate(plan):
            entrances = ["Cổng chính", "Cổng phụ", "Cổng sau"][: rng.choice([1, 1, 1, 2, 2, 3])]
            if index in pending or index in rejected:
                # Registered by its own manager: pending until the commune checks it (seed 002).
                manager = User.objects.create(username=f"quanly.{index:04d}", password="!")
                Official.objects.create(user=manager, role=Official.Role.VENUE_MANAGER, area=commune)
                actor = manager
            else:
                actor = self.district_official
            venue = venue_create(
                actor=actor,
                name=name,
                venue_type=self.types[vtype],
                area=commune,
                street_address=street,
                contact_name=" ".join(_person_fields(rng)["full_name"].split()),
                contact_phone=_phone(rng),
                entrances=entrances,
            )
            if index in rejected:
                venue = venue_reject(
                    actor=self.district_official,
                    venue=venue,
                    reason="Thông tin địa chỉ không chính xác; đề nghị đăng ký lại với địa chỉ đúng.",
                )
            self.venues_by_id[venue.pk] = (venue, [])
            if index and index % 100 == 0:
                self.log(f"  venues: {index}/{len(plan)}")
        self._other_venues()
        for code_id, venue_id in VenueCode.objects.filter(venue_id__in=self.venues_by_id).values_list("id", "venue_id"):
            self.venues_by_id[venue_id][1].append(code_id)
        self._backdate_registrations()
        self.log(f"  venues: {len(plan)} in Thạch Thành, {len(self.venues_by_id) - len(plan)} elsewhere in Thanh Hóa")

    def _other_venues(self):
        """A few venues in communes of the 2025 tree, so that the province has more than one district."""
        self.other_venue_ids = []
        if not self.other_communes:
            return
        admin = self.users["tinh.thanhhoa"]
        for commune in self.other_communes:
            short, level = _short(commune), _level(commune)
            for vtype, name in [
                ("office", f"UBND {level} {short}"),
                ("health_facility", f"Trạm Y tế {level} {short}"),
                ("market", f"Chợ {short}"),
                ("school", f"Trường THCS {short}"),
            ]:
                venue = venue_create(
                    actor=admin,
                    name=name,
                    venue_type=self.types[vtype],
                    area=commune,
                    street_address=f"Thôn {self.rng.randint(1, 9)}",
                    contact_phone=_phone(self.rng),
                )
                self.venues_by_id[venue.pk] = (venue, [])
                self.other_venue_ids.append(venue.pk)

    def _backdate_registrations(self):
        """Registrations happened before the check-ins (from Công văn 2261/UBND-VHTT, 11/8/2021, on).

        Services stamp `created_at` with now; the demo's history needs them in the past, so the demo
        rewrites the stamps of its own rows.
        """
        first = self.today - dt.timedelta(days=WINDOW_DAYS + EARLIER_DAYS + 20)
        for venue_id in self.venues_by_id:
            when = _local(first + dt.timedelta(days=self.rng.randint(0, 18)), self.rng.randint(7 * 60, 17 * 60))
            Venue.objects.filter(pk=venue_id).update(created_at=when)
            VenueCode.objects.filter(venue_id=venue_id).update(created_at=when)
        Venue.objects.filter(pk__in=list(self.venues_by_id), status_changed_at__isnull=False).update(
            status_changed_at=_local(first + dt.timedelta(days=19), 9 * 60)
        )

    def venue_roles(self):
        """The demo venue manager and control staff work at Chợ Kim Tân."""
        market = Venue.objects.get(area_path="38/391/15187/", name="Chợ Kim Tân")
        venue_member_add(
            actor=self.district_official,
            venue=market,
            user=self.users[MANAGER_USERNAME],
            role=VenueMembership.Role.MANAGER,
        )
        venue_member_add(
            actor=self.users[MANAGER_USERNAME],
            venue=market,
            user=self.users[STAFF_USERNAME],
            role=VenueMembership.Role.STAFF,
        )

    # --- people ----------------------------------------------------------------------------------------

    def people(self):
        rng = self.rng
        self.person_ids_by_path: dict[str, list[int]] = {}
        all_ids = []
        used_ids = set()
        for index in range(self.people_count):
            commune = rng.choice(self.communes)
            fields = _person_fields(rng)
            while fields["citizen_id"] in used_ids:
                fields = _person_fields(rng)
            used_ids.add(fields["citizen_id"])
            word = "Khu phố" if _level(commune) == "thị trấn" else "Thôn"
            person = person_create(
                actor=None,
                phone=_phone(rng),
                address_area=commune,
                address_street=f"{word} {rng.randint(1, 12)}",
                created_via=Person.CreatedVia.SELF_CHECKIN,
                **fields,
            )
            self.person_ids_by_path.setdefault(commune.path, []).append(person.pk)
            all_ids.append(person.pk)
            if index and index % 1000 == 0:
                self.log(f"  people: {index}/{self.people_count}")
        self.all_person_ids = all_ids
        self.log(f"  people: {len(all_ids)}")

    # --- health declarations (issue 3) ----------------------------------------------------------------

    def declarations(self, count: int = 300):
        """Domestic declarations over the last five days, about one in eight with a symptom or an exposure,
        so that the communes' follow-up queues and the declaration statistics have something to show. They go
        through the real service: follow-up tasks and health cards follow from its signal after the commit."""
        from phongdich.declarations.services import declaration_submit

        rng = self.rng
        chosen = rng.sample(self.all_person_ids, min(count, len(self.all_person_ids)))
        people = Person.objects.select_related("address_area").in_bulk(chosen)
        flagged = 0
        for person_id in chosen:
            person = people[person_id]
            symptoms, exposures = [], []
            if rng.random() < 0.12:
                symptoms = rng.sample(["fever", "cough", "sore_throat", "fatigue", "dyspnoea"], rng.randint(1, 2))
                flagged += 1
            elif rng.random() < 0.05:
                exposures = ["contact_case"]
                flagged += 1
            when = timezone.now() - dt.timedelta(minutes=rng.randint(30, 5 * 24 * 60))
            data = {
                "area": person.address_area_id,
                "address_street": person.address_street,
                "travelled_14d": rng.random() < 0.1,
                "symptoms": symptoms,
                "exposures": exposures,
            }
            declaration_submit(person=person, kind="domestic", data=data, now=when)
        self.log(f"  declarations: {len(chosen)} ({flagged} with a symptom or an exposure)")

    # --- check-ins -------------------------------------------------------------------------------------

    def checkins(self) -> int:
        rng = self.rng
        verified = [
            venue
            for venue, _ in self.venues_by_id.values()
            if venue.status == Venue.Status.VERIFIED and venue.area_path.startswith(DISTRICT_PATH)
        ]
        verified.sort(key=lambda v: v.pk)

        def weighted_sample(venues, count):
            # Weighted sampling without replacement (Efraimidis–Spirakis keys).
            keyed = sorted(venues, key=lambda v: rng.random() ** (1 / BUSY[v.venue_type_id]), reverse=True)
            return keyed[:count]

        window_end = self.today - dt.timedelta(days=1)
        window = [window_end - dt.timedelta(days=offset) for offset in range(WINDOW_DAYS)]
        active = weighted_sample(verified, ACTIVE)
        counts = _allocate(SCANS, [BUSY[v.venue_type_id] * rng.uniform(0.3, 1.7) for v in active])
        rows = []
        for venue, count in zip(active, counts, strict=True):
            for _ in range(count):
                rows.append(self._checkin(venue, rng.choice(window)))
        # Earlier weeks: more venues were active while restrictions were stricter.
        earlier_active = weighted_sample(verified, 150)
        earlier_weights = [BUSY[v.venue_type_id] for v in earlier_active]
        for offset in range(WINDOW_DAYS, WINDOW_DAYS + EARLIER_DAYS):
            day = self.today - dt.timedelta(days=offset + 1)
            for venue in rng.choices(earlier_active, weights=earlier_weights, k=EARLIER_SCANS_PER_DAY):
                rows.append(self._checkin(venue, day))
        # A few scans elsewhere in the province, in the same window.
        for venue_id in self.other_venue_ids:
            venue = self.venues_by_id[venue_id][0]
            for _ in range(rng.randint(3, 25)):
                rows.append(self._checkin(venue, rng.choice(window)))
        state = RollupState.objects.filter(pk=1).first()
        if state and state.rolled_through and not CheckIn.objects.exists() and not VenueDailyCount.objects.exists():
            # A roll-up that ran on an empty database marked past days as counted; the demo's history fills them.
            RollupState.objects.filter(pk=1).update(rolled_through=None)
        CheckIn.objects.bulk_create(rows, batch_size=2000)
        # Count the finished days into the anonymous daily counts, as the hourly task would.
        checkin_rollup()
        self.log(f"  check-ins: {len(rows)} ({SCANS} at {ACTIVE} venues in the last {WINDOW_DAYS} days)")
        return len(rows)

    def _checkin(self, venue: Venue, day: dt.date) -> CheckIn:
        rng = self.rng
        residents = self.person_ids_by_path.get(venue.area_path)
        person_id = rng.choice(residents) if residents and rng.random() < 0.7 else rng.choice(self.all_person_ids)
        at = _local(day, rng.randint(6 * 60 + 30, 19 * 60))
        source = _pick_weighted(
            rng,
            [
                (CheckIn.Source.SELF_SCAN, 80),
                (CheckIn.Source.STAFF_SCAN, 10),
                (CheckIn.Source.PAPER, 8),
                (CheckIn.Source.OFFLINE_BATCH, 2),
            ],
        )
        out = at + dt.timedelta(minutes=rng.randint(5, 90)) if rng.random() < 0.6 else None
        codes = self.venues_by_id[venue.pk][1]
        return CheckIn(
            person_id=person_id,
            venue_id=venue.pk,
            code_id=rng.choice(codes) if codes and source == CheckIn.Source.SELF_SCAN else None,
            area_path=venue.area_path,
            checked_in_at=at,
            checked_out_at=out,
            checkout_kind=CheckIn.CheckoutKind.PERSON if out else "",
            received_at=at + dt.timedelta(hours=rng.randint(1, 20)) if source == CheckIn.Source.OFFLINE_BATCH else at,
            source=source,
            recorded_by_id=self.users[STAFF_USERNAME].pk if source == CheckIn.Source.PAPER else None,
            has_symptoms=False,
            had_contact=False,
            travelled=rng.random() < 0.05,
        )


def demo_build(*, people: int = 3000, log: Callable[[str], None] = print, today: dt.date | None = None) -> DemoResult:
    """Build the demo data once. Returns built=False, writing nothing, when it is already there.

    All or nothing (one transaction). Needs Thanh Hóa and the Thạch Thành 2021 tree (geo_load, geo_import_csv).
    """
    if demo_is_built():
        return DemoResult(built=False, password=demo_password(), usernames=demo_usernames())
    builder = _Builder(people=people, log=log, today=today or timezone.localdate())
    with transaction.atomic():
        builder.areas()
        log("officials")
        builder.officials()
        log("venues")
        builder.venues()
        builder.venue_roles()
        log("people")
        builder.people()
        log("check-ins")
        count = builder.checkins()
        log("health declarations")
        builder.declarations()
        for name, extend in demo_extensions():
            log(name)
            extend(builder=builder, log=log)
    return DemoResult(
        built=True,
        password=builder.password,
        usernames=demo_usernames(),
        venues=len(builder.venues_by_id),
        people=len(builder.all_person_ids),
        checkins=count,
    )


# Later domains add their demo data here, in this order, each from its own `<app>/demo.py`:
# `demo_extend(builder=, log=)` runs inside demo_build's transaction, after check-ins and declarations,
# and may read builder.today, builder.rng, builder.all_person_ids and the officials by username.
DEMO_EXTENSIONS = ["certificates", "testing", "vaccination", "cases", "telecom", "calls", "maps"]


def demo_extensions() -> list[tuple[str, Callable]]:
    import importlib

    found = []
    for app in DEMO_EXTENSIONS:
        try:
            module = importlib.import_module(f"phongdich.{app}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"phongdich.{app}.demo":
                raise
            continue
        found.append((app, module.demo_extend))
    return found


def demo_usernames() -> list[str]:
    from phongdich.testing.demo import LAB_USERNAME
    from phongdich.vaccination.demo import STAFF_USERNAME as VACCINATION_STAFF_USERNAME

    officials = [username for username, *_ in OFFICIALS]
    return officials + [MANAGER_USERNAME, STAFF_USERNAME, LAB_USERNAME, VACCINATION_STAFF_USERNAME, ADMIN_USERNAME]
