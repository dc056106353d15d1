"""What testing gives other domains: the status-card input provider, the certificate source and the days samples
were taken (the cases app's quarantine schedules)."""

import datetime as dt

from django.utils import timezone

from phongdich.certificates import sources
from phongdich.certificates.sources import certificate_sources
from phongdich.healthcards.inputs import input_providers, status_inputs_gather
from phongdich.healthcards.services import status_compute

from ..providers import certificate_source, status_inputs_provider
from ..services import result_enter
from .builders import make_sample


def test_both_are_registered_by_the_app():
    assert input_providers()["testing"] is status_inputs_provider
    assert certificate_sources()["testing"] is certificate_source


def test_status_provider_returns_results_known_at_the_time(site, lab, person):
    sampled = timezone.now() - dt.timedelta(hours=30)
    sample = make_sample(site, person, collected_at=sampled)
    result_enter(actor=lab, barcode=sample.barcode, outcome="negative", tested_at=sampled + dt.timedelta(hours=6))
    invalid = make_sample(site, person, test_type="antigen")
    result_enter(actor=lab, barcode=invalid.barcode, outcome="invalid")
    (test,) = status_inputs_provider(person=person, at=timezone.now())["tests"]
    assert test.kind == "pcr" and test.result == "negative" and test.sampled_at == sampled
    # Before the result was known, nothing.
    assert status_inputs_provider(person=person, at=sampled + dt.timedelta(hours=1))["tests"] == ()
    assert status_inputs_gather(person=person, at=timezone.now()).tests == (test,)


def test_a_recent_negative_pcr_makes_the_default_card_yellow(site, lab, person):
    sample = make_sample(site, person, collected_at=timezone.now() - dt.timedelta(hours=10))
    result_enter(actor=lab, barcode=sample.barcode, outcome="negative")
    assert status_compute(person=person).colour == "yellow"  # healthcards default rule set: PCR within 72 h


def test_certificate_source_gives_test_facts_for_negatives_only(site, lab, person):
    negative = result_enter(actor=lab, barcode=make_sample(site, person).barcode, outcome="negative")
    rat = make_sample(site, person, test_type="antigen")
    rat_result = result_enter(actor=lab, barcode=rat.barcode, outcome="negative", device="1232")
    result_enter(actor=lab, barcode=make_sample(site, person).barcode, outcome="positive", ct_value=22)
    facts = dict(certificate_source(person=person))
    assert set(facts) == {f"testing.result:{negative.pk}", f"testing.result:{rat_result.pk}"}
    pcr = facts[f"testing.result:{negative.pk}"]
    assert isinstance(pcr, sources.TestFacts) and pcr.test_type == "LP6464-4" and pcr.result == "260415000"
    assert pcr.facility == site.name and pcr.device == ""
    antigen = facts[f"testing.result:{rat_result.pk}"]
    assert antigen.test_type == "LP217198-3" and antigen.device == "1232"


def test_the_quarantine_sample_source_is_registered_by_the_app():
    from phongdich.cases.samples import sample_sources

    from ..providers import quarantine_sample_source

    assert sample_sources()["testing"] is quarantine_sample_source


def test_the_days_a_person_gave_a_sample_are_the_local_days_of_the_samples_that_count(site, lab, person, areas):
    """cases asks "samples of these persons between these dates" (cases.samples) without reading testing's tables:
    each sample's local day (Việt Nam), but not a sample to be taken again (a positive or invalid pool) nor one
    whose result is invalid; another person's samples and those outside the days asked are left out."""
    from phongdich.cases.samples import sample_days_of_persons
    from phongdich.core.dates import local_midnight

    from .builders import make_person

    day = timezone.localdate() - dt.timedelta(days=4)

    def at(days: int, hours: float) -> dt.datetime:
        return local_midnight(day + dt.timedelta(days=days)) + dt.timedelta(hours=hours)

    make_sample(site, person, collected_at=at(0, 23.5))  # 16:30 UTC: still `day` in Việt Nam
    make_sample(site, person, collected_at=at(1, 0.5))  # 17:30 UTC of `day`: the next day in Việt Nam
    make_sample(site, person, collected_at=at(2, 9), status="needs_retest")
    invalid = make_sample(site, person, collected_at=at(2, 10))
    result_enter(actor=lab, barcode=invalid.barcode, outcome="invalid")
    positive = make_sample(site, person, collected_at=at(3, 11))
    result_enter(actor=lab, barcode=positive.barcode, outcome="positive", ct_value=25)
    make_sample(site, person, collected_at=at(-1, 23))  # the day before: not asked
    other = make_person(areas["commune_a"], name="Trần Thị Khác", phone="+84912345679", citizen_id="038190001235")
    make_sample(site, other, collected_at=at(0, 10))

    found = sample_days_of_persons([person.pk], since=day, until=day + dt.timedelta(days=4))

    assert found == {person.pk: [day, day + dt.timedelta(days=1), day + dt.timedelta(days=3)]}
    # A day with only samples that do not count gives nothing.
    assert sample_days_of_persons([person.pk], since=day + dt.timedelta(days=2), until=day + dt.timedelta(days=3)) == {}
    assert sample_days_of_persons([person.pk, other.pk], since=day, until=day + dt.timedelta(days=1)) == {
        person.pk: [day],
        other.pk: [day],
    }
