"""A certificate's fields as people read them: value-set codes named in the page's language, dates dd/mm/yyyy,
times in Vietnam time. The EU value sets are in English only; the few codes this province issues (and a checker
meets most) have a Vietnamese name here, any other code shows the value set's English display text."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import valuesets

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

NAMES = {
    "test-result": {
        "260415000": pgettext_lazy("test result", "Not detected (negative)"),
        "260373001": pgettext_lazy("test result", "Detected (positive)"),
    },
    "test-type": {
        "LP6464-4": pgettext_lazy("EU DCC value set", "Nucleic acid amplification (RT-PCR)"),
        "LP217198-3": pgettext_lazy("EU DCC value set", "Rapid antigen test"),
    },
    "vaccine-prophylaxis": {
        "1119349007": pgettext_lazy("EU DCC value set", "SARS-CoV-2 mRNA vaccine"),
        "1119305005": pgettext_lazy("EU DCC value set", "SARS-CoV-2 antigen vaccine"),
        "29061000087103": pgettext_lazy("EU DCC value set", "COVID-19 non-replicating viral vector vaccine"),
        "1157024006": pgettext_lazy("EU DCC value set", "Inactivated whole SARS-CoV-2 antigen vaccine"),
        "J07BX03": pgettext_lazy("EU DCC value set", "COVID-19 vaccine"),
        "28531000087107": pgettext_lazy("EU DCC value set", "COVID-19 vaccine"),
    },
}


def name(valueset: str, code) -> str:
    """The code's name in the active language when we have one, else the value set's (English) display text."""
    if code in NAMES.get(valueset, {}):
        return str(NAMES[valueset][code])
    return valuesets.valueset_display(valueset, code) if code else "—"


def date_text(value) -> str:
    """'1992-03-14' -> '14/03/1992'; a partial date ('1992', '1992-03') as the payload has it, reordered."""
    if not value:
        return "—"
    parts = str(value).split("-")
    return "/".join(reversed(parts)) if all(part.isdigit() for part in parts) else str(value)


def datetime_text(value) -> str:
    """An ISO time with offset ('2026-12-03T01:11:00Z') in Vietnam time: '03/12/2026 08:11'."""
    if not value:
        return "—"
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return f"{moment.astimezone(LOCAL_TZ):%d/%m/%Y %H:%M}"


def kind_name(kind) -> str:
    return str({"v": _("Vaccination"), "t": _("Test"), "r": _("Recovery")}.get(kind, "—"))


def verifier_rows(summary: dict) -> list[tuple[str, str]]:
    """(label, value) that a checker must see besides the name: the type and, per type, what tells a dose 1/2
    from a full course, a test's result and sample time, a recovery's dates (api.certificate_summary)."""
    entry = summary.get("entry") or {}
    kind = summary.get("type")
    rows = [(str(pgettext_lazy("certificate", "Certificate type")), kind_name(kind))]
    if kind == "v":
        rows += [
            (str(pgettext_lazy("certificate", "Dose")), f"{entry.get('dn', '?')}/{entry.get('sd', '?')}"),
            (str(pgettext_lazy("certificate", "Vaccine")), name("vaccine-medicinal-product", entry.get("mp"))),
            (str(pgettext_lazy("certificate", "Date of vaccination")), date_text(entry.get("dt"))),
        ]
    elif kind == "t":
        rows += [
            (str(pgettext_lazy("certificate", "Type of test")), name("test-type", entry.get("tt"))),
            (str(pgettext_lazy("certificate", "Result")), name("test-result", entry.get("tr"))),
            (str(pgettext_lazy("certificate", "Sample collected")), datetime_text(entry.get("sc"))),
        ]
    elif kind == "r":
        rows += [
            (str(pgettext_lazy("certificate", "First positive result")), date_text(entry.get("fr"))),
            (str(pgettext_lazy("certificate", "Valid from")), date_text(entry.get("df"))),
            (str(pgettext_lazy("certificate", "Valid until")), date_text(entry.get("du"))),
        ]
    return rows


def partial_course(summary: dict | None) -> tuple[int, int] | None:
    """(dose number, doses in the series) of a vaccination certificate for a course not yet complete (dn < sd),
    else None: the certificate is valid, but its holder is not fully vaccinated, and a checker must see that before
    reading the rows (the EU DCC marks a completed course by dn = sd; Regulation (EU) 2021/953, Annex, "dn"/"sd")."""
    if not summary or summary.get("type") != "v":
        return None
    entry = summary.get("entry") or {}
    dose, series = entry.get("dn"), entry.get("sd")
    if isinstance(dose, int) and isinstance(series, int) and 0 < dose < series:
        return dose, series
    return None
