"""Officials work in Django's admin in Vietnamese: every app, model and field of the project that the admin shows
has a Vietnamese name (and an English one at /en/admin/), no model change is left without its migration, and the
models' choices (which forms show, on English pages too) have English labels."""

import io

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import models
from django.utils import translation

# Names that are the same word in both languages.
SAME_IN_BOTH = {"email", "url", "nonce", "token", "hash", "ip", "qr", "sms", "json", "kid"}


def _project_models():
    return [model for model in admin.site._registry if model.__module__.startswith("phongdich.")]


def _both(text) -> tuple[str, str]:
    with translation.override("vi"):
        vi = str(text)
    with translation.override("en"):
        en = str(text)
    return vi, en


@pytest.mark.django_db
def test_no_model_change_is_left_without_its_migration():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_every_project_app_and_model_in_the_admin_has_a_vietnamese_name():
    untranslated = []
    for model in _project_models():
        meta = model._meta
        for what, text in [("app", meta.app_config.verbose_name), ("model", meta.verbose_name_plural)]:
            vi, en = _both(text)
            if vi == en and vi.lower() not in SAME_IN_BOTH:
                untranslated.append(f"{meta.label} {what}: {vi}")
    assert not untranslated, untranslated


def test_every_field_the_admin_shows_has_a_vietnamese_name():
    untranslated = []
    for model in _project_models():
        for field in model._meta.get_fields():
            if not field.concrete or isinstance(field, models.AutoField) or field.auto_created:
                continue
            vi, en = _both(field.verbose_name)
            if vi == en and vi.lower() not in SAME_IN_BOTH:
                untranslated.append(f"{model._meta.label}.{field.name}: {vi}")
    assert not untranslated, untranslated


def test_every_choice_label_of_the_project_reads_in_english_on_english_pages():
    """A label written in Vietnamese in the model (as they all were until 2026-12-06) shows in Vietnamese on the
    English test registration form, say: in English no label may hold a Vietnamese letter."""
    from django.apps import apps

    vietnamese = []
    for model in apps.get_models():
        if not model.__module__.startswith("phongdich."):
            continue
        for field in model._meta.get_fields():
            for value, label in getattr(field, "flatchoices", None) or []:
                with translation.override("en"):
                    text = str(label)
                if any(not char.isascii() and char.isalpha() for char in text):
                    vietnamese.append(f"{model._meta.label}.{field.name}={value}: {text}")
    assert not vietnamese, vietnamese


@pytest.mark.django_db
def test_the_admin_index_reads_in_vietnamese_and_in_english(admin_client):
    vi = admin_client.get("/admin/").content.decode()
    en = admin_client.get("/en/admin/").content.decode()
    assert "Người tiếp xúc" in vi and "Contacts" not in vi
    assert "Contacts" in en and "Người tiếp xúc" not in en


@pytest.mark.django_db
def test_reference_data_is_named_in_the_pages_language(client):
    """Venue types, ports of entry and priority groups are kept in both languages: forms, lists and the admin
    show the page's (a foreigner's entry declaration used to list the ports in Vietnamese in the admin)."""
    from phongdich.declarations.models import PortOfEntry
    from phongdich.vaccination.models import PriorityGroup
    from phongdich.venues.models import VenueType

    for model in (VenueType, PortOfEntry, PriorityGroup):
        row = model.objects.exclude(name_en="").first()
        with translation.override("en"):
            assert row.name == row.name_en and row.name_en in str(row)
        with translation.override("vi"):
            assert row.name == row.name_vi and row.name_vi in str(row)

    group = PriorityGroup.objects.filter(active=True).order_by("order").first()
    english_form = client.get("/en/vaccination/register/").content.decode()
    assert group.name_en.split(";")[0] in english_form and group.name_vi.split(";")[0] not in english_form


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["created_at__gte=0001-01-01", "created_at__year=99999", "created_at__year=99999999999999999999"],
)
def test_a_change_list_filter_past_the_calendar_is_the_admins_invalid_filter_answer(admin_client, query):
    """These were 500s on every change list with a date (fuzzing, 2026-12-06)."""
    response = admin_client.get(f"/admin/cases/case/?{query}")
    if response.status_code == 302:  # SQLite's adapter overflows; PostgreSQL's takes year 1 as it is (200)
        assert response["Location"] == "/admin/cases/case/?e=1"
        response = admin_client.get(response["Location"])
    assert response.status_code == 200


def _po_entries(path):
    """(context, msgid, msgstr) of a .po file: enough of the format for our catalogues (of a plural entry, the
    singular and its first form)."""
    import ast

    entries, current, field = [], {}, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if not line:
            if "msgid" in current:
                entries.append((current.get("msgctxt"), current["msgid"], current.get("msgstr", "")))
            current, field = {}, None
        elif line.startswith(("msgctxt ", "msgid ", "msgstr ", "msgid_plural ", "msgstr[")):
            field, _, text = line.partition(" ")
            field = {"msgstr[0]": "msgstr"}.get(field, field)  # other plural forms are read, and not returned
            current[field] = ast.literal_eval(text)
        elif line.startswith('"') and field:
            current[field] += ast.literal_eval(line)
    return entries


def test_every_text_in_a_catalogue_reads_in_vietnamese():
    """An empty translation in one app's catalogue is fine when another app's gives it (Django merges them); a
    text none translates showed in English on Vietnamese pages (my_qr.html, walk-through of 2026-12-06)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    missing = []
    with translation.override("vi"):
        for po in sorted(root.glob("**/locale/vi/LC_MESSAGES/django.po")):
            for context, msgid, msgstr in _po_entries(po):
                if not msgid or msgstr:
                    continue
                said = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
                if said == msgid:
                    missing.append((po.parent.parent.parent.parent.name, msgid[:60]))
    assert missing == []
