"""Demo positions for the map (docs/map.md). Made up: they show how the map works, not where the places are.

The demo's venues are registered without coordinates, as most registrations are. Here each commune of the demo
district gets a made-up point inside a box around Thạch Thành, its venues are scattered within about a
kilometre of it, and one venue in twenty stays without a position (the map lists it under the map). Kim Tân,
the district's seat, is put where the telecom sample's cells are (20.128 N, 105.647 E, telecom/samples), and
is the one commune with a centre set as an official would in the admin; the others are drawn at the average
of their venues.
"""

import random
from decimal import Decimal

from phongdich.geo.models import Area
from phongdich.venues.models import Venue

BOX = ((20.06, 20.30), (105.50, 105.75))  # latitude, longitude: roughly the district
KIM_TAN = (20.128, 105.647)
SPREAD = 0.01  # degrees, about a kilometre
WITHOUT_POSITION = 20  # one venue in this many


def _degrees(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


def demo_extend(*, builder, log) -> None:
    rng = random.Random(4_2021)
    venue_ids = sorted(builder.venues_by_id)
    by_area: dict[int, list[int]] = {}
    for venue_id, area_id in Venue.objects.filter(pk__in=venue_ids).values_list("pk", "area_id"):
        by_area.setdefault(area_id, []).append(venue_id)
    district_ids = set(builder.venues_by_id) - set(getattr(builder, "other_venue_ids", []))
    areas = Area.objects.filter(pk__in=by_area).order_by("path")
    placed = unplaced = 0
    for area in areas:
        ids = [pk for pk in sorted(by_area[area.pk]) if pk in district_ids]
        if not ids:
            continue  # venues elsewhere in the province keep no position
        if area.name.endswith("Kim Tân"):
            centre = KIM_TAN
            Area.objects.filter(pk=area.pk).update(latitude=_degrees(KIM_TAN[0]), longitude=_degrees(KIM_TAN[1]))
        else:
            centre = (rng.uniform(*BOX[0]), rng.uniform(*BOX[1]))
        for venue_id in ids:
            if rng.randrange(WITHOUT_POSITION) == 0:
                unplaced += 1
                continue
            Venue.objects.filter(pk=venue_id).update(
                latitude=_degrees(centre[0] + rng.uniform(-SPREAD, SPREAD)),
                longitude=_degrees(centre[1] + rng.uniform(-SPREAD, SPREAD)),
            )
            placed += 1
    log(f"map: {placed} venues given a made-up position, {unplaced} left without one")
