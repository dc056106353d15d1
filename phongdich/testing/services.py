"""Writes of the testing domain: sessions, registrations, sample collection, pooling and results.

Every function validates what it stores, runs in one transaction (nothing half-written) and writes the audit
record. A result's follow-up (the SMS telling the person to look it up, the status card) runs after the
commit in a Celery task (tasks.results_after_commit_task); a positive individual result opens a case through
cases.services.case_create in the same transaction.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone, translation

from phongdich.accounts.models import Official
from phongdich.accounts.permissions import PEOPLE_ROLES, require_role
from phongdich.core import dates as core_dates
from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.core.queue import enqueue
from phongdich.core.scoping import area_visible
from phongdich.people.models import Person
from phongdich.people.services import person_create, person_find_or_create, person_for_staff_entry, person_update
from phongdich.people.validation import FULLWIDTH_DIGITS

from . import errors
from .barcodes import barcode_make, barcode_normalise
from .models import (
    Pool,
    ResultCorrection,
    RetestItem,
    Sample,
    TestingSession,
    TestingSite,
    TestRegistration,
    TestResult,
    TestType,
)

logger = logging.getLogger(__name__)

Role = Official.Role
# Staff who take samples, pool them and enter results: the sites' and labs' staff and the health department.
LAB_ROLES = (Role.LAB_STAFF, Role.HEALTH_DEPT, Role.PROVINCE_ADMIN)
# Officials who may register a person for a test: those who see people, and the sites' staff.
REGISTER_ROLES = (*PEOPLE_ROLES, Role.LAB_STAFF)
NOTE_MAX = 255


def _now():
    return timezone.now()


# --- sites and sessions ---------------------------------------------------------------------------------------


def site_create(
    *, actor, code: str, name: str, area, kind: str = TestingSite.Kind.BOTH, address: str = "", pool_max_size: int = 10
) -> TestingSite:
    """A testing site; `code` (2–4 capital letters or digits) starts every barcode printed there."""
    require_role(actor, Role.HEALTH_DEPT, Role.PROVINCE_ADMIN)
    code = (code or "").strip().upper()
    if not (2 <= len(code) <= 4 and code.isascii() and code.isalnum()):
        raise ApplicationError(
            errors.INVALID_REGISTRATION,
            extra={"field": "code"},
            vi="Mã điểm phải gồm 2–4 chữ in hoa hoặc chữ số.",
            en="The site code must be 2–4 capital letters or digits.",
        )
    if not 1 <= int(pool_max_size) <= 100:
        raise ApplicationError(errors.INVALID_REGISTRATION, extra={"field": "pool_max_size"})
    if not area_visible(actor, area.path):
        raise ApplicationError(core_errors.NOT_FOUND)
    with transaction.atomic():
        site = TestingSite.objects.create(
            code=code,
            name=name.strip()[:200],
            area=area,
            kind=kind,
            address=address.strip()[:255],
            pool_max_size=pool_max_size,
        )
        audit_record(actor=actor, action="testing.site.created", obj=site, area_path=site.area_path)
    return site


def session_create(
    *,
    actor,
    site: TestingSite,
    date: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    capacity: int,
    test_type: str = TestType.PCR,
    note: str = "",
) -> TestingSession:
    """A sampling session at a site the actor sees; refuses impossible hours, capacity or test type."""
    require_role(actor, *LAB_ROLES)
    if not area_visible(actor, site.area_path):
        raise ApplicationError(core_errors.NOT_FOUND)
    if test_type not in TestType.values or end_time <= start_time or int(capacity) < 1:
        raise ApplicationError(
            errors.INVALID_REGISTRATION,
            extra={"field": "session"},
            vi="Giờ, số chỗ hoặc loại xét nghiệm của buổi không hợp lệ.",
            en="The session's hours, capacity or test type are invalid.",
        )
    with transaction.atomic():
        session = TestingSession.objects.create(
            site=site,
            date=date,
            start_time=start_time,
            end_time=end_time,
            capacity=capacity,
            test_type=test_type,
            note=note[:NOTE_MAX],
        )
        audit_record(actor=actor, action="testing.session.created", obj=session, area_path=site.area_path)
    return session


# --- registrations ---------------------------------------------------------------------------------------------


def _session_for_update(session_id) -> TestingSession:
    try:
        session_id = int(session_id)
    except (TypeError, ValueError) as exc:
        raise ApplicationError(core_errors.NOT_FOUND) from exc
    session = TestingSession.objects.select_for_update().select_related("site").filter(pk=session_id).first()
    if session is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return session


def _registration_add(*, session_id, person: Person, reason: str, via: str, actor) -> TestRegistration:
    """Inside a transaction: lock the session, refuse it full, over or duplicated, then count the new place."""
    if reason not in TestRegistration.Reason.values:
        raise ApplicationError(errors.INVALID_REGISTRATION, extra={"field": "reason"})
    session = _session_for_update(session_id)
    if not session.site.active or session.date < timezone.localdate():
        raise ApplicationError(errors.SESSION_CLOSED, extra={"session": session.pk})
    # Today's session is over once its end time has passed, Vietnam time (the date check alone let people book
    # a morning session in the afternoon).
    ends_at = timezone.make_aware(dt.datetime.combine(session.date, session.end_time))
    if ends_at <= timezone.now():
        end = f"{session.end_time:%H:%M} {session.date:%d/%m/%Y}"
        raise ApplicationError(
            errors.SESSION_ENDED,
            extra={"session": session.pk, "ended_at": ends_at.isoformat()},
            vi=f"Buổi lấy mẫu này đã kết thúc lúc {end}; vui lòng chọn buổi khác.",
            en=f"This testing session ended at {end}; please choose another one.",
        )
    if (
        TestRegistration.objects.filter(person=person, session=session)
        .exclude(status=TestRegistration.Status.CANCELLED)
        .exists()
    ):
        raise ApplicationError(errors.ALREADY_REGISTERED, extra={"session": session.pk})
    if session.registered_count >= session.capacity:
        raise ApplicationError(errors.SESSION_FULL, extra={"session": session.pk, "capacity": session.capacity})
    try:
        with transaction.atomic():
            registration = TestRegistration.objects.create(
                person=person,
                session=session,
                reason=reason,
                registered_via=via,
                registered_by=actor if getattr(actor, "is_authenticated", False) else None,
                site_path=session.site.area_path,
                person_path=person.area_path,
            )
    except IntegrityError as exc:  # the same person registering twice at the same moment
        raise ApplicationError(errors.ALREADY_REGISTERED, extra={"session": session.pk}) from exc
    TestingSession.objects.filter(pk=session.pk).update(registered_count=F("registered_count") + 1)
    audit_record(
        actor=actor,
        action="testing.registration.created",
        obj=registration,
        area_path=person.area_path,
        extra={"via": via, "session": session.pk},
    )
    return registration


def _id_fields(id_number: str) -> dict:
    """Which identity field a typed number is: 12 digits CCCD, 9 digits CMND, otherwise a passport number."""
    text = "".join((id_number or "").split()).replace(".", "").replace("-", "").translate(FULLWIDTH_DIGITS)
    if not text.isascii():  # "²" passes isdigit() but no identity number holds it
        raise ApplicationError(errors.INVALID_ID_NUMBER, extra={"field": "id_number"})
    if text.isdigit() and len(text) == 12:
        return {"citizen_id": text}
    if text.isdigit() and len(text) == 9:
        return {"old_id_number": text}
    if text.isdigit() or not (6 <= len(text) <= 20) or not text.isalnum():
        raise ApplicationError(errors.INVALID_ID_NUMBER, extra={"field": "id_number"})
    return {"passport_number": text.upper()}


def _person_for_registration(
    *, full_name, id_number, birth_date, phone, area, created_via, actor=None, session_id=None
) -> Person:
    """The person described by a registration form: found (same phone, name, birth year) or created.

    The look-up later asks for the ID number and the date of birth, so both must be on the record: a missing
    one is filled in; a record with a different date of birth is another person, and a new one is made.
    An official's registration (`actor`) first finds the person by their exact CCCD or CMND wherever they live
    (people.services.person_for_staff_entry, audited): one record per number, and a record whose name or birth date
    differs is left as it is, the official warned (`person.identity_differs`). A citizen's own form does not:
    typing someone else's number must not attach the registration to their record (docs/people.md).
    """
    if birth_date is None or birth_date > timezone.localdate():
        raise ApplicationError(
            errors.INVALID_REGISTRATION,
            extra={"field": "birth_date"},
            vi="Ngày sinh không hợp lệ.",
            en="The date of birth is invalid.",
        )
    ids = _id_fields(id_number)
    if actor is not None and "passport_number" not in ids:
        person = person_for_staff_entry(
            actor=actor,
            purpose=f"testing.session:{session_id}",
            reason="Đăng ký xét nghiệm",
            full_name=full_name,
            phone=phone,
            birth_year=birth_date.year,
            birth_date=birth_date,
            area_path=area.path,
            address_area=area,
            created_via=created_via,
            **ids,
        )
        if person.identity_differs is not None:
            return person  # the record stays as it is: the official checks (the warning says what)
    else:
        person = person_find_or_create(
            full_name=full_name,
            phone=phone,
            birth_year=birth_date.year,
            citizen_id=ids.get("citizen_id", ""),
            area_path=area.path,
            address_area=area,
            created_via=created_via,
        )
    if person.birth_date not in (None, birth_date) or any(
        getattr(person, field) not in ("", value) for field, value in ids.items()
    ):
        return person_create(
            actor=None,
            full_name=full_name,
            phone=phone,
            birth_date=birth_date,
            address_area=area,
            created_via=created_via,
            # An official's new person never takes a number already on record (found above; this is the guard).
            refuse_id_on_record=actor is not None,
            **ids,
        )
    missing = {field: value for field, value in ids.items() if not getattr(person, field)}
    if person.birth_date is None:
        missing["birth_date"] = birth_date
    if missing:
        person = person_update(actor=None, person=person, **missing)
    return person


@transaction.atomic
def registration_self(
    *, full_name: str, id_number: str, birth_date: dt.date, phone: str, area, session_id, reason: str
) -> TestRegistration:
    """A citizen registers themself (seed 003: "đăng ký xét nghiệm"). Public: the answer shows only what was
    typed. Refuses a full session (409 testing_session_full), a past one, and a second registration of the
    same person for the same session; nothing is written then."""
    person = _person_for_registration(
        full_name=full_name,
        id_number=id_number,
        birth_date=birth_date,
        phone=phone,
        area=area,
        created_via=Person.CreatedVia.SELF_REGISTRATION,
    )
    return _registration_add(
        session_id=session_id, person=person, reason=reason, via=TestRegistration.Via.CITIZEN, actor=None
    )


@transaction.atomic
def registration_by_official(
    *, actor, full_name: str, id_number: str, birth_date: dt.date, phone: str, area, session_id, reason: str
) -> TestRegistration:
    """An official registers someone living in their own area (a person without a smartphone)."""
    require_role(actor, *REGISTER_ROLES)
    if not area_visible(actor, area.path):
        raise ApplicationError(core_errors.PERMISSION_DENIED, extra={"field": "area"})
    person = _person_for_registration(
        full_name=full_name,
        id_number=id_number,
        birth_date=birth_date,
        phone=phone,
        area=area,
        created_via=Person.CreatedVia.OFFICIAL,
        actor=actor,
        session_id=session_id,
    )
    return _registration_add(
        session_id=session_id, person=person, reason=reason, via=TestRegistration.Via.OFFICIAL, actor=actor
    )


@transaction.atomic
def registration_cancel(*, actor, registration: TestRegistration) -> TestRegistration:
    """Cancel a registration that has no sample yet; its place in the session is freed."""
    registration = TestRegistration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != TestRegistration.Status.REGISTERED:
        raise ApplicationError(errors.REGISTRATION_NOT_OPEN)
    registration.status = TestRegistration.Status.CANCELLED
    registration.save(update_fields=["status"])
    TestingSession.objects.filter(pk=registration.session_id, registered_count__gt=0).update(
        registered_count=F("registered_count") - 1
    )
    audit_record(
        actor=actor, action="testing.registration.cancelled", obj=registration, area_path=registration.person_path
    )
    return registration


# --- samples and pools -----------------------------------------------------------------------------------------


def _lab_site(actor, site: TestingSite) -> TestingSite:
    require_role(actor, *LAB_ROLES)
    if not area_visible(actor, site.area_path):
        raise ApplicationError(core_errors.NOT_FOUND)
    return site


def barcodes_reserve(*, site: TestingSite, count: int = 1) -> list[str]:
    """`count` new barcodes of the site, never used before (the site's row is locked while counting)."""
    with transaction.atomic():
        locked = TestingSite.objects.select_for_update().get(pk=site.pk)
        first = locked.barcode_seq + 1
        locked.barcode_seq += count
        TestingSite.objects.filter(pk=site.pk).update(barcode_seq=locked.barcode_seq)
    site.barcode_seq = locked.barcode_seq
    return [barcode_make(locked.code, seq) for seq in range(first, first + count)]


# No sample predates the virus (core.dates gives the source); a sample dated 1900 was accepted before.
SARS_COV_2_FIRST_REPORTED = core_dates.SARS_COV_2_FIRST_REPORTED


@transaction.atomic
def sample_collect(
    *,
    actor,
    site: TestingSite,
    registration: TestRegistration | None = None,
    person: Person | None = None,
    test_type: str | None = None,
    collected_at: dt.datetime | None = None,
) -> Sample:
    """Take a sample from a registered person (or a walk-in `person`) at `site`; it gets a new barcode.

    The registration becomes "sampled"; an open re-test item of the person is closed by this new sample.
    """
    _lab_site(actor, site)
    now = _now()
    collected_at = collected_at or now
    if collected_at > now + dt.timedelta(seconds=settings.TESTING_CLOCK_SKEW_SECONDS):
        raise ApplicationError(errors.RESULT_TIME_INVALID, extra={"field": "collected_at"})
    if timezone.localdate(collected_at) < SARS_COV_2_FIRST_REPORTED:
        raise ApplicationError(
            errors.RESULT_TIME_INVALID,
            extra={"field": "collected_at", "earliest": SARS_COV_2_FIRST_REPORTED.isoformat()},
            vi="Thời gian lấy mẫu không thể trước tháng 12/2019, khi SARS-CoV-2 được phát hiện.",
            en="The sample cannot have been taken before December 2019, when SARS-CoV-2 was first reported.",
        )
    if registration is not None:
        registration = (
            TestRegistration.objects.select_for_update().select_related("session", "person").get(pk=registration.pk)
        )
        if registration.status != TestRegistration.Status.REGISTERED:
            raise ApplicationError(errors.REGISTRATION_NOT_OPEN)
        person = registration.person
        test_type = test_type or registration.session.test_type
    if person is None:
        raise ApplicationError(errors.INVALID_REGISTRATION, extra={"field": "person"})
    test_type = test_type or TestType.PCR
    if test_type not in TestType.values:
        raise ApplicationError(errors.INVALID_RESULT, extra={"field": "test_type"})
    (barcode,) = barcodes_reserve(site=site)
    sample = Sample.objects.create(
        barcode=barcode,
        person=person,
        registration=registration,
        site=site,
        test_type=test_type,
        collected_at=collected_at,
        collected_by=actor,
        site_path=site.area_path,
        person_path=person.area_path,
    )
    if registration is not None:
        registration.status = TestRegistration.Status.SAMPLED
        registration.save(update_fields=["status"])
    RetestItem.objects.filter(sample__person=person, done_at__isnull=True).update(done_at=now, new_sample=sample)
    audit_record(
        actor=actor,
        action="testing.sample.collected",
        obj=sample,
        area_path=person.area_path,
        extra={"barcode": barcode, "site": site.pk},
    )
    return sample


def _by_barcode(model, barcode: str, *, actor, lock: bool = True):
    from .selectors import lab_sites_q

    qs = model.objects.select_related("site")
    if lock:
        qs = qs.select_for_update(of=("self",))
    found = qs.filter(barcode=barcode_normalise(barcode)).filter(lab_sites_q(actor, "site_path")).first()
    if found is None:
        raise ApplicationError(errors.UNKNOWN_BARCODE, extra={"barcode": barcode_normalise(barcode)})
    return found


@transaction.atomic
def pool_create(*, actor, site: TestingSite) -> Pool:
    """An empty pool at `site`, with its own barcode (from the same sequence as the samples)."""
    _lab_site(actor, site)
    (barcode,) = barcodes_reserve(site=site)
    pool = Pool.objects.create(barcode=barcode, site=site, site_path=site.area_path, created_by=actor)
    audit_record(actor=actor, action="testing.pool.created", obj=pool, area_path=site.area_path)
    return pool


@transaction.atomic
def pool_add_sample(*, actor, pool_barcode: str, sample_barcode: str) -> Sample:
    """Put an awaiting RT-PCR sample of the pool's site into the pool; refuses beyond the site's pool_max_size."""
    require_role(actor, *LAB_ROLES)
    pool = _by_barcode(Pool, pool_barcode, actor=actor)
    if pool.status != Pool.Status.OPEN:
        raise ApplicationError(errors.POOL_CLOSED, extra={"pool": pool.barcode})
    sample = _by_barcode(Sample, sample_barcode, actor=actor)
    if sample.status != Sample.Status.AWAITING:
        raise ApplicationError(errors.SAMPLE_NOT_AWAITING, extra={"barcode": sample.barcode})
    if sample.test_type != TestType.PCR or sample.site_id != pool.site_id:
        raise ApplicationError(errors.POOL_MISMATCH, extra={"barcode": sample.barcode})
    if pool.size >= pool.site.pool_max_size:
        raise ApplicationError(errors.POOL_FULL, extra={"pool": pool.barcode, "max": pool.site.pool_max_size})
    sample.pool = pool
    sample.status = Sample.Status.IN_POOL
    sample.save(update_fields=["pool", "status"])
    Pool.objects.filter(pk=pool.pk).update(size=F("size") + 1)
    audit_record(
        actor=actor,
        action="testing.pool.sample_added",
        obj=sample,
        area_path=sample.person_path,
        extra={"pool": pool.barcode},
    )
    return sample


# --- results ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultInput:
    """One result as typed or read from a lab sheet, before it is checked."""

    barcode: str
    outcome: str
    test_type: str = ""  # empty: the sample's own
    ct_value: object = None
    tested_at: dt.datetime | None = None
    device: str = ""


@dataclass
class CheckedResult:
    """A result that passed every check, with the sample or pool it belongs to."""

    target: Sample | Pool
    test_type: str
    outcome: str
    ct_value: Decimal | None
    tested_at: dt.datetime
    device: str

    @property
    def is_pool(self) -> bool:
        return isinstance(self.target, Pool)


class ResultProblem(Exception):
    """A row-level reason a result is refused: the error code, the column and both texts."""

    def __init__(self, error, column: str, vi: str | None = None, en: str | None = None, extra=None):
        super().__init__(error.code)
        self.error, self.column = error, column
        self.vi, self.en = vi or error.vi, en or error.en
        self.extra = extra or {}

    def as_application_error(self) -> ApplicationError:
        return ApplicationError(self.error, extra={"field": self.column, **self.extra}, vi=self.vi, en=self.en)


def ct_parse(value) -> Decimal | None:
    """A Ct value as typed ("27,5", 27.5, "") or given (Decimal("22.55"), from the API) → Decimal with one decimal,
    as stored, or None; range checked by result_check."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        ct = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation as exc:
        raise ResultProblem(
            errors.INVALID_RESULT, "ct", "Giá trị Ct không phải là số.", "The Ct value is not a number."
        ) from exc
    if not ct.is_finite():
        raise ResultProblem(
            errors.INVALID_RESULT, "ct", "Giá trị Ct không phải là số.", "The Ct value is not a number."
        )
    if abs(ct) >= 1000:  # "1e30": quantize would overflow (a 500 once); far outside any Ct in any case
        raise ResultProblem(errors.CT_OUT_OF_RANGE, "ct", extra={"max": settings.TESTING_CT_MAX})
    return ct.quantize(Decimal("0.1"))


# Sets, not TextChoices.values (a list built at each call): result_check runs once per row of a lab sheet.
_OUTCOMES = frozenset(TestResult.Outcome.values)
_TEST_TYPES = frozenset(TestType.values)


def _ct_checked(*, test_type: str, outcome: str, ct_value) -> Decimal | None:
    """The Ct value as stored, or ResultProblem: only RT-PCR has one, a positive RT-PCR needs it, within
    (0, TESTING_CT_MAX]."""
    ct = ct_parse(ct_value)
    if ct is not None and test_type != TestType.PCR:
        raise ResultProblem(
            errors.INVALID_RESULT,
            "ct",
            "Test nhanh kháng nguyên không có giá trị Ct.",
            "A rapid antigen test has no Ct value.",
        )
    if ct is None and test_type == TestType.PCR and outcome == TestResult.Outcome.POSITIVE:
        raise ResultProblem(
            errors.INVALID_RESULT,
            "ct",
            "Kết quả RT-PCR dương tính cần giá trị Ct.",
            "A positive RT-PCR result needs its Ct value.",
        )
    if ct is not None and not (0 < ct <= settings.TESTING_CT_MAX):
        raise ResultProblem(errors.CT_OUT_OF_RANGE, "ct", extra={"max": settings.TESTING_CT_MAX})
    return ct


def result_check(*, target, collected_at: dt.datetime | None, item: ResultInput, now: dt.datetime) -> CheckedResult:
    """The checks every result passes, whether typed or imported (docs/testing.md "Results"). `target` is the
    sample or pool of the barcode, `collected_at` the sample's time (a pool's: its latest member's)."""
    if item.outcome not in _OUTCOMES:
        raise ResultProblem(
            errors.INVALID_RESULT,
            "result",
            "Kết quả phải là âm tính, dương tính hoặc không xác định.",
            "The result must be negative, positive or invalid.",
        )
    own_type = TestType.PCR if isinstance(target, Pool) else target.test_type
    test_type = item.test_type or own_type
    if test_type not in _TEST_TYPES:
        raise ResultProblem(
            errors.INVALID_RESULT,
            "test_type",
            "Loại xét nghiệm phải là RT-PCR hoặc test nhanh.",
            "The test type must be RT-PCR or rapid antigen.",
        )
    if test_type != own_type:
        raise ResultProblem(
            errors.INVALID_RESULT,
            "test_type",
            "Loại xét nghiệm khác với loại của mẫu.",
            "The test type differs from the sample's.",
        )
    ct = _ct_checked(test_type=test_type, outcome=item.outcome, ct_value=item.ct_value)
    tested_at = item.tested_at or now
    if tested_at > now + dt.timedelta(seconds=settings.TESTING_CLOCK_SKEW_SECONDS):
        raise ResultProblem(
            errors.RESULT_TIME_INVALID,
            "tested_at",
            "Thời gian xét nghiệm ở tương lai.",
            "The test time is in the future.",
        )
    if collected_at is not None and tested_at < collected_at:
        raise ResultProblem(
            errors.RESULT_TIME_INVALID,
            "tested_at",
            "Thời gian xét nghiệm trước lúc lấy mẫu.",
            "The test time is before the sample was taken.",
        )
    if isinstance(target, Pool):
        if target.status != Pool.Status.OPEN:
            raise ResultProblem(errors.ALREADY_RESULTED, "barcode")
        if target.size == 0:
            raise ResultProblem(errors.POOL_EMPTY, "barcode")
    elif target.status == Sample.Status.RESULTED:
        raise ResultProblem(errors.ALREADY_RESULTED, "barcode")
    elif target.status == Sample.Status.IN_POOL:
        raise ResultProblem(
            errors.SAMPLE_NOT_AWAITING,
            "barcode",
            "Mẫu này đã gộp; hãy nhập kết quả của mẫu gộp.",
            "This sample is pooled; enter the pool's result.",
        )
    elif target.status != Sample.Status.AWAITING:
        raise ResultProblem(errors.SAMPLE_NOT_AWAITING, "barcode")
    return CheckedResult(
        target=target,
        test_type=test_type,
        outcome=item.outcome,
        ct_value=ct,
        tested_at=tested_at,
        device=(item.device or "").strip()[:40],
    )


# The columns results_apply writes, in order (all of TestResult's but the id).
_RESULT_COLUMNS = (
    "sample_id", "pool_id", "from_pool_id", "test_type", "outcome", "ct_value", "device", "lab_id", "tested_at",
    "entered_by_id", "entered_at", "notified_at", "import_job_id", "site_path", "person_path",
)  # fmt: skip


def _insert_results(rows: list[tuple]) -> None:
    """Multi-row INSERTs of result rows (tuples in _RESULT_COLUMNS order, values adapted by the backend's own
    functions). A lab sheet holds thousands of rows: building a model per row and compiling it through
    bulk_create was most of an import's time (docs/testing.md "Import format")."""
    if not rows:
        return
    ops = connection.ops
    table = ops.quote_name(TestResult._meta.db_table)
    columns = ", ".join(ops.quote_name(column) for column in _RESULT_COLUMNS)
    placeholder = "(" + ", ".join(["%s"] * len(_RESULT_COLUMNS)) + ")"
    fields = [TestResult._meta.get_field(column.removesuffix("_id")) for column in _RESULT_COLUMNS]
    batch = max(1, min(1000, ops.bulk_batch_size(fields, rows)))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            params = []
            for row in chunk:
                params.extend(row)
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholder] * len(chunk))}", params)


