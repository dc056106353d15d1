import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from phongdich.cases.models import Case
from phongdich.core.audit import AuditLog
from phongdich.core.errors import ApplicationError
from phongdich.notifications.models import Message

from ..barcodes import barcode_is_valid
from ..models import Pool, RetestItem, Sample, TestRegistration, TestResult
from ..pdfs import labels_pdf, result_pdf
from ..services import pool_add_sample, pool_create, result_enter, sample_collect
from .builders import make_person, make_sample


def registered(session, person):
    return TestRegistration.objects.create(
        person=person,
        session=session,
        reason="screening",
        registered_via="official",
        site_path=session.site.area_path,
        person_path=person.area_path,
    )


def test_collecting_gives_unique_valid_barcodes_and_marks_the_registration(session, lab, person, areas):
    first = sample_collect(actor=lab, site=session.site, registration=registered(session, person))
    other = make_person(areas["commune_a"], name="Lê Thị Hoa", phone="+84987654321", citizen_id="038190001111")
    second = sample_collect(actor=lab, site=session.site, registration=registered(session, other))
    assert first.barcode != second.barcode
    assert all(barcode_is_valid(sample.barcode) and sample.barcode.startswith("TL") for sample in (first, second))
    assert TestRegistration.objects.get(pk=first.registration_id).status == "sampled"
    with pytest.raises(ApplicationError) as caught:
        sample_collect(actor=lab, site=session.site, registration=first.registration)
    assert caught.value.code == "testing_registration_not_open"


def test_a_sample_dated_before_the_virus_is_refused(session, lab, person):
    registration = registered(session, person)
    for slip in (dt.datetime(1900, 1, 1, tzinfo=dt.UTC), dt.datetime(2019, 11, 30, 12, tzinfo=dt.UTC)):
        with pytest.raises(ApplicationError) as caught:
            sample_collect(actor=lab, site=session.site, registration=registration, collected_at=slip)
        assert caught.value.code == "testing_result_time_invalid"
        assert caught.value.as_dict()["extra"]["field"] == "collected_at"
    assert not Sample.objects.exists()
    taken = timezone.now() - dt.timedelta(hours=1)
    sample = sample_collect(actor=lab, site=session.site, registration=registration, collected_at=taken)
    assert sample.collected_at == taken


def test_lab_staff_of_another_commune_cannot_collect_there(session, other_lab, person):
    with pytest.raises(ApplicationError) as caught:
        sample_collect(actor=other_lab, site=session.site, registration=registered(session, person))
    assert caught.value.code == "not_found"
    assert not Sample.objects.exists()


def test_labels_pdf_has_one_a4_page_per_24_labels_or_one_page_per_label_on_a_roll(site, person):
    samples = [make_sample(site, person) for _ in range(25)]
    for sample in samples:
        sample.person, sample.site = person, site
    a4 = PdfReader(__import__("io").BytesIO(labels_pdf(samples, layout="a4")))
    assert len(a4.pages) == 2
    assert samples[0].barcode in a4.pages[0].extract_text()
    roll = PdfReader(__import__("io").BytesIO(labels_pdf(samples[:3], layout="roll")))
    assert len(roll.pages) == 3


def pool_of(site, lab, people):
    pool = pool_create(actor=lab, site=site)
    samples = []
    for person in people:
        sample = make_sample(site, person)
        pool_add_sample(actor=lab, pool_barcode=pool.barcode, sample_barcode=sample.barcode)
        samples.append(sample)
    return Pool.objects.get(pk=pool.pk), samples


def three_people(areas):
    return [
        make_person(areas["commune_a"], name=f"Người Số {index}", phone=f"+8491234560{index}", citizen_id="")
        for index in range(3)
    ]


def test_a_pool_holds_at_most_the_sites_maximum(site, lab, areas):
    pool, _ = pool_of(site, lab, three_people(areas))
    assert pool.size == 3 == site.pool_max_size
    extra = make_sample(site, make_person(areas["commune_a"], name="Thừa Một", citizen_id=""))
    with pytest.raises(ApplicationError) as caught:
        pool_add_sample(actor=lab, pool_barcode=pool.barcode, sample_barcode=extra.barcode)
    assert caught.value.code == "testing_pool_full" and caught.value.status == 409
    assert Sample.objects.get(pk=extra.pk).status == "awaiting"


