"""Where a page may send the browser back to after a form."""

from functools import wraps

from django.conf import settings
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import translate_url
from django.utils import translation
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


def post_only(page):
    """require_POST for the address a page's form posts to, but a GET there goes to that page, `page(request,
    **kwargs)`, in the request's language. A refused form is shown again at its POST address, so the address bar holds
    it: a reload, the language switch (which opens the address in the other language) or a phone reopening the tab sent
    a GET and got an empty 405. The page itself still checks the official's area."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in ("GET", "HEAD"):
                return redirect(in_this_language(page(request, **kwargs)))
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def in_this_language(path: str) -> str:
    """`path` (a `next` may be in either language) in the request's language."""
    language = translation.get_language()  # the request's
    with translation.override(translation.get_language_from_path(path) or settings.LANGUAGE_CODE):
        return translate_url(path, language)
