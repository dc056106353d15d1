"""The demo's venue addresses: the street only, as a venue manager enters it; the pages add the commune from the
venue's area ("Khu phố 3, Thị trấn Kim Tân"), so a street that carried the commune showed it twice."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command

from phongdich.core.demo import _Builder
from phongdich.core.testing import make_area

pytestmark = pytest.mark.django_db

CSV = Path(__file__).resolve().parents[2] / "geo" / "data" / "thach_thanh_2021.csv"


def test_no_demo_venue_street_repeats_its_commune():
    make_area("38", "Tỉnh Thanh Hóa", "province")
    call_command("geo_import_csv", str(CSV))
    builder = _Builder(people=0, log=lambda text: None, today=dt.date(2021, 9, 20))
    builder.areas()
    plan = builder._venue_plan()
    assert len(plan) == 686
    repeated = [(name, street) for commune, _type, name, street in plan if commune.name in street]
    assert repeated == []
    # The district's own sites are there, with a street of their commune's kind.
    sites = {name: street for _commune, _type, name, street in plan}
    assert sites["Bến xe Kim Tân"].startswith("Khu phố ")
