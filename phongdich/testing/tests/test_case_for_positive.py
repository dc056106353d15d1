"""The case a positive result opens (services._case_for_positive): its dates from what the contact evidence says
about the person (RULES.md §1.2, QĐ 3638: a known source, isolation), and the case definition of rapid antigen tests
in force on the sample day (CV 11042/BYT-DP)."""

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.cases import services as case_services
from phongdich.cases.models import Case, ContactLink
from phongdich.core.audit import AuditLog
from phongdich.core.dates import local_midnight
from phongdich.core.testing import make_official

from ..models import RetestItem, TestType
from ..selectors import citizen_records, results_list, retest_list
from ..services import _case_for_positive, result_correct, result_enter
from .builders import make_person, make_sample

pytestmark = pytest.mark.django_db

D = dt.date


def _local(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)), timezone.get_default_timezone())


@pytest.fixture
def official(areas):
    return make_official("area_official", areas["commune_a"], username="yte.a")


_people = iter(range(10, 99))


def _someone(areas, name: str):
    n = next(_people)
    return make_person(areas["commune_a"], name=name, phone=f"+849110000{n:02d}", citizen_id=f"0380900099{n:02d}")


def _source_case(official, areas, *, sampled: dt.date, name="Ca Nguồn") -> Case:
    return case_services.case_create(
        actor=official,
        person=_someone(areas, name),
        sample_date=sampled,
        test_type=Case.TestType.PCR,
        onset_date=sampled - dt.timedelta(days=1),
        isolated_at=_local(sampled, 18),
    )


def _link(official, person, case: Case, *, key: str, start: dt.datetime | None, level: int = 1):
    link, _ = case_services.contact_link_add(
        person=person,
        case=case,
        level=level,
        source=ContactLink.Source.INTERVIEW,
        setting=ContactLink.Setting.HOUSEHOLD,
        evidence_key=f"interview:{key}",
        exposure_start=start,
        exposure_end=start + dt.timedelta(hours=2) if start else None,
        actor=official,
    )
    return link.contact


# --- the case's dates from the contact evidence (QĐ 3638) -------------------------------------------------------


@pytest.fixture
def f1_positive(site, lab, areas, official):
    """An F1 met its F0 on 10/09/2021 (interview, household, 19:00-21:00), was quarantined on 11/09/2021 and tested
    positive on day 7 (sample 18/09/2021, no symptoms); the case the positive result opens."""
    source_case = _source_case(official, areas, sampled=D(2021, 9, 11))
    f1 = _someone(areas, "Người Tiếp Xúc")
    contact = _link(official, f1, source_case, key="1", start=_local(D(2021, 9, 10), 19))
    case_services.contact_status_set(
        actor=official, contact=contact, status="quarantined", quarantine_start=D(2021, 9, 11)
    )
    _case_for_positive(actor=lab, sample=make_sample(site, f1, collected_at=_local(D(2021, 9, 18), 8)))
    opened = Case.objects.get(person=f1)
    assert opened.rule.code == "qd3638_2021"
    return opened, source_case


def test_a_positive_f1_without_symptoms_is_infectious_from_its_first_contact_with_the_known_source(f1_positive):
    """QĐ 3638/QĐ-BYT (RULES.md §1.2): an F0 without symptoms whose source is known is infectious "from the F0's first
    contact with its source"; the contact's evidence knows it (10/09/2021), and the one case linking them is the
    source. Without it the window began on 04/09/2021, 14 days before the sample."""
    opened, source_case = f1_positive
    assert opened.source_exposure_date == D(2021, 9, 10)
    assert opened.window_start == local_midnight(D(2021, 9, 10))
    assert opened.infected_by == source_case
    assert source_case.number in opened.notes


def test_a_positive_f1_in_quarantine_stops_being_infectious_at_the_end_of_the_day_its_quarantine_began(f1_positive):
    """QĐ 3638/QĐ-BYT: the window runs "until the F0 is isolated". The person has been in quarantine since
    11/09/2021; its time of day is not kept, so the end of that day (the longer window), not the moment the result
    was typed."""
    opened, _ = f1_positive
    assert opened.isolated_at == local_midnight(D(2021, 9, 12))
    assert opened.window_end == local_midnight(D(2021, 9, 12))