def results_apply(*, actor, checked: list[CheckedResult], import_job=None) -> int:
    """Store checked results in bulk (inside the caller's transaction) with all their consequences:

    - an individual result: the sample is "resulted"; a positive one opens a case (cases.case_create; a person
      who is already an open case keeps that case);
    - a negative pool: each member gets a negative result of its own, marked from_pool;
    - a positive or invalid pool: each member is "needs_retest" and goes on the re-test list.
    After the commit, tasks notify the people and refresh their status cards.
    Returns how many individual results were stored (including the derived ones).
    """
    ops = connection.ops
    now = _now()
    entered_at = ops.adapt_datetimefield_value(now)
    entered_by = actor.pk if getattr(actor, "is_authenticated", False) else None
    job_id = import_job.pk if import_job is not None else None
    rows, resulted_ids, retest_samples, closed_pools, positives = [], [], [], [], []

    def row(*, sample_id, pool_id, from_pool_id, item, ct, site_path, person_path):
        return (
            sample_id, pool_id, from_pool_id, item.test_type, item.outcome,
            ops.adapt_decimalfield_value(ct, 4, 1) if ct is not None else None, item.device, item.target.site_id,
            ops.adapt_datetimefield_value(item.tested_at), entered_by, entered_at, None, job_id, site_path, person_path,
        )  # fmt: skip

    for item in checked:
        target = item.target
        if not item.is_pool:
            rows.append(row(sample_id=target.pk, pool_id=None, from_pool_id=None, item=item, ct=item.ct_value,
                            site_path=target.site_path, person_path=target.person_path))  # fmt: skip
            resulted_ids.append(target.pk)
            if item.outcome == TestResult.Outcome.POSITIVE:
                positives.append(target.pk)
            continue
        rows.append(row(sample_id=None, pool_id=target.pk, from_pool_id=None, item=item, ct=item.ct_value,
                        site_path=target.site_path, person_path=""))  # fmt: skip
        closed_pools.append(target.pk)
        members = list(Sample.objects.filter(pool_id=target.pk, status=Sample.Status.IN_POOL))
        if item.outcome == TestResult.Outcome.NEGATIVE:
            for member in members:
                rows.append(row(sample_id=member.pk, pool_id=None, from_pool_id=target.pk, item=item, ct=None,
                                site_path=member.site_path, person_path=member.person_path))  # fmt: skip
                resulted_ids.append(member.pk)
        else:
            retest_samples.extend((member, target.pk) for member in members)
    try:
        with transaction.atomic():
            _insert_results(rows)
    except IntegrityError as exc:  # another entry stored a result for one of these at the same moment
        raise ApplicationError(errors.ALREADY_RESULTED) from exc
    for start in range(0, len(resulted_ids), 1000):
        Sample.objects.filter(pk__in=resulted_ids[start : start + 1000]).update(status=Sample.Status.RESULTED)
    if closed_pools:
        Pool.objects.filter(pk__in=closed_pools).update(status=Pool.Status.RESULTED)
    if retest_samples:
        Sample.objects.filter(pk__in=[sample.pk for sample, _ in retest_samples]).update(
            status=Sample.Status.NEEDS_RETEST
        )
        RetestItem.objects.bulk_create(
            [
                RetestItem(
                    sample=sample,
                    pool_id=pool_id,
                    site_path=sample.site_path,
                    person_path=sample.person_path,
                    created_at=now,
                )  # fmt: skip
                for sample, pool_id in retest_samples
            ],
            batch_size=1000,
        )
    for sample in Sample.objects.filter(pk__in=positives).select_related("person"):
        _case_for_positive(actor=actor, sample=sample)
    if resulted_ids:
        transaction.on_commit(lambda: _after_commit(resulted_ids))
    return len(resulted_ids)


