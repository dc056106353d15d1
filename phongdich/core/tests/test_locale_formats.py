"""Locale formats (phongdich/formats). Dates typed into forms are read day first in both languages: "01/12/2021" is
1 December, never 12 January; ISO still reads, and date pickers still get ISO. Counts are grouped by thousands."""

import datetime as dt

import pytest
from django import forms
from django.utils import translation


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("typed", ["01/12/2021", "2021-12-01", "01-12-2021", "01/12/21"])
def test_a_typed_date_is_read_day_first(language, typed):
    with translation.override(language):
        assert forms.DateField().clean(typed) == dt.date(2021, 12, 1)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_month_first_date_is_refused_not_misread(language):
    with translation.override(language), pytest.raises(forms.ValidationError):
        forms.DateField().clean("12/31/2021")


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_typed_date_and_time_is_read_day_first(language):
    with translation.override(language):
        value = forms.DateTimeField().clean("01/12/2021 10:30")
        split = forms.SplitDateTimeField().clean(["01/12/2021", "10:30"])
    assert value == split
    assert (value.date(), value.time()) == (dt.date(2021, 12, 1), dt.time(10, 30))


def test_vietnamese_short_dates_read_back_as_the_same_date():
    """A date copied from a list (SHORT_DATE_FORMAT, "d-m-Y") is the date the list showed."""
    from django.utils.formats import date_format

    with translation.override("vi"):
        shown = date_format(dt.date(2021, 12, 1), "SHORT_DATE_FORMAT")
        assert forms.DateField().clean(shown) == dt.date(2021, 12, 1)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_date_picker_is_still_given_iso(language):
    with translation.override(language):
        html = forms.DateInput(attrs={"type": "date"}).render("on", dt.date(2021, 12, 1))
    assert 'value="2021-12-01"' in html


@pytest.mark.parametrize(("language", "shown"), [("vi", "30.391 lượt vào"), ("en", "30,391 check-ins")])
def test_list_counts_are_grouped_by_thousands(language, shown):
    """The lists' counts (blocktranslate count … with shown=…|floatformat:"g") in each language's grouping, through
    the apps' own catalogues."""
    from django.template import Context, Template

    template = Template(
        '{% load i18n %}{% blocktranslate count counter=n with shown=n|floatformat:"g" %}{{ shown }} check-in'
        "{% plural %}{{ shown }} check-ins{% endblocktranslate %}"
    )
    with translation.override(language):
        assert template.render(Context({"n": 30391})) == shown