def test_an_antigen_sample_cannot_be_pooled(site, lab, person):
    pool = pool_create(actor=lab, site=site)
    sample = make_sample(site, person, test_type="antigen")
    with pytest.raises(ApplicationError) as caught:
        pool_add_sample(actor=lab, pool_barcode=pool.barcode, sample_barcode=sample.barcode)
    assert caught.value.code == "testing_pool_mismatch"


def test_a_positive_pool_puts_every_member_on_the_retest_list(site, lab, areas):
    pool, samples = pool_of(site, lab, three_people(areas))
    result = result_enter(actor=lab, barcode=pool.barcode, outcome="positive", ct_value="24.5")
    assert result.pool_id == pool.pk and result.ct_value == Decimal("24.5")
    assert set(Sample.objects.filter(pool=pool).values_list("status", flat=True)) == {"needs_retest"}
    assert RetestItem.objects.filter(pool=pool, done_at__isnull=True).count() == 3
    assert not TestResult.objects.filter(sample__in=samples).exists()  # no individual result for anyone
    assert not Case.objects.exists()  # a positive pool is not a case: its members are tested again


def test_a_negative_pool_gives_each_member_a_negative_result(site, lab, areas, django_capture_on_commit_callbacks):
    pool, samples = pool_of(site, lab, three_people(areas))
    with django_capture_on_commit_callbacks(execute=True):
        result_enter(actor=lab, barcode=pool.barcode, outcome="negative")
    derived = TestResult.objects.filter(from_pool=pool)
    assert derived.count() == 3 and set(derived.values_list("outcome", flat=True)) == {"negative"}
    assert set(Sample.objects.filter(pool=pool).values_list("status", flat=True)) == {"resulted"}
    assert Message.objects.filter(kind="test_result").count() == 3


def test_a_retest_sample_closes_the_retest_item(site, lab, areas, session):
    pool, samples = pool_of(site, lab, three_people(areas))
    result_enter(actor=lab, barcode=pool.barcode, outcome="positive", ct_value=30)
    person = samples[0].person
    new = sample_collect(actor=lab, site=site, registration=registered(session, person))
    item = RetestItem.objects.get(sample=samples[0])
    assert item.done_at is not None and item.new_sample_id == new.pk
    assert RetestItem.objects.filter(done_at__isnull=True).count() == 2


def test_positive_individual_result_opens_a_case_and_notifies_without_the_result(
    site, lab, person, django_capture_on_commit_callbacks
):
    sample = make_sample(site, person, collected_at=timezone.now() - dt.timedelta(hours=5))
    with django_capture_on_commit_callbacks(execute=True):
        result = result_enter(actor=lab, barcode=sample.barcode.lower(), outcome="positive", ct_value="18.2")
    case = Case.objects.get(person=person)
    assert case.test_type == "pcr" and case.sample_date == timezone.localtime(sample.collected_at).date()
    message = Message.objects.get(kind="test_result", person=person)
    assert "/testing/lookup/" in message.text and "positive" not in message.text.lower()
    assert "duong" not in message.text.lower()
    assert TestResult.objects.get(pk=result.pk).notified_at is not None
    assert AuditLog.objects.filter(action="testing.result.entered", object_id=str(result.pk)).exists()


def test_a_positive_result_computes_the_card_once(
    site, lab, person, areas, django_capture_on_commit_callbacks, monkeypatch
):
    """The case it opens has the card computed after the commit (cases.signals); the results' notification then
    finds it fresh and does not compute it again. A negative's card is computed by the notification."""
    from phongdich.healthcards import services as healthcards

    computed = []
    real_compute = healthcards.status_compute

    def counting_compute(*, person, at=None):
        computed.append(person.pk)
        return real_compute(person=person, at=at)

    monkeypatch.setattr(healthcards, "status_compute", counting_compute)
    with django_capture_on_commit_callbacks(execute=True):
        result_enter(actor=lab, barcode=make_sample(site, person).barcode, outcome="positive", ct_value="18.2")
    assert computed == [person.pk]
    assert healthcards.status_card_current(person=person).colour == "red"

    other = make_person(areas["commune_a"], name="Trần Thị Âm", phone="+84912345679", citizen_id="001190000002")
    computed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result_enter(actor=lab, barcode=make_sample(site, other).barcode, outcome="negative", ct_value="")
    assert computed == [other.pk]


