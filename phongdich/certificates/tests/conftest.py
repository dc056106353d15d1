import datetime as dt

import pytest

from phongdich.certificates import keys
from phongdich.certificates.sources import (
    RecoveryFacts,
    TestFacts,
    VaccinationFacts,
    register_certificate_source,
    unregister_certificate_source,
)


@pytest.fixture(autouse=True)
def dcc_dirs(settings, tmp_path):
    """Each test signs with its own key in a temporary folder: nothing touches var/dcc."""
    settings.DCC_KEY_DIR = tmp_path / "dcc"
    settings.DCC_TRUST_DIR = tmp_path / "dcc" / "trust"
    keys._cache.clear()
    keys._trust_cache.clear()
    yield
    keys._cache.clear()
    keys._trust_cache.clear()


VACCINATION = VaccinationFacts(
    vaccine_prophylaxis="1119349007",
    medicinal_product="EU/1/20/1528",
    manufacturer="ORG-100030215",
    dose_number=2,
    total_doses=2,
    given_on=dt.date(2021, 9, 20),
)
NEGATIVE_PCR = TestFacts(
    test_type="LP6464-4",
    sampled_at=dt.datetime(2021, 10, 1, 8, 30, tzinfo=dt.UTC),
    result="260415000",
    facility="CDC Thanh Hóa",
    test_name="RT-PCR SARS-CoV-2",
)
RECOVERY = RecoveryFacts(
    first_positive_on=dt.date(2021, 8, 1), valid_from=dt.date(2021, 8, 12), valid_until=dt.date(2022, 1, 28)
)


@pytest.fixture
def source():
    """Register a fake certificate source: `source({person_pk: [(key, facts), ...]})`; unregistered after."""
    records: dict = {}

    def provide(by_person: dict):
        records.clear()
        records.update(by_person)

    register_certificate_source("test-source", lambda *, person: list(records.get(person.pk, [])))
    yield provide
    unregister_certificate_source("test-source")
