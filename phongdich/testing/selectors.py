"""Reads of the testing domain, scoped to the viewer (core.scoping); reads of people's records are audited.

Who sees what (docs/testing.md "Who sees what"):
- lab staff, the health department and province admins: the sites, samples, pools and results of the sites in
  their area (`site_path`), with the names needed to label and return results;
- commune and district officials (and the health department): registrations, samples and results of people
  living in their area (`person_path`) and of the sites in it;
- a citizen: only their own records, after the one-time-code look-up (lookup.py).
Out of scope answers 404, as if the record did not exist.
"""

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from phongdich.accounts.permissions import PEOPLE_ROLES, has_role
from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.core.ids import id_or_none
from phongdich.core.scoping import NOTHING, scope_q

from .models import (
    ImportJob,
    Pool,
    ResultCorrection,
    RetestItem,
    Sample,
    TestingSession,
    TestingSite,
    TestRegistration,
    TestResult,
)
from .services import LAB_ROLES, REGISTER_ROLES


def lab_sites_q(viewer, field: str = "area_path") -> Q:
    """Rows of the sites in the viewer's area, for the roles that work at sites and labs."""
    if not has_role(viewer, *LAB_ROLES):
        return NOTHING
    return scope_q(viewer, field)


def testing_visible_q(viewer) -> Q:
    """Registrations, samples, results and re-test items a viewer may see (they all carry both paths)."""
    q = NOTHING
    if has_role(viewer, *LAB_ROLES):
        q = scope_q(viewer, "site_path")
    if has_role(viewer, *PEOPLE_ROLES):
        q = q | scope_q(viewer, "site_path") | scope_q(viewer, "person_path")
    return q


def is_testing_official(viewer) -> bool:
    return has_role(viewer, *LAB_ROLES, *REGISTER_ROLES)


def works_in_lab(viewer) -> bool:
    """The lab's pages (day lists, labels, pools, result entry, imports) are for LAB_ROLES; the officials who only
    register people are not offered them (the testing menu asks this, the pages check the roles themselves)."""
    return has_role(viewer, *LAB_ROLES)


def _int_or_404(value) -> int:
    try:
        value = int(value)
    except (TypeError, ValueError) as exc:
        raise ApplicationError(core_errors.NOT_FOUND) from exc
    if not 1 <= value <= 2**63 - 1:
        raise ApplicationError(core_errors.NOT_FOUND)
    return value


# --- public: sites and sessions (no personal data) -------------------------------------------------------------


def sessions_open(*, today: dt.date | None = None, days: int = 14, site_id=None) -> QuerySet[TestingSession]:
    """Sessions from today on (for `days` days) at active sites, soonest first: what a citizen may book; at one
    site when `site_id` is given (as typed in a query string: anything but an id selects nothing)."""
    today = today or timezone.localdate()
    sessions = TestingSession.objects.filter(
        site__active=True, date__gte=today, date__lt=today + dt.timedelta(days=days)
    ).select_related("site__area")
    now = timezone.localtime()
    if today <= now.date():
        # Today's sessions whose end time has passed can no longer be booked (services._registration_add).
        sessions = sessions.exclude(date=now.date(), end_time__lte=now.time())
    if site_id not in (None, ""):
        site = id_or_none(site_id)  # "abc" or a number past any id: no site has it
        sessions = sessions.filter(site_id=site) if site else sessions.none()
    return sessions.order_by("date", "start_time", "site__name", "id")


def sites_visible(*, viewer) -> QuerySet[TestingSite]:
    """Sites in the viewer's area (for lab roles and for officials who register people)."""
    if not is_testing_official(viewer):
        return TestingSite.objects.none()
    return TestingSite.objects.filter(scope_q(viewer, "area_path")).select_related("area")


def session_get(*, viewer, session_id) -> TestingSession:
    session = (
        TestingSession.objects.filter(pk=_int_or_404(session_id))
        .filter(lab_sites_q(viewer, "site__area_path"))
        .select_related("site")
        .first()
    )
    if session is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return session


def session_registrations(*, viewer, session: TestingSession, ip=None) -> list[TestRegistration]:
    """The people registered for a session (a site's day list); audited as one read of the list."""
    registrations = list(
        TestRegistration.objects.filter(session=session)
        .filter(testing_visible_q(viewer))
        .select_related("person", "sample")
        .order_by("status", "created_at", "id")
    )
    audit_record(
        actor=viewer,
        action="testing.session.registrations_viewed",
        obj=session,
        area_path=session.site.area_path,
        ip=ip,
        extra={"count": len(registrations)},
    )
    return registrations