def sample_origin(sample: Sample) -> str:
    """How a case opened by this sample's positive result names it (cases.Case.origin)."""
    return f"testing.sample:{sample.pk}"


def _case_for_positive(*, actor, sample: Sample) -> str:
    """Open a case for a positive result; its number, or "" when none is opened: the person is already a case under
    treatment, or the result does not confirm a case by itself.

    The case definition is the rule in force on the sample day (cases.InfectiousWindowRule, RULES.md §1.2): under
    CV 11042 one positive rapid antigen test confirms a case only for an F1; anyone else needs a second positive
    antigen test within the rule's hours (the case then takes the earlier sample's day) or an RT-PCR, and until then
    the sample is on the re-test list as "positive rapid test, RT-PCR needed" (_antigen_unconfirmed). What the
    person's contact evidence says (cases.selectors.contact_case_defaults: the known source and the first exposure
    to it, the quarantine that isolated them) fills the case's dates, with a note saying so.
    """
    from phongdich.cases import errors as case_errors
    from phongdich.cases.selectors import contact_case_defaults
    from phongdich.cases.services import case_create, case_under_treatment_exists, window_rule_for

    person = sample.person
    if case_under_treatment_exists(person=person):
        return ""
    sample_date = core_dates.local_day(sample.collected_at)
    defaults = contact_case_defaults(person=person, sample_date=sample_date)
    if sample.test_type == TestType.ANTIGEN and not defaults.is_f1:
        try:
            rule = window_rule_for(sample_date)
        except ApplicationError:  # no rule on that day: case_create refuses it as before (no_window_rule)
            rule = None
        if rule is not None and rule.antigen_confirms_only_f1:
            other = _positive_antigen_near(sample, hours=rule.antigen_repeat_hours)
            if other is None:
                _antigen_unconfirmed(actor=actor, sample=sample, rule=rule)
                return ""
            other_day = core_dates.local_day(other.collected_at)
            if other_day < sample_date:  # the first of the two positives dates the case
                sample_date = other_day
                defaults = contact_case_defaults(person=person, sample_date=sample_date)
    notes = "\n".join(filter(None, [f"Xét nghiệm {sample.barcode}", defaults.note()]))
    try:
        case = case_create(
            actor=actor,
            person=person,
            sample_date=sample_date,
            test_type=sample.test_type,
            source_exposure_date=defaults.source_exposure_date,
            isolated_at=defaults.isolated_at,
            infected_by=defaults.infected_by,
            notes=notes,
            origin=sample_origin(sample),
        )
    except ApplicationError as exc:
        if exc.error != case_errors.PERSON_ALREADY_CASE:
            raise
        return ""
    # A positive antigen test waiting for confirmation is confirmed now: off the re-test list.
    RetestItem.objects.filter(
        sample__person=person, reason=RetestItem.Reason.ANTIGEN_UNCONFIRMED, done_at__isnull=True
    ).update(done_at=_now())
    return case.number


