import importlib

import pytest

from phongdich.healthcards.inputs import input_providers, register_input_provider, unregister_input_provider
from phongdich.healthcards.models import StatusRuleSet

DEFAULT = importlib.import_module("phongdich.healthcards.migrations.0002_default_rule_set")


@pytest.fixture(autouse=True)
def _signing_key_in_tmp(settings, tmp_path):
    # Each test gets its own personal QR key file, never the developer's var/keys.
    settings.SIGNING_KEY_PEM = ""
    settings.SIGNING_KEY_FILE = tmp_path / "keys" / "personal-qr.pem"


@pytest.fixture
def default_rule_set(db):
    """The seeded default set (data migration 0002); re-created after a transactional test flushed it."""
    rule_set = StatusRuleSet.objects.filter(area__isnull=True, name=DEFAULT.NAME).first()
    if rule_set is None:
        rule_set = StatusRuleSet.objects.create(
            name=DEFAULT.NAME,
            area=None,
            effective_from=DEFAULT.EFFECTIVE_FROM,
            rules=DEFAULT.RULES,
            source=DEFAULT.SOURCE,
        )
    return rule_set


@pytest.fixture
def provide():
    """Register input providers for one test: `provide("vaccination", lambda *, person, at: {...})`.

    Afterwards the providers the apps registered are back as they were (a test may replace a real one)."""
    before = input_providers()
    names = []

    def register(name, fn):
        names.append(name)
        register_input_provider(name, fn)

    yield register
    for name in names:
        unregister_input_provider(name)
        if name in before:
            register_input_provider(name, before[name])
