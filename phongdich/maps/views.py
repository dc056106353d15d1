"""/map/: the epidemic map (docs/map.md). Public: the places cases visited and the checkpoints; officials who
see people also get the counts per commune. The page is a frame; its layers come from the map API as GeoJSON."""

import json

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from phongdich.accounts.permissions import PEOPLE_ROLES, has_role
from phongdich.cases.services import tracing_max_level


def epidemic_map(request):
    layers = {  # the API addresses of the layers this viewer gets
        "places": reverse("api-map-exposure-places"),
        "checkpoints": reverse("api-map-checkpoints"),
    }
    if has_role(request.user, *PEOPLE_ROLES):
        layers["communes"] = reverse("api-map-communes")
    latitude, longitude = settings.MAP_CENTER
    context = {
        "layers_json": json.dumps(layers),
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "center": f"{latitude},{longitude}",
        "zoom": settings.MAP_ZOOM,
        "time_zone": settings.TIME_ZONE,
        "sees_communes": "communes" in layers,
        # F3 and further exist only where tracing goes that deep (a commune's F3 left from then still show).
        "show_f3": tracing_max_level() >= 3,
        "days": settings.EXPOSURE_NOTICE_PUBLIC_DAYS,
        "strings": {
            "places": _("Places a case visited"),
            "checkpoints": _("Checkpoints"),
            "communes": _("Cases and contacts per commune"),
            "about": _("(about)"),
            "f0": _("F0 under treatment"),
            "f1": _("F1 to handle"),
            "f2": _("F2 to handle"),
            "f3": _("F3 and further to handle"),
            "quarantined": _("In quarantine"),
            "from_venues": _("Position: the average of the commune's venues"),
            "failed": _("This layer could not be loaded. Try again in a moment."),
            "not_on_map": _("(%(n)s of them not on the map: no position known)"),
        },
    }
    return render(request, "maps/map.html", context)
