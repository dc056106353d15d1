"""The phone numbers a citizen told "call" is given: the province's health hotline (a setting) and the Ministry of
Health's national one. The platform knows no commune health station's number (geo.Area and testing.TestingSite
keep none), so the exposure warning and the public list of places name these instead."""

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The health sector's hotline of the Ministry of Health (Bộ Y tế), 24/7 and free of charge; from 01/08/2020 the
# Ministry's only number for questions and reports about COVID-19. Source: Ministry of Health, as reported by
# aohsf.com/thong-tin-y-te/tu-01-8-2020-bo-y-te-su-dung-duy-nhat-duong-day-nong-1900-90.html ("Bộ Y tế chỉ sử dụng
# duy nhất số đường dây nóng ngành y tế (1900-9095)") and plo.vn/thoi-su/chuyen-huong-toan-bo-cuoc-goi-ve-dich-
# benh-corona-886672.html (calls to 1900 3228 moved to "tổng đài đường dây nóng của Bộ Y tế 19009095", 02/2020).
NATIONAL_HEALTH_HOTLINE = "1900 9095"

# What a hotline setting may hold: digits with spaces, dots, dashes or brackets between them, an optional leading +.
HOTLINE_PATTERN = re.compile(r"^\+?[0-9][0-9 .()-]{1,18}[0-9]$")


@dataclass(frozen=True)
class Hotline:
    label: Promise  # lazy: the page's language
    number: str  # as people dial it
    tel: str  # for the tel: link

    @classmethod
    def of(cls, label, number: str) -> "Hotline":
        return cls(label=label, number=number, tel=re.sub(r"[^0-9+]", "", number))


def health_hotlines() -> list[Hotline]:
    """The province's hotline first when it is set (PROVINCE_HEALTH_HOTLINE), then the Ministry's."""
    found = []
    if settings.PROVINCE_HEALTH_HOTLINE:
        found.append(Hotline.of(_("Provincial health hotline"), settings.PROVINCE_HEALTH_HOTLINE))
    found.append(Hotline.of(_("Ministry of Health hotline"), NATIONAL_HEALTH_HOTLINE))
    return found
