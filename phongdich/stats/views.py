"""The statistics dashboard and its Excel export. Thin: figures come from stats.selectors."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from phongdich.core.errors import ApplicationError
from phongdich.core.exports import xlsx_response
from phongdich.core.text import english_active

from .charts import bar_chart
from .selectors import (
    AreaStats,
    area_stats,
    parse_date,
    stats_area_choices,
    stats_area_default,
    stats_area_get,
)


def _error(request, exc: ApplicationError):
    return render(request, "core/error.html", {"error": exc.as_dict()}, status=exc.status)


def _stats_for(request, compute=area_stats) -> AreaStats:
    """`compute` (area_stats, declaration_stats) for the area and period of the query string
    (?area=&date_from=&date_to=), scoped to the viewer."""
    viewer = request.user
    area_id = request.GET.get("area")
    area = stats_area_get(viewer=viewer, area_id=area_id) if area_id else stats_area_default(viewer=viewer)
    return compute(
        viewer=viewer,
        area=area,
        start_date=parse_date(request.GET.get("date_from"), name="date_from"),
        end_date=parse_date(request.GET.get("date_to"), name="date_to"),
    )


def _query(stats, area_id: int) -> str:
    """The query string of the same period for another area (AreaStats or DeclarationStats)."""
    return urlencode({"area": area_id, "date_from": stats.start_date, "date_to": stats.end_date})


@login_required
@require_GET
def dashboard(request):
    try:
        stats = _stats_for(request)
    except ApplicationError as exc:
        return _error(request, exc)
    dashboard_url = reverse("stats:dashboard")
    day_chart = bar_chart(
        [
            (
                day.strftime("%d/%m"),
                scans,
                _("%(day)s: %(scans)s scans") % {"day": day.strftime("%d/%m/%Y"), "scans": f"{scans:,}"},
                "",
            )
            for day, scans in stats.scans_per_day
        ],
        height=240,
    )
    child_rows = [row for row in stats.breakdown if row.area is not None]
    area_chart = bar_chart(
        [
            (
                row.area.name,
                row.figures.active,
                _("%(area)s: %(active)s active of %(registered)s registered venues, %(scans)s scans")
                % {
                    "area": row.area.name,
                    "active": row.figures.active,
                    "registered": row.figures.registered,
                    "scans": f"{row.figures.scans:,}",
                },
                f"{dashboard_url}?{_query(stats, row.area.pk)}",
            )
            for row in child_rows
        ],
        height=300,
        max_label=18,
    )
    context = {
        "stats": stats,
        "figures": stats.figures,
        "choices": stats_area_choices(viewer=request.user, area=stats.area),
        "day_chart": day_chart,
        "area_chart": area_chart if child_rows else None,
        "query": _query(stats, stats.area.pk),
        "breakdown": [
            (row, f"{dashboard_url}?{_query(stats, row.area.pk)}" if row.area is not None else "")
            for row in stats.breakdown
        ],
        "active_limit": 200,
    }
    return render(request, "stats/dashboard.html", context)


@login_required
@require_GET
def export(request):
    """The dashboard's figures as .xlsx (Summary / By area / Active venues), scoped like the page."""
    try:
        stats = _stats_for(request)
    except ApplicationError as exc:
        return _error(request, exc)
    return xlsx_response(f"thong-ke-{stats.area.code}-{stats.start_date}-{stats.end_date}.xlsx", export_sheets(stats))


def _share(value: float | None):
    return "" if value is None else value


def export_sheets(stats: AreaStats):
    figures = stats.figures
    summary = [
        (_("Area"), stats.area.name),
        (_("Area code"), stats.area.code),
        (_("From"), stats.start_date),
        (_("To"), stats.end_date),
        (_("Venues registered"), figures.registered),
        (_("Verified"), figures.verified),
        (_("Pending"), figures.pending),
        (_("Rejected"), figures.rejected),
        (_("Active venues (at least one check-in)"), figures.active),
        (_("Active share (%)"), _share(figures.active_share)),
        (_("Scans"), figures.scans),
    ]
    by_area = [
        (
            row.area.code if row.area else stats.area.code,
            row.area.name if row.area else _("(directly in %(area)s)") % {"area": stats.area.name},
            row.figures.registered,
            row.figures.verified,
            row.figures.pending,
            row.figures.rejected,
            row.figures.active,
            _share(row.figures.active_share),
            row.figures.scans,
        )
        for row in stats.breakdown
    ]
    english = english_active()
    # The status's label and the type's name in the file's language, as on the page (the raw code "verified" showed).
    active = [
        (
            venue.name,
            venue.venue_type_en if english else venue.venue_type,
            venue.area_name,
            venue.street_address,
            str(venue.status_label),
            venue.scans,
        )
        for venue in stats.active_venues
    ]
    per_day = [(day, scans) for day, scans in stats.scans_per_day]
    return [
        (_("Summary"), [_("Figure"), _("Value")], summary),
        (
            _("By area"),
            [
                _("Code"),
                _("Area"),
                _("Registered"),
                _("Verified"),
                _("Pending"),
                _("Rejected"),
                _("Active"),
                _("Active share (%)"),
                _("Scans"),
            ],
            by_area,
        ),
        (
            _("Active venues"),
            [_("Venue"), _("Type"), _("Commune"), _("Address"), _("Status"), _("Scans")],
            active,
        ),
        (_("Scans per day"), [_("Day"), _("Scans")], per_day),
    ]
