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
