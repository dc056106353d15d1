"""The API speaks the language the client asks for (Accept-Language; Vietnamese by default): its `message` and DRF's
field messages in `extra.fields` (core.middleware.ApiLanguageMiddleware)."""

import pytest

pytestmark = pytest.mark.django_db


def test_api_error_message_follows_accept_language_en(client, tree, kim_tan_official):
    """docs/api.md: `message` is the message in the requested language. With `Accept-Language: en` the API used to
    answer Vietnamese: /api/ is outside i18n_patterns, and Django's LocaleMiddleware forces LANGUAGE_CODE on every
    path without a language prefix when prefix_default_language is False (django/middleware/locale.py)."""
    client.force_login(kim_tan_official)
    body = client.get("/api/v1/cases/", {"status": "bogus"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["code"] == "cases_invalid_filter"
    assert body["message"] == body["message_en"] == "Invalid filter (status, level, area or date)."


def test_api_field_errors_follow_accept_language_en(client, tree, kim_tan_official):
    """`extra.fields` (DRF's messages) exist in one language only, the active one: with `Accept-Language: en` an
    English client read "Trường này là bắt buộc." (and, where DRF has no Vietnamese, English: a mix)."""
    client.force_login(kim_tan_official)
    response = client.post("/api/v1/cases/", {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["person"] == ["This field is required."]


def test_without_accept_language_the_api_answers_vietnamese(client, tree, kim_tan_official):
    client.force_login(kim_tan_official)
    response = client.get("/api/v1/cases/", {"status": "bogus"})
    assert response.json()["message"] == response.json()["message_vi"]
    assert response["Content-Language"] == "vi"
    english = client.get("/api/v1/cases/", {"status": "bogus"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english["Content-Language"] == "en"


WRONG_TYPES = [
    # (body, field, English as DRF words it, the Vietnamese this project gives it: phongdich/locale)
    (
        {"contacts": "12", "status": "confirmed"},
        "contacts",
        'Expected a list of items but got type "str".',
        "Cần một danh sách nhưng nhận được kiểu “str”.",
    ),
    (
        {"contacts": ["abc"], "status": "confirmed"},
        "contacts",
        "A valid integer is required.",
        "Phải là một số nguyên hợp lệ.",
    ),
    (
        {"contacts": [1], "status": "bogus"},
        "status",
        '"bogus" is not a valid choice.',
        "“bogus” không phải là một lựa chọn hợp lệ.",
    ),
    # 501 contacts: `contacts_too_many` since 2026-12-07, not DRF's message (test_contacts_status).
    (
        {"contacts": [1], "status": "quarantined", "quarantine_start": "7/12"},
        "quarantine_start",
        "Not a valid date: give a date that exists, as YYYY-MM-DD (for example 2021-09-14).",
        "Ngày không hợp lệ: cần một ngày có thật, viết theo dạng YYYY-MM-DD (ví dụ 2021-09-14).",
    ),
    (
        [1, 2],
        "non_field_errors",
        "Invalid data. Expected a dictionary, but got list.",
        "Dữ liệu không hợp lệ. Cần một đối tượng (từ điển) nhưng nhận được list.",
    ),
]


def _first(messages):
    """A list's item errors are keyed by position: {"0": [...]}."""
    return messages["0"] if isinstance(messages, dict) else messages


@pytest.mark.parametrize("body, field, english, vietnamese", WRONG_TYPES)
def test_drf_field_messages_are_in_the_answers_language(
    client, tree, kim_tan_official, body, field, english, vietnamese
):
    """DRF's own vi catalogue translates 21 of its messages: "A valid integer is required." and the others came back
    in English in a Vietnamese answer. The project's catalogue (LOCALE_PATHS, read first) supplies them."""
    client.force_login(kim_tan_official)
    url = "/api/v1/contacts/status/"
    vi = client.post(url, body, content_type="application/json").json()
    en = client.post(url, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert vi["code"] == en["code"] == "invalid_input"
    assert _first(vi["extra"]["fields"][field]) == [vietnamese] and _first(en["extra"]["fields"][field]) == [english]


def test_a_wrong_datetime_is_refused_in_the_answers_language(client, tree, kim_tan_official):
    from .builders import case, person

    entered = case(kim_tan_official, person(tree["kim_tan"]))
    client.force_login(kim_tan_official)
    url = f"/api/v1/cases/{entered.pk}/"
    vi = client.patch(url, {"isolated_at": "hôm qua"}, content_type="application/json").json()
    assert vi["extra"]["fields"]["isolated_at"][0].startswith("Thời điểm không hợp lệ: cần một thời điểm có thật")
    en = client.patch(url, {"isolated_at": "x"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert en["extra"]["fields"]["isolated_at"][0].startswith("Not a valid date and time:")
