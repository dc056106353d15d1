"""The infectious-window rules in force since 30/07/2021 (RULES.md §1.2). Before that date no rule is loaded
(QĐ 3468/QĐ-BYT of 2020 was not read): an official adds one in the admin if older cases must be traced."""

import datetime as dt

from django.db import migrations

RULES = [
    {
        "code": "qd3638_2021",
        "name": "QĐ 3638/QĐ-BYT (30/07/2021)",
        "source": "QĐ 3638/QĐ-BYT 30/07/2021, as quoted by luatvietnam.vn/tin-phap-luat/om-hon-f0-la-f1-230-34852-article.html"
        " (RULES.md §1.2): 3 days before onset; asymptomatic: first contact with a known source, else 14 days"
        " before the confirmatory sample; no minimum duration.",
        "effective_from": dt.date(2021, 7, 30),
        "days_before_onset": 3,
        "days_before_sample": 14,
        "known_source_starts_window": True,
        "min_overlap_minutes": 0,
    },
    {
        "code": "cv11042_2021",
        "name": "CV 11042/BYT-DP (29/12/2021)",
        "source": "CV 11042/BYT-DP 29/12/2021, baodansinh.vn/bo-y-te-huong-dan-xac-dinh-la-f1-20211230085416.htm and"
        " baovephapluat.vn (RULES.md §1.2): 2 days before onset or before the positive sample; masked contact"
        " counts from 15 minutes.",
        "effective_from": dt.date(2021, 12, 29),
        "days_before_onset": 2,
        "days_before_sample": 2,
        "known_source_starts_window": False,
        "min_overlap_minutes": 15,
    },
    {
        "code": "cv1909_2022",
        "name": "CV 1909/BYT-DP (15/04/2022)",
        "source": "CV 1909/BYT-DP 15/04/2022, english.luatvietnam.vn/…-219702-Doc6.html (RULES.md §1.2): the"
        " transmission period of CV 11042 kept; 1 m instead of 2 m; 15 minutes.",
        "effective_from": dt.date(2022, 4, 15),
        "days_before_onset": 2,
        "days_before_sample": 2,
        "known_source_starts_window": False,
        "min_overlap_minutes": 15,
    },
]


def load(apps, schema_editor):
    Rule = apps.get_model("cases", "InfectiousWindowRule")
    for rule in RULES:
        Rule.objects.update_or_create(code=rule["code"], defaults=rule)


def unload(apps, schema_editor):
    apps.get_model("cases", "InfectiousWindowRule").objects.filter(code__in=[r["code"] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