def _positive_antigen_near(sample: Sample, *, hours: int) -> Sample | None:
    """Another sample of the same person, a positive rapid antigen test taken within `hours` of `sample` (either
    side): with it, two consecutive positive antigen tests confirm a case (CV 11042, RULES.md §1.2)."""
    if hours <= 0:
        return None
    span = dt.timedelta(hours=hours)
    return (
        Sample.objects.filter(
            person_id=sample.person_id,
            test_type=TestType.ANTIGEN,
            collected_at__gte=sample.collected_at - span,
            collected_at__lte=sample.collected_at + span,
            results__outcome=TestResult.Outcome.POSITIVE,
        )
        .exclude(pk=sample.pk)
        .order_by("collected_at", "pk")
        .first()
    )


def _antigen_unconfirmed(*, actor, sample: Sample, rule) -> RetestItem:
    """A positive rapid antigen test that confirms no case by itself: the sample goes on the re-test list (the lab
    and the commune see "positive rapid test, RT-PCR needed"; the person's page asks for an RT-PCR); a new sample
    closes the item as for a pooled one. Audited as `testing.retest.created` with the rule."""
    item, created = RetestItem.objects.get_or_create(
        sample=sample,
        defaults={
            "reason": RetestItem.Reason.ANTIGEN_UNCONFIRMED,
            "pool": None,
            "site_path": sample.site_path,
            "person_path": sample.person_path,
            "created_at": _now(),
        },
    )
    if not created and item.done_at is not None:  # corrected back to positive: waiting for its RT-PCR again
        item.done_at = item.new_sample = None
        item.save(update_fields=["done_at", "new_sample"])
    audit_record(
        actor=actor,
        action="testing.retest.created",
        obj=item,
        area_path=sample.person_path,
        extra={"reason": item.reason, "rule": rule.code, "barcode": sample.barcode},
    )
    return item