def session_samples(*, viewer, session: TestingSession) -> QuerySet[Sample]:
    return (
        Sample.objects.filter(registration__session=session)
        .filter(testing_visible_q(viewer))
        .select_related("person", "site")
    )


def registration_get(*, viewer, registration_id) -> TestRegistration:
    registration = (
        TestRegistration.objects.filter(pk=_int_or_404(registration_id))
        .filter(testing_visible_q(viewer))
        .select_related("session__site", "person")
        .first()
    )
    if registration is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return registration


def registration_read(*, viewer, registration_id, ip=None) -> TestRegistration:
    """registration_get for an answer that shows the registration again (an API write repeated with its
    Idempotency-Key, core.api.read_again): audited `testing.registration.viewed`."""
    registration = registration_get(viewer=viewer, registration_id=registration_id)
    audit_record(
        actor=viewer,
        action="testing.registration.viewed",
        obj=registration,
        area_path=registration.person_path,
        ip=ip,
    )
    return registration


def registration_person_id(*, registration_id) -> int | None:
    """Whose registration it is (an id, no personal data): what a citizen's repeated registration is checked by."""
    return TestRegistration.objects.filter(pk=_int_or_404(registration_id)).values_list("person_id", flat=True).first()


def registration_of_person(*, registration_id, person_id) -> TestRegistration:
    """A registration answered again to the citizen who made it (a repeat of their request): still that person's, or
    not_found. Their own record: not an official's read, not audited."""
    registration = TestRegistration.objects.filter(pk=_int_or_404(registration_id), person_id=person_id).first()
    if registration is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return registration


def samples_by_ids(*, viewer, sample_ids) -> list[Sample]:
    ids = [_int_or_404(value) for value in sample_ids][:1000]
    return list(
        Sample.objects.filter(pk__in=ids)
        .filter(testing_visible_q(viewer))
        .select_related("person", "site")
        .order_by("collected_at", "id")
    )


def sample_get(*, viewer, sample_id) -> Sample:
    sample = Sample.objects.filter(pk=_int_or_404(sample_id)).filter(testing_visible_q(viewer)).first()
    if sample is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return sample


def pools_list(*, viewer, status: str = "") -> QuerySet[Pool]:
    pools = Pool.objects.filter(lab_sites_q(viewer, "site_path")).select_related("site")
    if status:
        pools = pools.filter(status=status)
    return pools


def pool_get(*, viewer, pool_id) -> Pool:
    pool = pools_list(viewer=viewer).filter(pk=_int_or_404(pool_id)).first()
    if pool is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return pool


def retest_list(*, viewer, include_done: bool = False) -> QuerySet[RetestItem]:
    """People who must give a new sample, oldest first: samples of positive (or invalid) pools, and positive rapid
    antigen tests that confirm no case by themselves (an RT-PCR is needed)."""
    items = RetestItem.objects.filter(testing_visible_q(viewer)).select_related(
        "sample__person", "sample__site", "pool", "new_sample"
    )
    if not include_done:
        items = items.filter(done_at__isnull=True)
    return items.order_by("created_at", "id")


def sample_needs_rtpcr(*, sample: Sample) -> bool:
    """Whether `sample` is a positive rapid antigen test that confirmed no case and waits for an RT-PCR."""
    return RetestItem.objects.filter(
        sample=sample, reason=RetestItem.Reason.ANTIGEN_UNCONFIRMED, done_at__isnull=True
    ).exists()


def retest_get(*, viewer, item_id) -> RetestItem:
    item = retest_list(viewer=viewer, include_done=True).filter(pk=_int_or_404(item_id)).first()
    if item is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return item


def results_list(
    *, viewer, outcome: str = "", test_type: str = "", date_from=None, date_to=None
) -> QuerySet[TestResult]:
    """Individual results in the viewer's scope, newest first (pool results are on the pools page)."""
    results = (
        TestResult.objects.filter(sample__isnull=False)
        .filter(testing_visible_q(viewer))
        .select_related("sample__person", "lab", "from_pool")
        .annotate(
            corrected=Exists(ResultCorrection.objects.filter(result=OuterRef("pk"))),
            # A positive rapid test that confirms no case by itself, its RT-PCR not yet taken.
            rtpcr_needed=Exists(
                RetestItem.objects.filter(
                    sample=OuterRef("sample"), reason=RetestItem.Reason.ANTIGEN_UNCONFIRMED, done_at__isnull=True
                )
            ),
        )
    )
    if outcome:
        results = results.filter(outcome=outcome)
    if test_type:
        results = results.filter(test_type=test_type)
    if date_from:
        results = results.filter(tested_at__date__gte=date_from)
    if date_to:
        results = results.filter(tested_at__date__lte=date_to)
    return results.order_by("-tested_at", "-id")


