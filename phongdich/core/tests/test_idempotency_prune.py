"""Remembered idempotency keys (API writes) and form nonces (pages) are forgotten after IDEMPOTENCY_KEEP_HOURS:
their stored answers can hold personal data."""

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.core.api import idempotency_keys_prune
from phongdich.core.models import IdempotencyKey

pytestmark = pytest.mark.django_db


def _key(name: str, hours_ago: float) -> IdempotencyKey:
    key = IdempotencyKey.objects.create(
        principal="user:1", key=name, method="POST", path="/x/", request_hash="", status_code=201, response_body={}
    )
    IdempotencyKey.objects.filter(pk=key.pk).update(created_at=timezone.now() - dt.timedelta(hours=hours_ago))
    return key


def test_keys_older_than_the_setting_are_forgotten_and_newer_ones_kept(settings):
    settings.IDEMPOTENCY_KEEP_HOURS = 24
    _key("old", 25)
    _key("form:recent", 23)
    assert idempotency_keys_prune() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["form:recent"]


def test_the_prune_is_on_the_beat_schedule():
    from phongdich.config.celery import app

    entry = app.conf.beat_schedule["idempotency-keys-prune"]
    assert entry["task"] == "phongdich.core.tasks.idempotency_keys_prune_task"
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery of each app's tasks
    assert entry["task"] in app.tasks
