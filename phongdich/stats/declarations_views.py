"""The declaration statistics page, its Excel export and its API. Thin: figures come from stats.declarations."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from phongdich.core import errors as core_errors
from phongdich.core.api import error_responses
from phongdich.core.errors import ApplicationError
from phongdich.core.exports import xlsx_response
from phongdich.core.ids import MAX_ID

from .api import IsOfficial, StatsAreaSerializer
from .charts import bar_chart
from .declarations import DeclarationStats, declaration_stats
from .selectors import parse_date, stats_area_choices, stats_area_get
from .views import _error, _query
from .views import _stats_for as _area_stats_for


def _stats_for(request) -> DeclarationStats:
    return _area_stats_for(request, compute=declaration_stats)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


@login_required
@require_GET
def declarations_page(request):
    """/stats/declarations/: declarations per day with the share with symptoms, the follow-up queue per day,
    and the breakdown by child area; scoped like the dashboard."""
    try:
        stats = _stats_for(request)
    except ApplicationError as exc:
        return _error(request, exc)
    page_url = reverse("stats:declarations")
    day_chart = bar_chart(
        [
            (
                day.day.strftime("%d/%m"),
                day.declarations,
                _("%(day)s: %(n)s declarations, %(s)s with symptoms (%(share)s)")
                % {
                    "day": day.day.strftime("%d/%m/%Y"),
                    "n": day.declarations,
                    "s": day.with_symptoms,
                    "share": _pct(day.symptoms_share),
                },
                "",
            )
            for day in stats.days
        ],
        height=240,
    )
    queue_chart = bar_chart(
        [
            (
                day.day.strftime("%d/%m"),
                day.queue_open,
                _("%(day)s: %(n)s open follow-ups at the end of the day")
                % {"day": day.day.strftime("%d/%m/%Y"), "n": day.queue_open},
                "",
            )
            for day in stats.days
        ],
        height=200,
    )
    context = {
        "stats": stats,
        "choices": stats_area_choices(viewer=request.user, area=stats.area),
        "day_chart": day_chart,
        "queue_chart": queue_chart,
        "query": _query(stats, stats.area.pk),
        "breakdown": [
            (row, f"{page_url}?{_query(stats, row.area.pk)}" if row.area is not None else "") for row in stats.breakdown
        ],
    }
    return render(request, "stats/declarations.html", context)


def _blank(value):
    return "" if value is None else value


def export_sheets(stats: DeclarationStats):
    total = stats.total
    summary = [
        (_("Area"), stats.area.name),
        (_("Area code"), stats.area.code),
        (_("From"), stats.start_date),
        (_("To"), stats.end_date),
        (_("Declarations"), total.declarations),
        (_("With symptoms"), total.with_symptoms),
        (_("Share with symptoms (%)"), _blank(total.symptoms_share)),
        (_("Open follow-ups now"), total.queue_open),
        (_("Open for more than 3 days"), total.queue_over_3_days),
        (_("Oldest open follow-up (hours)"), _blank(total.queue_oldest_hours)),
    ]
    per_day = [
        (
            day.day,
            day.declarations,
            day.with_symptoms,
            _blank(day.symptoms_share),
            day.queue_open,
            _blank(day.queue_oldest_hours),
        )
        for day in stats.days
    ]
    by_area = [
        (
            row.area.code if row.area else stats.area.code,
            row.area.name if row.area else _("(directly in %(area)s)") % {"area": stats.area.name},
            row.declarations,
            row.with_symptoms,
            _blank(row.symptoms_share),
            row.queue_open,
            row.queue_over_3_days,
            _blank(row.queue_oldest_hours),
        )
        for row in stats.breakdown
    ]
    return [
        (_("Summary"), [_("Figure"), _("Value")], summary),
        (
            _("Per day"),
            [
                _("Day"),
                _("Declarations"),
                _("With symptoms"),
                _("Share with symptoms (%)"),
                _("Open follow-ups at the end of the day"),
                _("Oldest open follow-up (hours)"),
            ],
            per_day,
        ),
        (
            _("By area"),
            [
                _("Code"),
                _("Area"),
                _("Declarations"),
                _("With symptoms"),
                _("Share with symptoms (%)"),
                _("Open follow-ups now"),
                _("Open for more than 3 days"),
                _("Oldest open follow-up (hours)"),
            ],
            by_area,
        ),
    ]


@login_required
@require_GET
def declarations_export(request):
    """The page's figures as .xlsx (Summary / Per day / By area), scoped like the page; formula-safe cells."""
    try:
        stats = _stats_for(request)
    except ApplicationError as exc:
        return _error(request, exc)
    filename = f"khai-bao-y-te-{stats.area.code}-{stats.start_date}-{stats.end_date}.xlsx"
    return xlsx_response(filename, export_sheets(stats))


class DeclarationDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    declarations = serializers.IntegerField()
    with_symptoms = serializers.IntegerField()
    symptoms_share = serializers.FloatField(allow_null=True, help_text="with_symptoms / declarations, percent")
    queue_open = serializers.IntegerField(help_text="Open follow-ups at the end of the day")
    queue_oldest_hours = serializers.FloatField(allow_null=True, help_text="Age of the oldest of them then")


class DeclarationAreaRowSerializer(serializers.Serializer):
    area = StatsAreaSerializer(allow_null=True, help_text="null: declarations filed on the area asked for itself")
    declarations = serializers.IntegerField()
    with_symptoms = serializers.IntegerField()
    symptoms_share = serializers.FloatField(allow_null=True)
    queue_open = serializers.IntegerField(help_text="Open follow-ups now")
    queue_over_3_days = serializers.IntegerField()
    queue_oldest_hours = serializers.FloatField(allow_null=True)


class DeclarationTotalsSerializer(serializers.Serializer):
    declarations = serializers.IntegerField()
    with_symptoms = serializers.IntegerField()
    symptoms_share = serializers.FloatField(allow_null=True)
    queue_open = serializers.IntegerField()
    queue_over_3_days = serializers.IntegerField()
    queue_oldest_hours = serializers.FloatField(allow_null=True)


class DeclarationStatsSerializer(serializers.Serializer):
    area = StatsAreaSerializer()
    date_from = serializers.DateField(source="start_date")
    date_to = serializers.DateField(source="end_date")
    totals = DeclarationTotalsSerializer(source="total")
    per_day = DeclarationDaySerializer(many=True, source="days")
    breakdown = DeclarationAreaRowSerializer(many=True)


class AreaDeclarationStatsApi(APIView):
    permission_classes = [IsOfficial]
    OutputSerializer = DeclarationStatsSerializer

    @extend_schema(
        operation_id="stats_area_declarations",
        summary="Health declarations and the follow-up queue of an area",
        description=(
            "Declarations per local day (date_from to date_to, both included; default the last 7 complete days), "
            "how many answered a symptom and their share, the follow-up queue at the end of each day (open tasks "
            "and the age of the oldest), and per child area the same counts with the queue as it stands now. "
            "Only areas inside the official's own area: others answer 404 `not_found`. Errors: `invalid_date`, "
            "`invalid_period`."
        ),
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="First day (YYYY-MM-DD)"),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="Last day (YYYY-MM-DD), included"),
        ],
        responses={200: OutputSerializer, **error_responses(400, 401, 403, 404)},
        tags=["stats"],
    )
    def get(self, request, area_id: int):
        if area_id > MAX_ID:  # beyond a database integer: unknown, like any other missing area
            raise ApplicationError(core_errors.NOT_FOUND)
        area = stats_area_get(viewer=request.user, area_id=area_id)
        stats = declaration_stats(
            viewer=request.user,
            area=area,
            start_date=parse_date(request.query_params.get("date_from"), name="date_from"),
            end_date=parse_date(request.query_params.get("date_to"), name="date_to"),
        )
        return Response(self.OutputSerializer(stats).data)
