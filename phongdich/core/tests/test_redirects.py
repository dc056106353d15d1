"""safe_next: where a form may send the browser back to."""

import pytest
from django.test import RequestFactory

from phongdich.core.redirects import safe_next


@pytest.mark.parametrize(
    "given, expected",
    [
        ("/cases/3/#f1", "/cases/3/#f1"),
        ("/en/cases/worklist/?page=2", "/en/cases/worklist/?page=2"),
        # Bare words are view names to redirect(): a 500 after the change was saved (fuzzing, 2026-12-06).
        ("abc", "/default/"),
        ("cases:list", "/default/"),
        ("9999-12-31T23:59", "/default/"),
        ("//evil.example/", "/default/"),
        ("https://evil.example/", "/default/"),
        ("/\\evil.example", "/default/"),
        ("", "/default/"),
    ],
)
def test_only_a_path_of_this_site_is_followed(given, expected):
    request = RequestFactory().post("/x/", {"next": given})
    assert safe_next(request, default="/default/") == expected
