import datetime as dt

import pytest
from django.utils import timezone

from phongdich.config.celery import app
from phongdich.core.testing import make_province_with_communes
from phongdich.people.services import person_create
from phongdich.testing.models import LookupCode
from phongdich.testing.tasks import lookup_codes_prune_task


def test_the_prune_task_is_scheduled():
    entries = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "phongdich.testing.tasks.lookup_codes_prune_task" in entries


@pytest.mark.django_db
def test_the_prune_task_deletes_codes_expired_long_ago():
    areas = make_province_with_communes()
    person = person_create(actor=None, full_name="Lê Thị Hoa", address_area=areas["commune_a"], created_via="official")
    now = timezone.now()
    for challenge, expired_ago in (("old", dt.timedelta(days=2)), ("recent", dt.timedelta(hours=1))):
        expired = now - expired_ago
        LookupCode.objects.create(
            person=person, challenge=challenge, code_hash="x", created_at=expired, expires_at=expired
        )
    assert lookup_codes_prune_task.apply().get() == 1
    assert list(LookupCode.objects.values_list("challenge", flat=True)) == ["recent"]