# Samples per after-commit task: a lab sheet of thousands is notified by several workers, in small retries.
NOTIFY_BATCH = 500


def _after_commit(sample_ids: list[int]) -> None:
    from .tasks import results_after_commit_task

    for start in range(0, len(sample_ids), NOTIFY_BATCH):
        enqueue(results_after_commit_task, sample_ids[start : start + NOTIFY_BATCH])


@transaction.atomic
def result_enter(
    *,
    actor,
    barcode: str,
    outcome: str,
    test_type: str = "",
    ct_value=None,
    tested_at: dt.datetime | None = None,
    device: str = "",
) -> TestResult:
    """Enter one result by the barcode of a sample or a pool (lab staff of the site's area).

    The checks are those of result_check; the consequences those of results_apply. Returns the stored result
    (a pool's own result for a pool barcode).
    """
    require_role(actor, *LAB_ROLES)
    normalised = barcode_normalise(barcode)
    try:
        target = _by_barcode(Sample, normalised, actor=actor)
        collected_at = target.collected_at
    except ApplicationError:
        target = _by_barcode(Pool, normalised, actor=actor)
        collected_at = max(target.samples.values_list("collected_at", flat=True), default=None)
    item = ResultInput(
        barcode=normalised, outcome=outcome, test_type=test_type, ct_value=ct_value, tested_at=tested_at, device=device
    )
    try:
        checked = result_check(target=target, collected_at=collected_at, item=item, now=_now())
    except ResultProblem as problem:
        raise problem.as_application_error() from problem
    results_apply(actor=actor, checked=[checked])
    stored = TestResult.objects.get(**({"pool": target} if checked.is_pool else {"sample": target}))
    audit_record(
        actor=actor,
        action="testing.result.entered",
        obj=stored,
        area_path=stored.person_path or stored.site_path,
        extra={"barcode": normalised, "outcome": outcome, "pool": checked.is_pool},
    )
    return stored


