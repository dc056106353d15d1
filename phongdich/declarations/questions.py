"""The questions of the declaration forms: symptom and exposure codes with their labels, and vehicle types.

Source: /work/shared/RULES.md §6 (tokhaiyte.vn / NCOVI / VHD forms, from a public replica of the Dec-2021
tokhaiyte.vn page, consistent with meotips0043.blogspot.com/2022/12/instructions-for-4-ways-to-make-medical.html;
the entry list also in the VOH article dev5.voh.com.vn/chinh-tri-xa-hoi/huong-dan-khai-bao-y-te-toan-dan-de-phong-
lay-nhiem-covid-19-356682.html). Each item keeps its Vietnamese wording (the form's own) and an English one. Pages
translate the English msgid through the message catalogue, so another language is only a translation file; the
API and the paper form print both `vi` and `en` from here.

Codes are stable: they are stored in Declaration.symptoms / .exposures and read by the follow-up queue and the
health card. A code is never renamed; a new form version adds codes.
"""

from dataclasses import dataclass

from django.utils.translation import gettext, gettext_noop


@dataclass(frozen=True)
class Item:
    code: str
    vi: str
    en: str  # also the gettext msgid of the pages

    def label(self) -> str:
        """In the active language (message catalogues)."""
        return gettext(self.en)


def _items(*rows) -> dict[str, Item]:
    return {code: Item(code, vi, en) for code, vi, en in rows}


# RULES.md §6, question 2 of the domestic / whole-population forms: "sốt, ho, khó thở, viêm phổi, đau họng, mệt mỏi".
SYMPTOMS_DOMESTIC = _items(
    ("fever", "Sốt", gettext_noop("Fever")),
    ("cough", "Ho", gettext_noop("Cough")),
    ("dyspnoea", "Khó thở", gettext_noop("Shortness of breath")),
    ("pneumonia", "Viêm phổi", gettext_noop("Pneumonia")),
    ("sore_throat", "Đau họng", gettext_noop("Sore throat")),
    ("fatigue", "Mệt mỏi", gettext_noop("Tiredness")),
)
# RULES.md §6, entry form: "Sốt, Ho, Khó thở, Đau họng, Nôn/buồn nôn, Tiêu chảy, Xuất huyết ngoài da, Nổi ban ngoài da".
SYMPTOMS_ENTRY = _items(
    ("fever", "Sốt", gettext_noop("Fever")),
    ("cough", "Ho", gettext_noop("Cough")),
    ("dyspnoea", "Khó thở", gettext_noop("Shortness of breath")),
    ("sore_throat", "Đau họng", gettext_noop("Sore throat")),
    ("nausea_vomiting", "Nôn / buồn nôn", gettext_noop("Nausea or vomiting")),
    ("diarrhoea", "Tiêu chảy", gettext_noop("Diarrhoea")),
    ("skin_bleeding", "Xuất huyết ngoài da", gettext_noop("Bleeding under the skin")),
    ("rash", "Nổi ban ngoài da", gettext_noop("Skin rash")),
)
# RULES.md §6, question 3 of the domestic forms: "Người bệnh hoặc nghi ngờ, mắc bệnh COVID-19; Người từ nước có bệnh
# COVID-19; Người có biểu hiện (sốt, ho, khó thở, viêm phổi)".
EXPOSURES_DOMESTIC = _items(
    (
        "contact_case",
        "Người bệnh hoặc nghi ngờ mắc bệnh COVID-19",
        gettext_noop("A person who has or may have COVID-19"),
    ),
    (
        "from_country_with_cases",
        "Người từ nước có bệnh COVID-19",
        gettext_noop("A person from a country with COVID-19 cases"),
    ),
    (
        "contact_symptomatic",
        "Người có biểu hiện (sốt, ho, khó thở, viêm phổi)",
        gettext_noop("A person with fever, cough, shortness of breath or pneumonia"),
    ),
)
# RULES.md §6, entry form's exposure history in 14 days: farm / live-animal market / slaughterhouse / animals; close
# contact (< 2 m) with a person with nCoV respiratory illness.
EXPOSURES_ENTRY = _items(
    (
        "animal_farm_market",
        "Đến trang trại, chợ động vật sống, lò giết mổ hoặc tiếp xúc động vật",
        gettext_noop("Visited a farm, live-animal market or slaughterhouse, or touched animals"),
    ),
    (
        "close_contact_respiratory",
        "Tiếp xúc gần (< 2 m) với người mắc bệnh đường hô hấp do nCoV",
        gettext_noop("Close contact (under 2 m) with a person with nCoV respiratory illness"),
    ),
)

SYMPTOMS = {**SYMPTOMS_DOMESTIC, **SYMPTOMS_ENTRY}
EXPOSURES = {**EXPOSURES_DOMESTIC, **EXPOSURES_ENTRY}

# The short declaration of a venue check-in (three yes/no answers): a "yes" is stored under these codes.
SYMPTOMS_ANY = "any_listed"  # "one or more of the listed symptoms", not said which
SYMPTOMS[SYMPTOMS_ANY] = Item(
    SYMPTOMS_ANY, "Có ít nhất một dấu hiệu trong danh sách", gettext_noop("One of the listed signs")
)

# RULES.md §6, domestic movement block: "Máy bay / Tàu hỏa / Xe khách / Tàu thuyền / Cá nhân"; entry block:
# "Tàu bay / Tàu thuyền / Ô tô / Khác (ghi rõ)".
VEHICLES = _items(
    ("plane", "Máy bay", gettext_noop("Plane")),
    ("train", "Tàu hỏa", gettext_noop("Train")),
    ("coach", "Xe khách", gettext_noop("Coach")),
    ("ship", "Tàu thuyền", gettext_noop("Boat or ship")),
    ("private", "Cá nhân", gettext_noop("Own vehicle")),
    ("car", "Ô tô", gettext_noop("Car")),
    ("other", "Khác", gettext_noop("Other")),
)
VEHICLES_MOVEMENT = ("plane", "train", "coach", "ship", "private")
VEHICLES_ENTRY = ("plane", "ship", "car", "other")


def symptoms_for(kind: str) -> dict[str, Item]:
    return SYMPTOMS_ENTRY if kind == "entry" else SYMPTOMS_DOMESTIC


def exposures_for(kind: str) -> dict[str, Item]:
    return EXPOSURES_ENTRY if kind == "entry" else EXPOSURES_DOMESTIC


def vehicles_for(kind: str) -> tuple[str, ...]:
    return VEHICLES_ENTRY if kind == "entry" else VEHICLES_MOVEMENT