def test_a_second_positive_keeps_the_open_case(site, lab, person):
    result_enter(actor=lab, barcode=make_sample(site, person).barcode, outcome="positive", ct_value=20)
    result_enter(actor=lab, barcode=make_sample(site, person).barcode, outcome="positive", ct_value=25)
    assert Case.objects.filter(person=person).count() == 1


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"outcome": "positive"}, "testing_invalid_result"),  # a positive PCR without Ct
        ({"outcome": "negative", "ct_value": "0"}, "testing_ct_out_of_range"),
        ({"outcome": "positive", "ct_value": "45.1"}, "testing_ct_out_of_range"),
        ({"outcome": "negative", "ct_value": "abc"}, "testing_invalid_result"),
        ({"outcome": "negative", "test_type": "antigen"}, "testing_invalid_result"),  # not the sample's type
        ({"outcome": "maybe"}, "testing_invalid_result"),
    ],
)
def test_result_checks(site, lab, person, values, code):
    sample = make_sample(site, person)
    with pytest.raises(ApplicationError) as caught:
        result_enter(actor=lab, barcode=sample.barcode, **values)
    assert caught.value.code == code and 400 <= caught.value.status < 500
    assert not TestResult.objects.exists() and Sample.objects.get(pk=sample.pk).status == "awaiting"


def test_an_antigen_result_has_no_ct(site, lab, person):
    sample = make_sample(site, person, test_type="antigen")
    with pytest.raises(ApplicationError) as caught:
        result_enter(actor=lab, barcode=sample.barcode, outcome="negative", ct_value="30")
    assert caught.value.code == "testing_invalid_result"
    assert result_enter(actor=lab, barcode=sample.barcode, outcome="negative").ct_value is None


def test_test_time_before_the_sample_or_in_the_future_is_refused(site, lab, person):
    sample = make_sample(site, person, collected_at=timezone.now() - dt.timedelta(hours=2))
    for tested_at in (sample.collected_at - dt.timedelta(minutes=1), timezone.now() + dt.timedelta(hours=1)):
        with pytest.raises(ApplicationError) as caught:
            result_enter(actor=lab, barcode=sample.barcode, outcome="negative", tested_at=tested_at)
        assert caught.value.code == "testing_result_time_invalid"


def test_second_result_and_unknown_or_mistyped_barcodes(site, lab, person, other_lab):
    sample = make_sample(site, person)
    result_enter(actor=lab, barcode=sample.barcode, outcome="negative")
    with pytest.raises(ApplicationError) as caught:
        result_enter(actor=lab, barcode=sample.barcode, outcome="negative")
    assert caught.value.code == "testing_already_resulted"
    other = make_sample(site, person)
    mistyped = other.barcode[:-1] + ("0" if other.barcode[-1] != "0" else "1")
    for barcode in (mistyped, "NOPE"):
        with pytest.raises(ApplicationError) as caught:
            result_enter(actor=lab, barcode=barcode, outcome="negative")
        assert caught.value.code == "testing_unknown_barcode"
    with pytest.raises(ApplicationError) as caught:  # another commune's lab does not see this site's samples
        result_enter(actor=other_lab, barcode=other.barcode, outcome="negative")
    assert caught.value.code == "testing_unknown_barcode"


def test_result_pdf_is_one_page_with_the_outcome_and_ct(site, lab, person):
    sample = make_sample(site, person)
    result = result_enter(actor=lab, barcode=sample.barcode, outcome="negative", ct_value="38")
    reader = PdfReader(__import__("io").BytesIO(result_pdf(result)))
    text = reader.pages[0].extract_text()
    assert len(reader.pages) == 1 and "ÂM TÍNH" in text and "Ct = 38.0" in text and person.full_name in text