@dataclass(frozen=True)
class CorrectionOutcome:
    result: TestResult
    correction: ResultCorrection
    case_opened: str = ""  # the number of the case a result corrected to positive opened
    case_withdrawn: str = ""  # the number of the case the corrected positive had opened, now withdrawn
    certificates_revoked: int = 0  # test certificates of a negative corrected to positive or invalid
    case_kept_by: str = ""  # the barcode of another positive, entered while the case was open, that keeps it


@transaction.atomic
def result_correct(*, actor, barcode: str, outcome: str, reason: str, ct_value=None) -> CorrectionOutcome:
    """Correct a sample's result after it was entered (a typing slip, the wrong row of a lab sheet), with the
    reason; lab staff of the sample's site. The result keeps its test type, lab and time; the correction is kept
    (ResultCorrection) and audited as `testing.result.corrected`. Consequences, in the same transaction:

    - from positive: the case that result opened, if still under treatment, is withdrawn with the reason
      (cases.services.case_withdraw: its contacts closed, its notices unpublished), unless another
      positive of the person entered while the case was open keeps it (it is then the case's origin);
    - to positive: a case is opened, as for a result entered positive;
    - from negative: the test certificates issued from it are revoked;
    - the person is told again that a result can be looked up (the SMS never gives the result) and their status
      card is computed again, after the commit.

    A pool's own result is not corrected as a whole (POOL_RESULT_NOT_CORRECTABLE): correct its samples' results.
    """
    from phongdich.cases.services import REASON_MAX, case_opened_by, case_origin_move, case_withdraw
    from phongdich.certificates.services import certificates_revoke_for_source

    require_role(actor, *LAB_ROLES)
    reason = " ".join((reason or "").split())[:500]
    if not reason:
        raise ApplicationError(errors.CORRECTION_REASON_REQUIRED, extra={"field": "reason"})
    if outcome not in _OUTCOMES:
        raise ApplicationError(errors.INVALID_RESULT, extra={"field": "result"})
    normalised = barcode_normalise(barcode)
    try:
        sample = _by_barcode(Sample, normalised, actor=actor)
    except ApplicationError:
        _by_barcode(Pool, normalised, actor=actor, lock=False)  # unknown barcode, as for a sample, if not a pool
        raise ApplicationError(errors.POOL_RESULT_NOT_CORRECTABLE, extra={"barcode": normalised}) from None
    result = TestResult.objects.select_for_update().filter(sample=sample).first()
    if result is None:
        raise ApplicationError(errors.RESULT_NOT_ENTERED, extra={"barcode": normalised})
    try:
        ct = _ct_checked(test_type=result.test_type, outcome=outcome, ct_value=ct_value)
    except ResultProblem as problem:
        raise problem.as_application_error() from problem
    if outcome == result.outcome and ct == result.ct_value:
        raise ApplicationError(errors.RESULT_UNCHANGED, extra={"barcode": normalised})
    now = _now()
    correction = ResultCorrection.objects.create(
        result=result,
        previous_outcome=result.outcome,
        previous_ct_value=result.ct_value,
        outcome=outcome,
        ct_value=ct,
        reason=reason,
        corrected_by=actor if getattr(actor, "is_authenticated", False) else None,
        corrected_at=now,
    )
    was = result.outcome
    result.outcome, result.ct_value, result.notified_at = outcome, ct, None
    result.save(update_fields=["outcome", "ct_value", "notified_at"])
    positive, negative = TestResult.Outcome.POSITIVE, TestResult.Outcome.NEGATIVE
    opened = withdrawn = ""
    revoked = 0
    kept_by = ""
    if was == positive and outcome != positive:
        open_case = case_opened_by(sample_origin(sample))
        support = _positives_held_by(open_case, besides=sample) if open_case is not None else None
        if support is not None:
            # A positive of the person entered while the case was open (so it opened none) still makes a case: the
            # case stays, opened now by that result, and the investigator checks its dates.
            kept_by = support.sample.barcode
            case_origin_move(case=open_case, to=sample_origin(support.sample))
        elif open_case is not None:
            # The withdrawal's reason is built here, the correction's own reason after our words: cut to what the case
            # keeps (case_withdraw refuses a longer one), the correction keeping the whole reason.
            why = f"Kết quả xét nghiệm {sample.barcode} được sửa từ dương tính thành {_outcome_vi(outcome)}: {reason}"
            withdrawn = case_withdraw(actor=actor, case=open_case, reason=why[:REASON_MAX]).case.number
    if was == positive and outcome != positive:
        # A positive rapid test waiting for its RT-PCR is no longer one.
        RetestItem.objects.filter(
            sample=sample, reason=RetestItem.Reason.ANTIGEN_UNCONFIRMED, done_at__isnull=True
        ).update(done_at=now)
    if outcome == positive and was != positive:
        opened = _case_for_positive(actor=actor, sample=Sample.objects.select_related("person").get(pk=sample.pk))
    if was == negative and outcome != negative:
        revoked = certificates_revoke_for_source(
            actor=actor, source_key=f"testing.result:{result.pk}", reason=f"Kết quả xét nghiệm được sửa: {reason}"
        )
    audit_record(
        actor=actor,
        action="testing.result.corrected",
        obj=result,
        area_path=result.person_path or result.site_path,
        reason=reason,
        extra={
            "barcode": normalised,
            "from": was,
            "to": outcome,
            "case_opened": opened,
            "case_withdrawn": withdrawn,
            "case_kept_by": kept_by,
            "certificates_revoked": revoked,
        },
    )
    transaction.on_commit(lambda: _after_commit([sample.pk]))
    return CorrectionOutcome(
        result=result,
        correction=correction,
        case_opened=opened,
        case_withdrawn=withdrawn,
        certificates_revoked=revoked,
        case_kept_by=kept_by,
    )


