"""Bounds on the dates people type: what the calendar of an epidemic allows, and what date arithmetic survives."""

import datetime as dt

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# No sample for SARS-CoV-2 can predate the virus: WHO's timeline of its COVID-19 response (who.int, "Listings of
# WHO's response to COVID-19") starts with the cluster reported in Wuhan on 31 December 2019; the first of December
# is our margin. A sample dated 1900 (a typing slip, found by schemathesis on 2026-12-06) was accepted before.
SARS_COV_2_FIRST_REPORTED = dt.date(2019, 12, 1)

# A date typed into a filter or a form outside these years is a slip (0001, 9999); a day added to 9999-12-31, or
# 0001-01-01 in Việt Nam turned into UTC, leaves Python's calendar (OverflowError: a 500, found by fuzzing the
# pages on 2026-12-06). Generous on purpose: birth dates go back to 1900.
TYPED_DATE_MIN = dt.date(1900, 1, 1)
TYPED_DATE_MAX = dt.date(2100, 12, 31)


def local_midnight(day: dt.date) -> dt.datetime:
    """The start of `day` in Việt Nam (TIME_ZONE): dates people see and type are local days."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def local_iso(moment: dt.datetime | None) -> str | None:
    """An aware time as an ISO text in TIME_ZONE (+07:00), as the API's serializers give times: for an error's `extra`,
    where `isoformat()` of a time read from the database said +00:00."""
    return timezone.localtime(moment).isoformat() if moment is not None else None


def local_day(moment: dt.datetime) -> dt.date:
    """The day `moment` falls on in Việt Nam (TIME_ZONE): 00:30 local is 17:30 UTC of the day before."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


class TypedDateField(forms.DateField):
    """A DateField that refuses dates outside TYPED_DATE_MIN..TYPED_DATE_MAX with the form's message."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators += [
            MinValueValidator(TYPED_DATE_MIN, message=_("Enter a date from 1900 to 2100.")),
            MaxValueValidator(TYPED_DATE_MAX, message=_("Enter a date from 1900 to 2100.")),
        ]