def test_an_f1_of_two_cases_takes_the_earliest_exposure_and_no_source_case_and_the_case_says_so(
    site, lab, areas, official
):
    first = _source_case(official, areas, sampled=D(2021, 9, 11), name="Ca Một")
    second = _source_case(official, areas, sampled=D(2021, 9, 12), name="Ca Hai")
    f1 = _someone(areas, "Người Tiếp Xúc")
    _link(official, f1, second, key="a", start=_local(D(2021, 9, 8), 9))
    contact = _link(official, f1, first, key="b", start=_local(D(2021, 9, 10), 19))
    case_services.contact_status_set(actor=official, contact=contact, status="confirmed")

    _case_for_positive(actor=lab, sample=make_sample(site, f1, collected_at=_local(D(2021, 9, 18), 8)))

    opened = Case.objects.get(person=f1)
    assert opened.infected_by is None
    assert opened.source_exposure_date == D(2021, 9, 8)
    assert first.number in opened.notes and second.number in opened.notes
    assert "chưa ghi nguồn lây" in opened.notes


def test_a_candidate_no_official_confirmed_gives_the_window_of_an_unknown_source(site, lab, areas, official):
    """A tracer's candidate is a guess until an official confirms it: it does not shorten the window (the source is
    treated as unknown: 14 days before the sample, QĐ 3638) nor name a source case."""
    source_case = _source_case(official, areas, sampled=D(2021, 9, 11))
    f1 = _someone(areas, "Người Tiếp Xúc")
    _link(official, f1, source_case, key="1", start=_local(D(2021, 9, 10), 19))

    _case_for_positive(actor=lab, sample=make_sample(site, f1, collected_at=_local(D(2021, 9, 18), 8)))

    opened = Case.objects.get(person=f1)
    assert opened.source_exposure_date is None and opened.infected_by is None
    assert opened.window_start == local_midnight(D(2021, 9, 4))


def test_an_f1_link_without_times_leaves_the_first_contact_unknown(site, lab, areas, official):
    source_case = _source_case(official, areas, sampled=D(2021, 9, 11))
    f1 = _someone(areas, "Người Tiếp Xúc")
    contact = _link(official, f1, source_case, key="1", start=None)
    case_services.contact_status_set(actor=official, contact=contact, status="confirmed")

    _case_for_positive(actor=lab, sample=make_sample(site, f1, collected_at=_local(D(2021, 9, 18), 8)))

    opened = Case.objects.get(person=f1)
    assert opened.infected_by == source_case
    assert opened.source_exposure_date is None
    assert opened.window_start == local_midnight(D(2021, 9, 4))


def test_the_case_a_result_opens_starts_with_the_people_its_f1_named_within_its_window(site, lab, areas, official):
    """docs/cases.md, "The people they named as an F1": the F1 quarantined on 11/09 had named her sister, met on
    11/09 at 07:00, before her quarantine's first day ended; the case her positive result opens has the sister as its
    F1 (its window, from the first contact with the known source on 10/09 to the end of 11/09, holds the meeting)."""
    from phongdich.cases.models import Contact

    source_case = _source_case(official, areas, sampled=D(2021, 9, 11))
    f1 = _someone(areas, "Người Tiếp Xúc")
    contact = _link(official, f1, source_case, key="1", start=_local(D(2021, 9, 10), 19))
    contact = case_services.contact_status_set(
        actor=official, contact=contact, status="quarantined", quarantine_start=D(2021, 9, 11)
    )
    sister = _someone(areas, "Chị Gái")
    case_services.contact_interview_f2_add(
        actor=official,
        f1=contact,
        person=sister,
        setting="household",
        nonce="f2-sister",
        exposure_start=_local(D(2021, 9, 11), 7),
    )

    _case_for_positive(actor=lab, sample=make_sample(site, f1, collected_at=_local(D(2021, 9, 18), 8)))

    opened = Case.objects.get(person=f1)
    assert (opened.window_start, opened.window_end) == (local_midnight(D(2021, 9, 10)), local_midnight(D(2021, 9, 12)))
    [carried] = ContactLink.objects.filter(case=opened)
    assert (carried.contact.person_id, carried.level, carried.named_as_f1_of) == (sister.pk, 1, source_case.number)
    assert Contact.objects.get(person=sister).level == 1
    entries = AuditLog.objects.filter(action="cases.contact.interview_added", extra__case=opened.number)
    assert list(entries.values_list("actor_id", flat=True)) == [lab.pk]