def _positives_held_by(case, *, besides: Sample) -> TestResult | None:
    """The earliest-sampled positive of the case's person, other than `besides`, entered while `case` was open and
    so opening no case of its own: a result that still supports the case."""
    from phongdich.cases.services import cases_opened_by

    found = list(
        TestResult.objects.filter(
            sample__person_id=case.person_id, outcome=TestResult.Outcome.POSITIVE, entered_at__gte=case.created_at
        )
        .exclude(sample=besides)
        .select_related("sample")
        .order_by("sample__collected_at", "pk")
    )
    origins = cases_opened_by([sample_origin(result.sample) for result in found])
    return next((result for result in found if sample_origin(result.sample) not in origins), None)


def _outcome_vi(outcome: str) -> str:
    """The outcome's name in Vietnamese, for a text stored as data (a withdrawn case's reason)."""
    with translation.override("vi"):
        return str(TestResult.Outcome(outcome).label).lower()


@transaction.atomic
def retest_close(*, actor, item: RetestItem) -> RetestItem:
    """Take an item off the re-test list without a new sample (the person could not be reached, moved...)."""
    require_role(actor, *LAB_ROLES, *PEOPLE_ROLES)
    item = RetestItem.objects.select_for_update().get(pk=item.pk)
    if item.done_at is not None:
        raise ApplicationError(errors.RETEST_CLOSED)
    item.done_at = _now()
    item.save(update_fields=["done_at"])
    audit_record(actor=actor, action="testing.retest.closed", obj=item, area_path=item.person_path)
    return item