def result_get(*, viewer, result_id, ip=None) -> TestResult:
    """One result in the viewer's scope (a sample's or a pool's), for an answer that shows it again (a result entry
    repeated with its Idempotency-Key, core.api.read_again); not_found outside it. A sample's result is a person's:
    audited `testing.result.viewed`."""
    result = (
        TestResult.objects.filter(pk=_int_or_404(result_id))
        .filter(testing_visible_q(viewer))
        .select_related("sample", "pool", "lab", "from_pool")
        .first()
    )
    if result is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    if result.sample_id is not None:
        audit_record(actor=viewer, action="testing.result.viewed", obj=result, area_path=result.person_path, ip=ip)
    return result


def import_job_get(*, viewer, job_id) -> ImportJob:
    """An import job of the viewer's own (another's answers 404)."""
    job = ImportJob.objects.filter(pk=_int_or_404(job_id), created_by_id=getattr(viewer, "pk", None)).first()
    if job is None or not has_role(viewer, *LAB_ROLES):
        raise ApplicationError(core_errors.NOT_FOUND)
    return job


# --- a citizen's own records -----------------------------------------------------------------------------------


def citizen_records(*, person, ip=None) -> dict:
    """A verified citizen's registrations, samples and results (newest first); audited as their own read."""
    registrations = list(
        TestRegistration.objects.filter(person=person).select_related("session__site").order_by("-created_at")[:50]
    )
    waiting = RetestItem.objects.filter(
        sample=OuterRef("pk"), reason=RetestItem.Reason.ANTIGEN_UNCONFIRMED, done_at__isnull=True
    )
    samples = list(
        Sample.objects.filter(person=person)
        .select_related("site")
        .prefetch_related("results")
        .annotate(rtpcr_needed=Exists(waiting))
        .order_by("-collected_at")[:50]
    )
    for sample in samples:
        sample.result = next(iter(sample.results.all()), None)
    audit_record(actor=None, action="testing.results.viewed_by_citizen", obj=person, area_path=person.area_path, ip=ip)
    return {"registrations": registrations, "samples": samples}


def citizen_result_get(*, person, result_id) -> TestResult:
    """One of the verified citizen's own results (another person's answers 404)."""
    result = (
        TestResult.objects.filter(pk=_int_or_404(result_id), sample__person=person)
        .select_related("sample__person", "sample__site", "lab")
        .first()
    )
    if result is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return result


def person_results(*, person, before: dt.datetime | None = None) -> QuerySet[TestResult]:
    """A person's individual results (for the status-card provider and the certificate source; not a page)."""
    results = TestResult.objects.filter(sample__person=person).select_related("sample", "lab")
    if before is not None:
        results = results.filter(sample__collected_at__lt=before, tested_at__lt=before)
    return results.order_by("sample__collected_at", "id")


# Person ids per query of sample_times_of_persons: under SQLite's limit on a statement's parameters.
_PERSONS_CHUNK = 2000


def sample_times_of_persons(person_ids, *, since: dt.datetime, until: dt.datetime) -> list[tuple[int, dt.datetime]]:
    """(person id, collected at) of the samples of `person_ids` taken from `since` to `until` (excluded) that stand
    for a test taken: not one to be taken again (`needs_retest`, from a positive or invalid pool) nor one whose
    result is invalid. One query per 2,000 persons, through the sample's person index. Not audited: the cases app's
    quarantine schedules read it for pages that audit their own reads (cases.samples)."""
    ids = sorted(set(person_ids))
    found: list[tuple[int, dt.datetime]] = []
    for start in range(0, len(ids), _PERSONS_CHUNK):
        samples = (
            Sample.objects.filter(
                person_id__in=ids[start : start + _PERSONS_CHUNK], collected_at__gte=since, collected_at__lt=until
            )
            .exclude(status=Sample.Status.NEEDS_RETEST)
            .exclude(Exists(TestResult.objects.filter(sample=OuterRef("pk"), outcome=TestResult.Outcome.INVALID)))
            .order_by()
            .values_list("person_id", "collected_at")
        )
        found.extend(samples)
    return found
