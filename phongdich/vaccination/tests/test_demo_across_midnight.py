"""The vaccination demo when the build began the day before (a 3,000-person build takes minutes and may run past
midnight): its coming sessions start on the day they are made, which session_create accepts."""

import datetime as dt
import random
from types import SimpleNamespace

import pytest
from django.utils import timezone

from phongdich.core.testing import make_area

from ..demo import demo_extend
from ..models import VaccinationSession

pytestmark = pytest.mark.django_db


def test_a_demo_begun_yesterday_makes_its_coming_sessions_from_today():
    district = make_area("391", "Huyện Thạch Thành", "district", make_area("38", "Tỉnh Thanh Hóa", "province"))
    make_area("15187", "Thị trấn Kim Tân", "commune", district)
    today = timezone.localdate()
    builder = SimpleNamespace(rng=random.Random(2), today=today - dt.timedelta(days=1), all_person_ids=[], password="x")

    demo_extend(builder=builder, log=lambda text: None)  # invalid_session for yesterday's "today" before

    coming = VaccinationSession.objects.filter(created_by__username="tiemchung.thachthanh", date__gte=today)
    assert sorted({session.date for session in coming}) == [today + dt.timedelta(days=d) for d in range(6)]