# --- after the commit ------------------------------------------------------------------------------------------

RESULT_SMS = (
    "Ket qua xet nghiem cua ban da co. Tra cuu tai {vi_url} / Your test result is ready. Look it up at {en_url}"
)


def result_sms_text() -> str:
    """The SMS about a new result: where to look it up, never the result itself (an SMS can be read by others).
    Without diacritics: a GSM-7 SMS holds 160 characters, a Unicode one only 70 (docs/testing.md)."""
    return RESULT_SMS.format(
        vi_url=f"{settings.SITE_URL}/testing/lookup/", en_url=f"{settings.SITE_URL}/en/testing/lookup/"
    )


def results_notify(*, sample_ids: list[int]) -> int:
    """Tell each person whose samples have new results that they can be looked up, once (notified_at), and
    recompute their status card unless a positive's case already had it computed. Returns how many messages
    were queued. Repeatable: notified results are skipped."""
    from phongdich.healthcards.models import StatusCard
    from phongdich.healthcards.services import status_card_refresh
    from phongdich.notifications.services import notify

    sent = 0
    results = TestResult.objects.filter(sample_id__in=sample_ids, notified_at__isnull=True)
    people, entered = {}, {}
    for result in results.select_related("sample__person"):
        person_id = result.sample.person_id
        people[person_id] = result.sample.person
        if result.outcome == TestResult.Outcome.POSITIVE:
            entered[person_id] = max(result.entered_at, entered.get(person_id, result.entered_at))
    # A positive opened a case, whose signal (cases.signals) had the card computed after the commit already (or
    # the person was a case already: their card facts did not change). Other results (a negative, a correction,
    # which keeps its first entry time) are always computed: a card computed before their commit did not see them.
    cards = StatusCard.objects.filter(person_id__in=list(entered)).values_list("person_id", "computed_at")
    fresh = {person_id for person_id, computed_at in cards if computed_at >= entered[person_id]}
    text = result_sms_text()
    for person in people.values():
        with transaction.atomic():
            if notify(phone=person.phone, text=text, kind="test_result", person=person):
                sent += 1
            TestResult.objects.filter(sample_id__in=sample_ids, sample__person=person, notified_at__isnull=True).update(
                notified_at=_now()
            )
        if person.pk in fresh:
            continue
        try:
            status_card_refresh(person=person)
        except ApplicationError as exc:  # no rule set in force: computed once there is one
            logger.warning("status card of person %s not computed: %s", person.pk, exc)
        except Exception:  # the result is stored; a failing card must not make the task retry the messages
            logger.exception("status card of person %s not computed", person.pk)
    return sent