def test_a_quarantine_over_before_the_sample_is_no_isolation(site, lab, areas, official):
    """Quarantined 11/09 for 14 days (QĐ 3638 era quarantine rule), still marked in quarantine but sampled on 30/09,
    after its end: the person was back among others, isolated when the result came."""
    source_case = _source_case(official, areas, sampled=D(2021, 9, 11))
    f1 = _someone(areas, "Người Tiếp Xúc")
    contact = _link(official, f1, source_case, key="1", start=_local(D(2021, 9, 10), 19))
    contact = case_services.contact_status_set(
        actor=official, contact=contact, status="quarantined", quarantine_start=D(2021, 9, 11)
    )
    assert contact.quarantine_end < D(2021, 9, 30)

    _case_for_positive(actor=lab, sample=make_sample(site, f1, collected_at=_local(D(2021, 9, 30), 8)))

    assert Case.objects.get(person=f1).isolated_at > _local(D(2021, 10, 1), 0)


# --- the case definition of rapid antigen tests (CV 11042) ------------------------------------------------------


def test_one_positive_antigen_test_of_someone_who_is_no_f1_opens_no_case_under_cv11042(site, lab, areas):
    """CV 11042/BYT-DP (29/12/2021; RULES.md §1.2, "F0 under CV 11042", sggpnews.org.vn/health/health-ministry-
    redefines-covid19-case-criteria-96558.html): a confirmed case is a positive RT-PCR; or an **F1** with a positive
    rapid antigen test; or a person (not an F1) with **two** consecutive positive antigen tests, the second within 8
    hours. One positive antigen test of a person who is no contact of anyone is a suspected case: on the re-test list
    for an RT-PCR, no case."""
    screened = _someone(areas, "Người Sàng Lọc")
    sample = make_sample(site, screened, test_type=TestType.ANTIGEN, collected_at=_local(D(2022, 1, 10), 8))

    assert _case_for_positive(actor=lab, sample=sample) == ""

    assert not Case.objects.filter(person=screened).exists()
    item = RetestItem.objects.get(sample=sample)
    assert item.reason == RetestItem.Reason.ANTIGEN_UNCONFIRMED and item.pool is None and item.done_at is None
    audit = AuditLog.objects.get(action="testing.retest.created")
    assert audit.extra["rule"] == "cv11042_2021"


def test_one_positive_antigen_test_of_an_f1_opens_a_case_under_cv11042(site, lab, areas, official):
    source_case = _source_case(official, areas, sampled=D(2022, 1, 8))
    f1 = _someone(areas, "Người Tiếp Xúc")
    _link(official, f1, source_case, key="1", start=_local(D(2022, 1, 7), 19))  # a candidate: an open F1
    sample = make_sample(site, f1, test_type=TestType.ANTIGEN, collected_at=_local(D(2022, 1, 10), 8))

    assert _case_for_positive(actor=lab, sample=sample)

    assert Case.objects.get(person=f1).test_type == Case.TestType.ANTIGEN
    assert not RetestItem.objects.exists()


def test_one_positive_antigen_test_of_an_f2_opens_no_case_under_cv11042(site, lab, areas, official):
    source_case = _source_case(official, areas, sampled=D(2022, 1, 8))
    f2 = _someone(areas, "Người Tiếp Xúc Cấp Hai")
    _link(official, f2, source_case, key="1", start=_local(D(2022, 1, 7), 19), level=2)
    sample = make_sample(site, f2, test_type=TestType.ANTIGEN, collected_at=_local(D(2022, 1, 10), 8))

    _case_for_positive(actor=lab, sample=sample)

    assert not Case.objects.filter(person=f2).exists()


