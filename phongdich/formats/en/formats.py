# Dates typed into a form in English. Django's English formats read "01/12/2021" month first (12 January); in
# Vietnam, where the officials and residents using the English pages live, it means 1 December, as in British
# English. So English reads dates as Vietnamese does (phongdich/formats/vi/formats.py), and also with the month's
# English name. Everything else is Django's English.
from phongdich.formats.vi.formats import DATE_INPUT_FORMATS as _VIETNAMESE_DATES
from phongdich.formats.vi.formats import DATETIME_INPUT_FORMATS

DATE_INPUT_FORMATS = [*_VIETNAMESE_DATES, "%d %b %Y", "%d %B %Y"]  # 01 Dec 2021, 01 December 2021

__all__ = ["DATE_INPUT_FORMATS", "DATETIME_INPUT_FORMATS"]
