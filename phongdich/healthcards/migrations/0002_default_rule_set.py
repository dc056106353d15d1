"""The default status rule set: Khánh Hòa's PC-COVID card rules (RULES.md §5) and the issue's red rule."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import migrations

SOURCE = (
    "Green, yellow and red: the rules Khánh Hòa set for the 'Thẻ thông tin Covid' of PC-COVID 4.0.4 "
    "(06–07/10/2021), the first province to do so: green = 2 doses (or 1 dose of a single-dose vaccine) + 14 days, "
    "or recovered F0 with a certificate within 180 days; yellow = first dose at least 2 weeks ago, or a negative "
    "PCR within 72 hours; red = everyone else. "
    "vnexpress.net/the-thong-tin-tren-pc-covid-da-doi-mau-theo-dia-phuong-4368747.html (../shared/RULES.md §5). "
    "Red first for an active case or quarantine and for symptoms declared in the last 14 days: Phòng Dịch issue 3, "
    "item 5 ('Health status card')."
)

RULES = [
    {
        "colour": "red",
        "note": "Issue 3 item 5: an active case, a person in quarantine, or symptoms declared in the last 14 days.",
        "when": {
            "any": [
                {"input": "active_case"},
                {"input": "in_quarantine"},
                {"input": "symptoms_within_days", "days": 14},
            ]
        },
    },
    {
        "colour": "green",
        "note": "Khánh Hòa: 2 doses (or 1 of a single-dose vaccine) + 14 days, or recovered F0 within 180 days.",
        "when": {"any": [{"input": "full_vaccination", "min_days": 14}, {"input": "recovered", "max_days": 180}]},
    },
    {
        "colour": "yellow",
        "note": "Khánh Hòa: first dose at least 2 weeks ago, or a negative PCR test within 72 hours.",
        "when": {
            "any": [
                {"input": "first_dose", "min_days": 14},
                {"input": "negative_test", "kinds": ["pcr"], "max_hours": 72},
            ]
        },
    },
    {"colour": "red", "note": "Khánh Hòa: everyone else.", "when": {"always": True}},
]

# The day PC-COVID 4.0.4 brought the province-set card colours (vnexpress source above), Vietnam time.
EFFECTIVE_FROM = datetime(2021, 10, 6, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
NAME = "Mặc định – quy tắc Khánh Hòa (PC-COVID, 10/2021)"


def seed(apps, schema_editor):
    StatusRuleSet = apps.get_model("healthcards", "StatusRuleSet")
    if not StatusRuleSet.objects.filter(area__isnull=True, name=NAME).exists():
        StatusRuleSet.objects.create(name=NAME, area=None, effective_from=EFFECTIVE_FROM, rules=RULES, source=SOURCE)


def unseed(apps, schema_editor):
    apps.get_model("healthcards", "StatusRuleSet").objects.filter(area__isnull=True, name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("healthcards", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
