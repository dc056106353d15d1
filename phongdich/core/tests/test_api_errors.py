"""Errors that tell an integrator what to fix (docs/api.md): a missing CSRF token is `csrf_failed`, not "You may not do
this."; a 415 says what the endpoint takes; a refused list filter has one shape."""

import pytest
from django.test import Client

from phongdich.accounts.models import Official
from phongdich.cases.tests.builders import make_tree, official

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    return make_tree()


def test_a_session_post_without_the_csrf_token_names_csrf(tree):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(official(tree["kim_tan"], "yte_kimtan"))
    refused = browser.post("/api/v1/cases/", {}, content_type="application/json")
    answer = refused.json()
    assert refused.status_code == 403 and answer["code"] == "csrf_failed"
    assert "X-CSRFToken" in answer["message"] and answer["message"] == answer["message_vi"]
    assert answer["extra"]["reason"] == "CSRF cookie not set."  # Django's words, for the developer
    english = browser.post("/api/v1/cases/", {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["message"].startswith("CSRF check failed")
    # With the cookie's value in the header the request goes through to the input's checks.
    browser.get("/accounts/login/")
    token = browser.cookies["csrftoken"].value
    passed = browser.post("/api/v1/cases/", {}, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert passed.status_code == 400 and passed.json()["code"] == "invalid_input"


def test_a_role_refused_is_still_permission_denied(client, tree):
    client.force_login(official(tree["kim_tan"], "staff", role=Official.Role.VENUE_STAFF))
    refused = client.get("/api/v1/cases/")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"


def test_a_415_says_what_the_endpoint_takes(client, tree):
    client.force_login(official(tree["province"], "soyte", role=Official.Role.HEALTH_DEPT))
    upload = client.post("/api/v1/telecom/imports/", {"kind": "cells"}, content_type="application/json")
    answer = upload.json()
    assert upload.status_code == 415 and answer["code"] == "unsupported_media_type"
    assert "multipart/form-data" in answer["message_vi"] and "multipart/form-data" in answer["message_en"]
    assert "application/json" not in answer["message_en"] and answer["extra"] == {"accepts": ["multipart/form-data"]}
    client.force_login(official(tree["kim_tan"], "yte_kimtan"))
    json_only = client.post("/api/v1/cases/", "person=1", content_type="text/plain").json()
    assert json_only["code"] == "unsupported_media_type" and "application/json" in json_only["message_en"]


@pytest.mark.parametrize(
    "query, extra",
    [
        ({"status": "bogus"}, {"fields": ["status"], "status": "bogus"}),
        ({"area": "abc"}, {"fields": ["area"], "area": "abc"}),
        ({"date_from": "2021-02-30"}, {"fields": ["date_from"], "date_from": "2021-02-30"}),
        ({"date_from": "2021-09-20", "date_to": "2021-09-01"}, {"fields": ["date_from"], "date_from": "2021-09-20"}),
    ],
)
def test_a_refused_list_filter_names_it_in_one_shape(client, tree, query, extra):
    client.force_login(official(tree["kim_tan"], "yte_kimtan"))
    answer = client.get("/api/v1/cases/", query).json()
    assert answer["code"] == "cases_invalid_filter" and answer["extra"] == extra


@pytest.mark.parametrize(
    "language, words",
    [("vi", "Ngày không hợp lệ: cần một ngày có thật"), ("en", "Not a valid date: give a date that exists")],
)
def test_a_date_that_does_not_exist_is_told_so_not_a_wrong_format(client, tree, language, words):
    """2026-02-30 is in the format YYYY-MM-DD; DRF's "wrong format" sent a reviewer looking for the format's mistake."""
    client.force_login(official(tree["kim_tan"], "yte_kimtan"))
    answer = client.post(
        "/api/v1/cases/", {"sample_date": "2026-02-30"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
    ).json()
    (message,) = answer["extra"]["fields"]["sample_date"]
    assert answer["code"] == "invalid_input" and message.startswith(words), message
