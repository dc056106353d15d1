"""Where an official lands after logging in: the page their role works in."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from .models import Official
from .selectors import official_of

Role = Official.Role
# Control staff scan at the gate and a venue's manager runs their venue: the commune's statistics (every venue's
# scans) are neither's work, and were their first page (walk-through of 2026-12-06). Lab and vaccination staff
# start at their sites' work.
START_PAGES = {
    Role.VENUE_STAFF: "checkins:scan",
    Role.VENUE_MANAGER: "venues:list",
    Role.LAB_STAFF: "testing:home",
    Role.VACCINATION_STAFF: "vaccination:sessions",
}


@login_required
@require_GET
def start(request):
    """LOGIN_REDIRECT_URL: the role's page; officials who see an area's figures, and superusers, the dashboard."""
    official = None if request.user.is_superuser else official_of(request.user)
    return redirect(START_PAGES.get(official.role if official else None, "stats:dashboard"))
