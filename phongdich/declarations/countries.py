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
