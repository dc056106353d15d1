"""What testing gives other domains: the status-card input provider and the certificate source."""

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
