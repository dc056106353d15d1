"""Statistics API: the dashboard's figures for one area and period, for officials (scoped to their area)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from phongdich.core.api import error_responses
from phongdich.core.scoping import viewer_area_path

from .selectors import area_stats, parse_date, stats_area_get


class IsOfficial(BasePermission):
    """A logged-in official or superuser; scanner devices and users without a role are refused (403)."""

    def has_permission(self, request, view):
        user = request.user
        return not getattr(user, "is_device", False) and viewer_area_path(user) is not None


class FiguresSerializer(serializers.Serializer):
    registered = serializers.IntegerField(help_text="Venues registered up to the end date, whatever their status")
    verified = serializers.IntegerField()
    pending = serializers.IntegerField()
    rejected = serializers.IntegerField()
    suspended = serializers.IntegerField()
    active = serializers.IntegerField(help_text="Venues with at least one check-in in the period")
    active_share = serializers.FloatField(allow_null=True, help_text="active / registered, in percent")
    scans = serializers.IntegerField(help_text="Check-ins in the period")


class StatsAreaSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    path = serializers.CharField()


class DayScansSerializer(serializers.Serializer):
    day = serializers.DateField()
    scans = serializers.IntegerField()


class ActiveVenueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    venue_type = serializers.CharField()
    area_id = serializers.IntegerField()
    area_name = serializers.CharField()
    status = serializers.CharField()
    scans = serializers.IntegerField()


class BreakdownRowSerializer(serializers.Serializer):
    area = StatsAreaSerializer(allow_null=True, help_text="null: venues filed directly on the area asked for")
    figures = FiguresSerializer()


class AreaStatsSerializer(serializers.Serializer):
    area = StatsAreaSerializer()
    date_from = serializers.DateField(source="start_date")
    date_to = serializers.DateField(source="end_date")
    figures = FiguresSerializer()
    scans_per_day = DayScansSerializer(many=True, source="days")
    breakdown = BreakdownRowSerializer(many=True)
    active_venues = ActiveVenueSerializer(many=True)


class AreaStatsApi(APIView):
    permission_classes = [IsOfficial]
    OutputSerializer = AreaStatsSerializer

    @extend_schema(
        operation_id="stats_area",
        summary="Venue and check-in figures of an area",
        description=(
            "Venues registered (up to date_to), verified, pending, active (at least one check-in from date_from "
            "to date_to, local days, both included), scans, scans per day, the same figures per child area, and "
            "the active venues. Without dates: the last 7 complete days, ending yesterday. Only areas inside "
            "the official's own area: others answer 404 `not_found`. Errors: `invalid_date`, `invalid_period`."
        ),
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="First day (YYYY-MM-DD)"),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="Last day (YYYY-MM-DD), included"),
        ],
        responses={200: OutputSerializer, **error_responses(400, 401, 403, 404)},
        tags=["stats"],
    )
    def get(self, request, area_id: int):
        area = stats_area_get(viewer=request.user, area_id=area_id)
        stats = area_stats(
            viewer=request.user,
            area=area,
            start_date=parse_date(request.query_params.get("date_from"), name="date_from"),
            end_date=parse_date(request.query_params.get("date_to"), name="date_to"),
        )
        return Response(self.OutputSerializer(stats).data)