def test_a_second_positive_antigen_test_within_8_hours_opens_the_case_from_the_first(site, lab, areas):
    screened = _someone(areas, "Người Sàng Lọc")
    first = make_sample(site, screened, test_type=TestType.ANTIGEN, collected_at=_local(D(2022, 1, 10), 20))
    result_enter(actor=lab, barcode=first.barcode, outcome="positive", tested_at=_local(D(2022, 1, 10), 21))
    assert not Case.objects.exists()
    second = make_sample(site, screened, test_type=TestType.ANTIGEN, collected_at=_local(D(2022, 1, 11), 3))

    result_enter(actor=lab, barcode=second.barcode, outcome="positive", tested_at=_local(D(2022, 1, 11), 4))

    case = Case.objects.get(person=screened)
    assert case.sample_date == D(2022, 1, 10)  # the first positive dates the case
    assert case.origin == f"testing.sample:{second.pk}"
    assert not RetestItem.objects.filter(done_at__isnull=True).exists()


def test_a_second_positive_antigen_test_more_than_8_hours_later_opens_no_case(site, lab, areas):
    screened = _someone(areas, "Người Sàng Lọc")
    first = make_sample(site, screened, test_type=TestType.ANTIGEN, collected_at=_local(D(2022, 1, 10), 8))
    result_enter(actor=lab, barcode=first.barcode, outcome="positive", tested_at=_local(D(2022, 1, 10), 9))
    second = make_sample(site, screened, test_type=TestType.ANTIGEN, collected_at=_local(D(2022, 1, 10), 17))

    result_enter(actor=lab, barcode=second.barcode, outcome="positive", tested_at=_local(D(2022, 1, 10), 18))

    assert not Case.objects.exists()
    assert RetestItem.objects.filter(sample=second, done_at__isnull=True).exists()


def test_one_positive_antigen_test_opens_a_case_before_cv11042(site, lab, areas):
    """QĐ 3638 era (before 29/12/2021): RULES.md gives no antigen condition; every positive result confirmed a case,
    and still does."""
    screened = _someone(areas, "Người Sàng Lọc")
    sample = make_sample(site, screened, test_type=TestType.ANTIGEN, collected_at=_local(D(2021, 12, 28), 8))

    _case_for_positive(actor=lab, sample=sample)

    assert Case.objects.get(person=screened).rule.code == "qd3638_2021"
    assert not RetestItem.objects.exists()


def test_a_positive_rtpcr_of_someone_who_is_no_f1_opens_a_case_under_cv11042(site, lab, areas):
    screened = _someone(areas, "Người Sàng Lọc")
    sample = make_sample(site, screened, collected_at=_local(D(2022, 1, 10), 8))

    _case_for_positive(actor=lab, sample=sample)

    assert Case.objects.filter(person=screened).exists()


def test_an_unconfirmed_positive_antigen_test_is_shown_as_needing_an_rtpcr(site, lab, areas):
    """The lab and the commune see it on the re-test list and the results list; the person's own page asks for an
    RT-PCR (the SMS never gives a result: test_samples_results)."""
    screened = _someone(areas, "Người Sàng Lọc")
    sample = make_sample(site, screened, test_type=TestType.ANTIGEN, collected_at=_local(D(2022, 1, 10), 8))
    result_enter(actor=lab, barcode=sample.barcode, outcome="positive", tested_at=_local(D(2022, 1, 10), 9))

    assert [item.sample_id for item in retest_list(viewer=lab)] == [sample.pk]
    assert results_list(viewer=lab).get().rtpcr_needed
    (own,) = citizen_records(person=screened)["samples"]
    assert own.rtpcr_needed


def test_an_unconfirmed_positive_antigen_test_corrected_to_negative_leaves_the_retest_list(site, lab, areas):
    screened = _someone(areas, "Người Sàng Lọc")
    sample = make_sample(site, screened, test_type=TestType.ANTIGEN, collected_at=_local(D(2022, 1, 10), 8))
    result_enter(actor=lab, barcode=sample.barcode, outcome="positive", tested_at=_local(D(2022, 1, 10), 9))

    outcome = result_correct(actor=lab, barcode=sample.barcode, outcome="negative", reason="Nhập nhầm dòng")

    assert outcome.case_withdrawn == "" and not retest_list(viewer=lab).exists()
    result_correct(actor=lab, barcode=sample.barcode, outcome="positive", reason="Sửa lại")
    assert retest_list(viewer=lab).get().sample_id == sample.pk
    assert not Case.objects.exists()
