from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from phongdich.core.demo import DISTRICT_PATH, demo_build
from phongdich.core.testing import make_area
from phongdich.geo.models import Area
from phongdich.people.models import Person
from phongdich.people.validation import normalise_phone, validate_citizen_id
from phongdich.stats.selectors import area_stats, stats_default_period
from phongdich.venues.models import Venue

pytestmark = pytest.mark.django_db

CSV = Path(__file__).resolve().parents[2] / "geo" / "data" / "thach_thanh_2021.csv"


def test_demo_reproduces_the_district_report_of_seed_002(django_user_model):
    """Seed 002: 686 venues registered, 88 with check-ins in 7 days, 11,491 scans; a rerun adds nothing."""
    make_area("38", "Tỉnh Thanh Hóa", "province")
    call_command("geo_import_csv", str(CSV))
    # The demo's "today", not the day the build ends on: a build that runs past midnight moves the default period.
    today = timezone.localdate()
    result = demo_build(people=150, log=lambda text: None, today=today)
    assert result.built
    district = Area.objects.get(path=DISTRICT_PATH)
    admin = django_user_model.objects.get(username="tinh.thanhhoa")
    period = stats_default_period(today=today)  # the 7 days ending yesterday
    stats = area_stats(viewer=admin, area=district, start_date=period.start_date, end_date=period.end_date)
    assert (stats.figures.registered, stats.figures.active, stats.figures.scans) == (686, 88, 11_491)
    assert stats.figures.verified > stats.figures.pending > stats.figures.rejected > 0
    assert len(stats.breakdown) == 25 and sum(row.figures.registered for row in stats.breakdown) == 686
    assert Venue.objects.filter(venue_type__isnull=False).values("venue_type").distinct().count() == 13
    for person in Person.objects.all()[:50]:
        assert normalise_phone(person.phone) == person.phone
        validate_citizen_id(person.citizen_id, birth_year=person.birth_year, gender=person.gender)
    # The printed logins include one for Django's admin.
    assert django_user_model.objects.get(username="quantri").is_superuser
    # The pages the README points to have something to show: a robot-call campaign with results (calls.demo: it
    # once picked the testing demo's case, which has no contacts, and made none), and venues on the map.
    from phongdich.calls.models import Call, CallCampaign

    campaign = CallCampaign.objects.get()
    assert campaign.status == CallCampaign.Status.RUNNING
    assert Call.objects.filter(campaign=campaign, status=Call.Status.ANSWERED).count() == 2
    assert Venue.objects.filter(latitude__isnull=False).count() > 600
    venues_before = Venue.objects.count()
    assert not demo_build(people=150, log=lambda text: None).built
    assert Venue.objects.count() == venues_before
