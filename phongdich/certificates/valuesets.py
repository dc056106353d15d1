"""The EU DCC value sets bundled in certificates/valuesets/ (see valuesets/SOURCE.md).

Codes written into a certificate's payload (tg, vp, mp, ma, tt, tr, co) come from these lists:
"Value Sets for Digital Covid Certificates", eHealth Network, v1.0 2021-04-16 and later updates
(https://github.com/ehn-dcc-development/eu-dcc-valuesets). Each function returns {code: display};
inactive (deprecated) codes are left out unless `include_inactive=True`, so forms only offer what may
still be issued, while a verifier can still show the name of an old code.
"""

import json
from functools import cache, lru_cache
from pathlib import Path

VALUESET_DIR = Path(__file__).resolve().parent / "valuesets"

VALUESET_NAMES = (
    "vaccine-prophylaxis",
    "vaccine-medicinal-product",
    "vaccine-mah-manf",
    "test-type",
    "test-manf",
    "test-result",
    "disease-agent-targeted",
    "country-2-codes",
)


@cache
def _valueset_raw(name: str) -> dict:
    if name not in VALUESET_NAMES:
        raise KeyError(f"unknown EU DCC value set: {name}")
    with open(VALUESET_DIR / f"{name}.json", encoding="utf-8") as f:
        return json.load(f)


def valueset_entries(name: str) -> dict[str, dict]:
    """The full entries {code: {display, lang, active, system, version}} of a value set."""
    return dict(_valueset_raw(name)["valueSetValues"])


def valueset(name: str, *, include_inactive: bool = False) -> dict[str, str]:
    """{code: display} of the value set `name` (a file name without .json)."""
    return {
        code: entry["display"]
        for code, entry in _valueset_raw(name)["valueSetValues"].items()
        if include_inactive or entry.get("active", True)
    }


def valueset_display(name: str, code: str) -> str:
    """The display text of `code`, or the code itself when it is not in the (bundled) value set."""
    entry = _valueset_raw(name)["valueSetValues"].get(code)
    return entry["display"] if entry else code


def vaccine_prophylaxis(*, include_inactive: bool = False) -> dict[str, str]:
    return valueset("vaccine-prophylaxis", include_inactive=include_inactive)


def vaccine_products(*, include_inactive: bool = False) -> dict[str, str]:
    return valueset("vaccine-medicinal-product", include_inactive=include_inactive)


def vaccine_manufacturers(*, include_inactive: bool = False) -> dict[str, str]:
    return valueset("vaccine-mah-manf", include_inactive=include_inactive)


def test_types(*, include_inactive: bool = False) -> dict[str, str]:
    return valueset("test-type", include_inactive=include_inactive)


def test_results(*, include_inactive: bool = False) -> dict[str, str]:
    return valueset("test-result", include_inactive=include_inactive)


def test_devices(*, include_inactive: bool = False) -> dict[str, str]:
    """Rapid antigen test devices (JRC database ids), for the `ma` field of a test certificate."""
    return valueset("test-manf", include_inactive=include_inactive)


def diseases(*, include_inactive: bool = False) -> dict[str, str]:
    return valueset("disease-agent-targeted", include_inactive=include_inactive)


def countries(*, include_inactive: bool = False) -> dict[str, str]:
    return valueset("country-2-codes", include_inactive=include_inactive)


@lru_cache(maxsize=1)
def dcc_schema() -> dict:
    """The EU DCC payload JSON schema 1.3.0 (DCC.combined-schema.json)."""
    with open(VALUESET_DIR / "DCC.combined-schema.json", encoding="utf-8") as f:
        return json.load(f)


# Not tests, whatever pytest thinks of names starting with "test_".
test_types.__test__ = False  # type: ignore[attr-defined]
test_results.__test__ = False  # type: ignore[attr-defined]
test_devices.__test__ = False  # type: ignore[attr-defined]
