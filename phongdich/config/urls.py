from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from phongdich.core import views as core_views

api_v1 = [
    path("", include("phongdich.checkins.api_urls")),  # first: the scan endpoint is the hot path
    path("", include("phongdich.geo.api_urls")),
    path("", include("phongdich.people.api_urls")),
    path("", include("phongdich.venues.api_urls")),
    path("", include("phongdich.stats.api_urls")),
    path("", include("phongdich.declarations.api_urls")),
    path("", include("phongdich.followups.api_urls")),
    path("", include("phongdich.healthcards.api_urls")),
    path("", include("phongdich.cases.api_urls")),
    path("", include("phongdich.telecom.api_urls")),
    path("", include("phongdich.calls.api_urls")),
    path("", include("phongdich.testing.api_urls")),
    path("", include("phongdich.vaccination.api_urls")),
    path("", include("phongdich.certificates.api_urls")),
    path("", include("phongdich.maps.api_urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", core_views.ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/docs/redoc.js", core_views.redoc_script, name="api-docs-redoc"),
    path("i18n/setlang/", core_views.set_language, name="set_language"),
    path("healthz", core_views.healthz, name="healthz"),
    # Browsers ask for it whatever the page says (and for pages that are not HTML): no 404 in every console.
    path("favicon.ico", core_views.favicon, name="favicon"),
]

urlpatterns += i18n_patterns(
    path("", RedirectView.as_view(pattern_name="stats:dashboard", permanent=False), name="home"),
    path("admin/", admin.site.urls),
    path("citizens/", core_views.citizens, name="citizens"),
    # The short URL printed in venue QR codes: keep it short, the code gets denser with every character. Vietnamese,
    # the default, has no prefix, so the codes hold SITE_URL/c/<token> (venues.posters); the citizen pages are also
    # /en/c/..., so that a link from an English page (/en/citizens/) stays in English (checkins.views.vietnamese_first).
    path("c/", include("phongdich.checkins.public_urls")),
    path("exports/", include("phongdich.core.urls")),
    path("accounts/", include("phongdich.accounts.urls")),
    path("areas/", include("phongdich.geo.urls")),
    path("people/", include("phongdich.people.urls")),
    path("venues/", include("phongdich.venues.urls")),
    path("checkins/", include("phongdich.checkins.urls")),
    path("stats/", include("phongdich.stats.urls")),
    path("declarations/", include("phongdich.declarations.urls")),
    path("followups/", include("phongdich.followups.urls")),
    path("health/", include("phongdich.healthcards.urls")),
    path("cases/", include("phongdich.cases.urls")),
    path("telecom/", include("phongdich.telecom.urls")),
    path("calls/", include("phongdich.calls.urls")),
    path("testing/", include("phongdich.testing.urls")),
    path("vaccination/", include("phongdich.vaccination.urls")),
    path("certificates/", include("phongdich.certificates.urls")),
    path("map/", include("phongdich.maps.urls")),
    prefix_default_language=False,
)

if settings.BENCH_ENDPOINTS:
    # Reference endpoints of bench/checkin_ingest.py (docs/benchmarks.md), through the same stack.
    urlpatterns += [path("bench/", include("phongdich.core.bench_urls"))]

handler400 = "phongdich.core.views.bad_request"
handler403 = "phongdich.core.views.permission_denied"
handler404 = "phongdich.core.views.page_not_found"
handler500 = "phongdich.core.views.server_error"
