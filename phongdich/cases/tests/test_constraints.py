"""The database's own checks on what the tracers write with raw SQL (cases 0009): a bug in a tracer's SQL is
refused by the database, not stored."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from ..models import Contact, ContactLink, ExposureNotice
from .builders import case, link, person, venue


def _refused(make) -> bool:
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


@pytest.fixture
def traced(tree, kim_tan_official):
    source = case(kim_tan_official, person(tree["kim_tan"], "Ca bệnh"))
    contact_link = link(person(tree["kim_tan"], "Tiếp xúc"), source)[0]
    return source, contact_link


def test_contacts_out_of_shape_are_refused(tree, traced):
    contact = traced[1].contact
    someone = person(tree["kim_tan"], "Người khác")
    assert _refused(lambda: Contact.objects.create(person=someone, level=0))
    assert _refused(lambda: Contact.objects.filter(pk=contact.pk).update(status="lost"))
    assert _refused(lambda: Contact.objects.filter(pk=contact.pk).update(status="dismissed", dismissed_reason=""))
    start = dt.datetime(2021, 9, 14, 10, tzinfo=dt.UTC)
    assert _refused(
        lambda: Contact.objects.filter(pk=contact.pk).update(
            first_exposure_at=start, last_exposure_at=start - dt.timedelta(minutes=1)
        )
    )
    assert _refused(
        lambda: Contact.objects.filter(pk=contact.pk).update(
            quarantine_start=dt.date(2021, 9, 20), quarantine_end=dt.date(2021, 9, 19)
        )
    )
    # What the services write passes: a dismissal with its reason, a quarantine of one day.
    assert not _refused(
        lambda: Contact.objects.filter(pk=contact.pk).update(status="dismissed", dismissed_reason="Không gặp")
    )
    day = dt.date(2021, 9, 20)
    assert not _refused(lambda: Contact.objects.filter(pk=contact.pk).update(quarantine_start=day, quarantine_end=day))


def test_links_cases_and_notices_out_of_shape_are_refused(tree, traced):
    source, contact_link = traced
    links = ContactLink.objects.filter(pk=contact_link.pk)
    assert _refused(lambda: links.update(level=0))
    assert _refused(lambda: links.update(source="rumour"))
    assert _refused(lambda: links.update(setting="moon"))
    start = dt.datetime(2021, 9, 14, 10, tzinfo=dt.UTC)
    assert _refused(lambda: links.update(exposure_start=start, exposure_end=start - dt.timedelta(seconds=1)))
    assert not _refused(lambda: links.update(exposure_start=start, exposure_end=start))

    cases = type(source).objects.filter(pk=source.pk)
    assert _refused(lambda: cases.update(status="cured"))
    assert _refused(lambda: cases.update(test_type="guess"))
    place = venue(tree["kim_tan"])
    assert _refused(
        lambda: ExposureNotice.objects.create(
            case=source, venue=place, area_path=place.area_path, start=start, end=start - dt.timedelta(minutes=1)
        )
    )
