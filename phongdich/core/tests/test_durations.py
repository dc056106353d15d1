"""Durations in the page's language (core.text.duration_text): the evidence's "trùng 16 phút", with days from a
day on ("trùng 82 h 00 min" for a household contact was English and hard to read)."""

import pytest
from django.utils import translation

from phongdich.core.text import duration_text


@pytest.mark.parametrize(
    ("minutes", "vietnamese", "english"),
    [
        (0, "0 phút", "0 min"),
        (16, "16 phút", "16 min"),
        (67, "1 giờ 07 phút", "1 h 07 min"),
        (120, "2 giờ", "2 h"),
        (1440, "1 ngày", "1 day"),
        (1500, "1 ngày 1 giờ", "1 day 1 h"),
        (82 * 60, "3 ngày 10 giờ", "3 days 10 h"),
        (82 * 60 + 59, "3 ngày 10 giờ", "3 days 10 h"),  # from a day on, whole hours
    ],
)
def test_a_duration_reads_in_the_page_language(minutes, vietnamese, english):
    with translation.override("vi"):
        assert duration_text(minutes) == vietnamese
    with translation.override("en"):
        assert duration_text(minutes) == english


def test_no_duration_is_a_dash():
    assert duration_text(None) == "–"
