"""Countries: the ISO 3166-1 list of the `pycountry` package, named in the active language.

Names come from pycountry's own gettext catalogue (iso3166-1 domain, in pycountry.LOCALES_DIR, from the
Debian iso-codes project); a language without a catalogue falls back to English. So a new page language
needs no country list of its own.
"""

import functools
import gettext

import pycountry
from django.utils import translation

from phongdich.core.errors import ApplicationError
from phongdich.core.text import fold

from . import errors


@functools.cache
def _codes() -> dict[str, str]:
    # alpha-2 → English name (common name where the standard has one: "Viet Nam" → common "Vietnam" is not in 3166)
    return {country.alpha_2: country.name for country in pycountry.countries}


# The iso-codes Vietnamese catalogue dates from decades ago: "Căm Bốt", "Cộng hoà Nam Hàn", "Ba Tư", "A Phú Hãn",
# "Đài Loan, Tỉnh Trung Quốc"... (walk-through of 2026-12-06). The countries people arrive from or travel to most
# are named as Việt Nam's Ministry of Foreign Affairs (mofa.gov.vn, "Quan hệ với các nước") and the press write
# them today; the rest keep the catalogue's names.
VIETNAMESE_NAMES = {
    "AE": "Các Tiểu vương quốc Ả Rập Thống nhất",
    "AF": "Afghanistan",
    "AM": "Armenia",
    "AR": "Argentina",
    "AT": "Áo",
    "AU": "Australia",
    "AZ": "Azerbaijan",
    "BD": "Bangladesh",
    "BG": "Bulgaria",
    "BH": "Bahrain",
    "BN": "Brunei",
    "BR": "Brazil",
    "BT": "Bhutan",
    "BY": "Belarus",
    "CA": "Canada",
    "CL": "Chile",
    "CO": "Colombia",
    "CU": "Cuba",
    "CZ": "Séc",
    "DZ": "Algeria",
    "ET": "Ethiopia",
    "GB": "Vương quốc Anh",
    "GE": "Gruzia",
    "HK": "Hồng Kông (Trung Quốc)",
    "HU": "Hungary",
    "ID": "Indonesia",
    "IE": "Ireland",
    "IL": "Israel",
    "IN": "Ấn Độ",
    "IQ": "Iraq",
    "IR": "Iran",
    "IT": "Italy",
    "JO": "Jordan",
    "JP": "Nhật Bản",
    "KE": "Kenya",
    "KG": "Kyrgyzstan",
    "KH": "Campuchia",
    "KP": "Triều Tiên",
    "KR": "Hàn Quốc",
    "KW": "Kuwait",
    "KZ": "Kazakhstan",
    "LA": "Lào",
    "LB": "Liban",
    "LK": "Sri Lanka",
    "LY": "Libya",
    "MA": "Maroc",
    "MM": "Myanmar",
    "MO": "Ma Cao (Trung Quốc)",
    "MV": "Maldives",
    "MX": "Mexico",
    "MY": "Malaysia",
    "NG": "Nigeria",
    "NL": "Hà Lan",
    "NP": "Nepal",
    "NZ": "New Zealand",
    "OM": "Oman",
    "PE": "Peru",
    "PH": "Philippines",
    "PK": "Pakistan",
    "QA": "Qatar",
    "RO": "Romania",
    "RU": "Liên bang Nga",
    "SA": "Ả Rập Xê Út",
    "SE": "Thụy Điển",
    "SG": "Singapore",
    "SK": "Slovakia",
    "SY": "Syria",
    "TJ": "Tajikistan",
    "TL": "Timor-Leste",
    "TM": "Turkmenistan",
    "TR": "Thổ Nhĩ Kỳ",
    "TW": "Đài Loan (Trung Quốc)",
    "UA": "Ukraine",
    "US": "Hoa Kỳ",
    "UZ": "Uzbekistan",
    "VA": "Tòa Thánh Vatican",
    "VE": "Venezuela",
    "YE": "Yemen",
}


@functools.cache
def _catalogue(language: str):
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
    except OSError:
        return gettext.NullTranslations()


def country_codes() -> frozenset[str]:
    return frozenset(_codes())


def country_name(code: str, language: str | None = None) -> str:
    """The country's name in `language` (default: the active language); "" for an unknown code."""
    english = _codes().get((code or "").upper(), "")
    if not english:
        return ""
    language = (language or translation.get_language() or "vi")[:2]
    if language == "vi" and code.upper() in VIETNAMESE_NAMES:
        return VIETNAMESE_NAMES[code.upper()]
    return english if language == "en" else _catalogue(language).gettext(english)


@functools.cache
def _choices(language: str) -> tuple[tuple[str, str], ...]:
    names = [(code, country_name(code, language)) for code in _codes()]
    return tuple(sorted(names, key=lambda item: fold(item[1])))


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    """(alpha-2, name) sorted by name in the language (diacritics ignored)."""
    return list(_choices((language or translation.get_language() or "vi")[:2]))


def country_validate(code, *, field: str = "nationality") -> str:
    """An ISO 3166-1 alpha-2 code, upper-cased; unknown_country otherwise."""
    text = str(code or "").strip().upper()
    if text not in _codes():
        raise ApplicationError(errors.UNKNOWN_COUNTRY, extra={"field": field, "value": text[:10]})
    return text
