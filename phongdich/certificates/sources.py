"""What a certificate can be issued for, without this app reading other apps' tables.

The vaccination and testing apps (and cases, for recovery) register a source in their AppConfig.ready:
`register_certificate_source("vaccination", fn)`, where `fn(person)` returns a list of
(source_key, facts) for everything about that person that deserves a certificate: facts are the
dataclasses below, source_key is a stable string such as "vaccination.dose:42" so the same record
always maps to the same certificate (issuing again is idempotent). certificates.services issues,
stores and revokes; it calls the sources when a citizen looks up their certificates.

Field meanings follow the EU DCC JSON schema 1.3.x (v/t/r entries); codes come from the EU DCC value
sets bundled in certificates/valuesets/.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from phongdich.core.registry import Registry

DISEASE_COVID19 = "840539006"  # SNOMED CT, EU DCC value set disease-agent-targeted


@dataclass(frozen=True)
class VaccinationFacts:
    vaccine_prophylaxis: str  # vp, e.g. "J07BX03"
    medicinal_product: str  # mp, e.g. "EU/1/20/1528"
    manufacturer: str  # ma, e.g. "ORG-100030215"
    dose_number: int  # dn
    total_doses: int  # sd
    given_on: dt.date  # dt
    country: str = "VN"  # co
    issuer: str = ""  # is; empty: settings.DCC_ISSUER
    disease: str = DISEASE_COVID19


@dataclass(frozen=True)
class TestFacts:
    test_type: str  # tt: "LP6464-4" (NAAT/RT-PCR) or "LP217198-3" (rapid antigen)
    sampled_at: dt.datetime  # sc
    result: str  # tr: "260415000" not detected, "260373001" detected
    facility: str  # tc
    test_name: str = ""  # nm (NAAT)
    device: str = ""  # ma (RAT device id from the value set)
    country: str = "VN"
    issuer: str = ""
    disease: str = DISEASE_COVID19


@dataclass(frozen=True)
class RecoveryFacts:
    first_positive_on: dt.date  # fr
    valid_from: dt.date  # df
    valid_until: dt.date  # du
    country: str = "VN"
    issuer: str = ""
    disease: str = DISEASE_COVID19


Facts = VaccinationFacts | TestFacts | RecoveryFacts
Source = Callable[..., list[tuple[str, Facts]]]
_SOURCES: Registry[Source] = Registry()
register_certificate_source = _SOURCES.register
unregister_certificate_source = _SOURCES.unregister
certificate_sources = _SOURCES.copy


def certificate_facts_for(person) -> list[tuple[str, Facts]]:
    """Everything every registered source says deserves a certificate for `person`."""
    found: list[tuple[str, Facts]] = []
    for _name, fn in _SOURCES.items():
        found.extend(fn(person=person))
    return found
