"""A field's message in `extra.fields` comes in the answer's language, as DRF's own do (docs/api.md): until 2026-12-07
the messages a service or a view wrote itself were English (or a fixed word) under a Vietnamese `message`."""

import copy
import json
import pickle

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from phongdich.accounts.models import Official
from phongdich.cases.tests.builders import make_tree, official
from phongdich.core import errors
from phongdich.core.errors import ApplicationError

TOO_LONG_VI = "Giá trị này chỉ có tối đa 500 kí tự (hiện có 501)"
TOO_LONG_EN = "Ensure this value has at most 500 characters (it has 501)."


@pytest.fixture
def tree(db):
    return make_tree()


def _withdraw_too_long(client, tree, **headers):
    client.force_login(official(tree["province"], "soyte", role=Official.Role.HEALTH_DEPT))
    # The reason is refused before the import is looked for: no import is needed.
    url = "/api/v1/telecom/imports/999999/withdraw/"
    answer = client.post(url, {"reason": "x" * 501}, content_type="application/json", **headers)
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_input"
    return answer.json()


@pytest.mark.parametrize("headers", [{}, {"HTTP_ACCEPT_LANGUAGE": "vi"}], ids=["default", "vi"])
def test_a_text_too_long_names_its_field_in_vietnamese_for_a_vietnamese_request(client, tree, headers):
    body = _withdraw_too_long(client, tree, **headers)
    assert body["message"] == TOO_LONG_VI
    assert body["extra"]["fields"] == {"reason": [TOO_LONG_VI]}
    assert body["extra"]["max_length"] == 500 and body["extra"]["field"] == "reason"


def test_a_text_too_long_names_its_field_in_english_for_an_english_request(client, tree):
    body = _withdraw_too_long(client, tree, HTTP_ACCEPT_LANGUAGE="en")
    assert body["message"] == TOO_LONG_EN and body["extra"]["fields"] == {"reason": [TOO_LONG_EN]}


@pytest.mark.parametrize(
    ("headers", "said"),
    [
        ({}, "Không có địa bàn này."),
        ({"HTTP_ACCEPT_LANGUAGE": "vi"}, "Không có địa bàn này."),
        ({"HTTP_ACCEPT_LANGUAGE": "en"}, "Unknown area."),
    ],
    ids=["default", "vi", "en"],
)
def test_an_unknown_parent_area_is_told_in_the_requests_language(client, tree, headers, said):
    answer = client.get("/api/v1/areas/", {"parent": 999999}, **headers)
    assert answer.status_code == 400 and answer.json()["extra"]["fields"] == {"parent": [said]}


@pytest.mark.parametrize(
    ("headers", "said"),
    [({}, "Một số nguyên từ 0."), ({"HTTP_ACCEPT_LANGUAGE": "en"}, "A whole number from 0.")],
    ids=["default", "en"],
)
def test_a_refused_page_limit_is_told_in_the_requests_language(client, tree, headers, said):
    client.force_login(official(tree["kim_tan"], "yte_kimtan"))
    answer = client.get("/api/v1/cases/", {"limit": "abc"}, **headers)
    assert answer.status_code == 400 and answer.json()["extra"]["fields"] == {"limit": [said]}


def test_the_error_shape_gives_field_messages_in_its_language_and_stays_plain_json():
    error = ApplicationError(
        errors.INVALID_INPUT,
        extra={
            "fields": {"a": [errors.field_message("một", "one")], "b": {"c": (errors.field_message("hai", "two"),)}},
            "n": 3,
        },
    )
    vi, en = error.as_dict("vi"), error.as_dict("en")
    assert vi["extra"] == {"fields": {"a": ["một"], "b": {"c": ("hai",)}}, "n": 3}
    assert en["extra"] == {"fields": {"a": ["one"], "b": {"c": ("two",)}}, "n": 3}
    assert type(en["extra"]["fields"]["a"][0]) is str  # what an idempotent answer stores is replayed as given
    assert json.loads(json.dumps(en, cls=DjangoJSONEncoder))["extra"]["fields"]["a"] == ["one"]
    # The raw extra, dumped without as_dict (a log line): still JSON, in the site's language.
    assert json.dumps(error.extra, ensure_ascii=False).startswith('{"fields": {"a": ["một"]')
    for copied in (pickle.loads(pickle.dumps(error.extra)), copy.deepcopy(error.extra)):
        assert copied["fields"]["a"][0].en == "one" and copied["fields"]["a"][0] == "một"
