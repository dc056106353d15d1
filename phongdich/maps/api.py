"""REST API of the epidemic map: GeoJSON layers (RFC 7946: positions are [longitude, latitude]). What has no
position comes in `unplaced`, for a list beside the map. Thin classes: what is shown is decided in selectors."""

import re

from django.core.cache import cache
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from phongdich.accounts.permissions import SeesPeople
from phongdich.cases import errors as cases_errors
from phongdich.cases.selectors import filter_area
from phongdich.core.api import ERROR_RESPONSE, error_responses
from phongdich.core.throttling import ScopedRateThrottle

from . import selectors


def _point(position: tuple[float, float] | None) -> dict | None:
    if position is None:
        return None
    latitude, longitude = position
    return {"type": "Point", "coordinates": [longitude, latitude]}


def _collection(name: str, properties: serializers.Serializer):
    """The documented shape of a layer: a FeatureCollection, and the same properties for what has no position."""
    feature = inline_serializer(
        f"{name}Feature",
        fields={
            "type": serializers.CharField(default="Feature"),
            "geometry": inline_serializer(
                f"{name}Point",
                fields={
                    "type": serializers.CharField(default="Point"),
                    "coordinates": serializers.ListField(
                        child=serializers.FloatField(), help_text="[longitude, latitude] (RFC 7946)"
                    ),
                },
            ),
            "properties": properties,
        },
    )
    return inline_serializer(
        name,
        fields={
            "type": serializers.CharField(default="FeatureCollection"),
            "features": serializers.ListField(child=feature),
            "unplaced": serializers.ListField(child=properties, help_text="The same, without a known position"),
        },
    )


# The public layers of the whole map (what /map/ asks for) are kept this long, so that a crowd opening the map in an
# outbreak's first hours is answered from the cache: a notice published or withdrawn shows within a minute.
PUBLIC_LAYER_SECONDS = 60


def _layer(items, properties) -> dict:
    features, unplaced = [], []
    for position, item in items:
        props = properties(item)
        if position is None:
            unplaced.append(props)
        else:
            features.append({"type": "Feature", "geometry": _point(position), "properties": props})
    return {"type": "FeatureCollection", "features": features, "unplaced": unplaced}


# An area path as geo keeps them ("38/391/15187/"): anything else is refused before any query, so that junk
# cannot be used to go round the cache.
AREA_PATH = re.compile(r"(?:[0-9]{1,12}/){1,8}")


def _public_layer(name: str, area_path: str, build) -> Response:
    """The layer `build(area_path)` makes; the whole map's (no area) from the cache when there."""
    if area_path and not AREA_PATH.fullmatch(area_path):
        raise cases_errors.invalid_filter(area=area_path[:40])
    if area_path:
        return Response(build(area_path))
    return Response(cache.get_or_set(f"maps:{name}", lambda: build(""), PUBLIC_LAYER_SECONDS))


class VisitOutput(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    end_assumed = serializers.BooleanField(help_text="No check-out: the end is the venue type's buffer")


class PlaceOutput(serializers.Serializer):
    name = serializers.CharField(source="venue.name")
    address = serializers.CharField(source="venue.street_address")
    area_name = serializers.CharField(source="venue.area.name")
    area_path = serializers.CharField(source="venue.area_path")
    visits = VisitOutput(source="notices", many=True, help_text="Newest first")


class CheckpointOutput(serializers.Serializer):
    name = serializers.CharField()
    address = serializers.CharField(source="street_address")
    area_name = serializers.CharField(source="area.name")
    area_path = serializers.CharField()


class CommuneOutput(serializers.Serializer):
    area_id = serializers.IntegerField(source="area.pk")
    area_code = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name")
    area_path = serializers.CharField(source="area.path")
    f0 = serializers.IntegerField(source="counts.f0", help_text="Cases under treatment living there")
    f1 = serializers.IntegerField(source="counts.f1", help_text="F1 to handle (candidate, confirmed, quarantined)")
    f2 = serializers.IntegerField(source="counts.f2", help_text="F2 to handle")
    f3 = serializers.IntegerField(
        source="counts.f3", help_text="Contacts of level 3 and further to handle (0 unless TRACING_MAX_LEVEL >= 3)"
    )
    quarantined = serializers.IntegerField(help_text="Contacts in quarantine (any level)")
    position_from = serializers.CharField(
        help_text='"centre": the area\'s centre set in the admin; "venues": the average position of its venues; '
        '"" when unplaced'
    )


AREA_PATH_PARAMETER = OpenApiParameter(
    "area", str, required=False, description="An area path, e.g. 38/391/ (else 400 cases_invalid_filter)"
)


class _PublicLayer(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public"


class ExposurePlacesApi(_PublicLayer):
    """Places where a case was, from the published notices: no person, no case number."""

    @extend_schema(
        operation_id="map_exposure_places",
        summary="Map layer: places a case visited in the last days, with the times (GeoJSON)",
        parameters=[AREA_PATH_PARAMETER],
        responses={200: _collection("ExposurePlaceLayer", PlaceOutput()), 400: ERROR_RESPONSE, 429: ERROR_RESPONSE},
        tags=["map"],
    )
    def get(self, request):
        def build(area_path: str) -> dict:
            places = selectors.exposure_places(area_path=area_path)
            return _layer(((place.position, place) for place in places), lambda place: PlaceOutput(place).data)

        return _public_layer("places", (request.query_params.get("area") or "")[:255], build)


class CheckpointsApi(_PublicLayer):
    @extend_schema(
        operation_id="map_checkpoints",
        summary="Map layer: the verified checkpoints (GeoJSON)",
        parameters=[AREA_PATH_PARAMETER],
        responses={200: _collection("CheckpointLayer", CheckpointOutput()), 400: ERROR_RESPONSE, 429: ERROR_RESPONSE},
        tags=["map"],
    )
    def get(self, request):
        def build(area_path: str) -> dict:
            venues = selectors.checkpoints(area_path=area_path)
            return _layer(
                ((selectors.position_of(venue.latitude, venue.longitude), venue) for venue in venues),
                lambda venue: CheckpointOutput(venue).data,
            )

        return _public_layer("checkpoints", (request.query_params.get("area") or "")[:255], build)


class CommunesApi(APIView):
    permission_classes = [SeesPeople]

    @extend_schema(
        operation_id="map_communes",
        summary="Map layer: cases, F1, F2 and quarantined contacts per commune of your area (GeoJSON; counts only)",
        parameters=[OpenApiParameter("area", int, required=False, description="Only this area's communes")],
        responses={200: _collection("CommuneLayer", CommuneOutput()), **error_responses(400, 401, 403, 404)},
        tags=["map"],
    )
    def get(self, request):
        area = filter_area(viewer=request.user, area_id=request.query_params.get("area"))
        rows = selectors.commune_points(viewer=request.user, area=area)
        return Response(_layer(((row.position, row) for row in rows), lambda row: CommuneOutput(row).data))
