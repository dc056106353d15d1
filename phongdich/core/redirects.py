"""Where a page may send the browser back to after a form."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default: str = "") -> str:
    """The request's `next` (posted, else in the query) when it points to this site, in either language (English
    pages are under /en/); else `default`. Never another host: an open redirect would lend the site's name to a
    phishing link. Only a path: Django's redirect() reads a bare word ("abc", "cases:list") as a view name, and a
    name it cannot reverse was a 500 after the form's change had been saved (fuzzing, 2026-12-06)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
