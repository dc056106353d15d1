"""What the epidemic map shows (docs/map.md). Seed 000 asks for a map of the places cases (F0) visited, the
checkpoints, the number of F1 per locality and the home-quarantine cases; the map reads them from the apps
that keep them and adds only positions:

- places a case visited: the published exposure notices (cases.selectors.exposure_notices_public), at their
  venue's position; public, as the list of them is;
- checkpoints: verified venues of the type "checkpoint"; public (provinces published them in 2021);
- per commune: cases under treatment, open F1, F2 and F3+ and contacts in quarantine, for officials who see people
  (counts only, like cases.selectors.area_counts_by_commune, so not audited), at the commune's centre
  (geo.Area.latitude/longitude) or, where none is set, at the average position of its venues.

Whatever has no position is returned apart, so that the page lists it under the map instead of dropping it.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Avg, Count, F

from phongdich.cases.models import Contact, ExposureNotice
from phongdich.cases.selectors import CONTACT_AREA, AreaCount, area_counts_by_commune, exposure_notices_public
from phongdich.core.scoping import viewer_area_path
from phongdich.geo.models import Area
from phongdich.venues.models import Venue

CHECKPOINT_TYPE = "checkpoint"  # venues migration 0002


@dataclass
class Place:
    """A venue where one or more published notices say a case was, with those times (newest first)."""

    venue: Venue
    notices: list[ExposureNotice] = field(default_factory=list)

    @property
    def position(self) -> tuple[float, float] | None:
        return position_of(self.venue.latitude, self.venue.longitude)


@dataclass
class CommunePoint:
    counts: AreaCount
    quarantined: int = 0
    position: tuple[float, float] | None = None
    position_from: str = ""  # "centre": the area's own; "venues": the average of its venues'

    @property
    def area(self) -> Area:
        return self.counts.area

    @property
    def anything(self) -> bool:
        return bool(self.counts.f0 or self.counts.f1 or self.counts.f2 or self.counts.f3 or self.quarantined)


def position_of(latitude, longitude) -> tuple[float, float] | None:
    if latitude is None or longitude is None:
        return None
    return float(latitude), float(longitude)


def exposure_places(*, area_path: str = "", now: dt.datetime | None = None) -> list[Place]:
    """The published notices of the public period grouped by venue, the venue with the newest notice first."""
    places: dict[int, Place] = {}
    for notice in exposure_notices_public(now=now, area_path=area_path):
        places.setdefault(notice.venue_id, Place(venue=notice.venue)).notices.append(notice)
    return list(places.values())


def checkpoints(*, area_path: str = "") -> list[Venue]:
    """Verified checkpoints, by name."""
    venues = Venue.objects.filter(venue_type__code=CHECKPOINT_TYPE, status=Venue.Status.VERIFIED)
    if area_path:
        venues = venues.filter(area_path__startswith=area_path)
    return list(venues.select_related("area").order_by("name_folded", "id"))


def commune_points(*, viewer, area: Area | None = None) -> list[CommunePoint]:
    """Communes of the viewer's area (or of `area` inside it) with anything to show, each with its counts and
    position. Refused (permission_denied) to whoever may not see people, as the counts are."""
    rows = [CommunePoint(counts=row) for row in area_counts_by_commune(viewer=viewer, area=area)]
    if not rows:
        return []
    within = area.path if area is not None else viewer_area_path(viewer)  # not None: checked by the counts
    quarantined = dict(
        Contact.objects.filter(person__area_path__startswith=within, status=Contact.Status.QUARANTINED)
        .order_by()
        .values_list(F(CONTACT_AREA))
        .annotate(n=Count("id"))
    )
    for row in rows:
        # A contact filed under a village below the commune counts for the commune.
        row.quarantined = sum(n for path, n in quarantined.items() if path.startswith(row.area.path))
    rows = [row for row in rows if row.anything]
    missing = []
    for row in rows:
        row.position = position_of(row.area.latitude, row.area.longitude)
        if row.position is not None:
            row.position_from = "centre"
        else:
            missing.append(row)
    if missing:
        averages = {
            area_id: (lat, lon)
            for area_id, lat, lon in Venue.objects.filter(
                area_id__in=[row.area.pk for row in missing], latitude__isnull=False, longitude__isnull=False
            )
            .exclude(status=Venue.Status.REJECTED)
            .order_by()
            .values("area_id")
            .annotate(lat=Avg("latitude"), lon=Avg("longitude"))
            .values_list("area_id", "lat", "lon")
        }
        for row in missing:
            if row.area.pk in averages:
                row.position = position_of(*averages[row.area.pk])
                row.position_from = "venues"
    return rows
