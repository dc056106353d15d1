"""Ids typed into URLs and forms (core.ids): what cannot be a row's id is no id, never a 500. "²" passes
str.isdigit() and fails int(); twenty digits overflow the database's integer."""

import pytest

from phongdich.core.ids import MAX_ID, id_or_none

HUGE = "2511645654305077073018880"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", 1), ("042", 42), (7, 7), (str(MAX_ID), MAX_ID), (MAX_ID, MAX_ID)]
    + [(bad, None) for bad in ["", None, "0", "-1", "1.5", " 1", "abc", "²", "١٢", HUGE, str(MAX_ID + 1), 0, -3, True]],
)
def test_id_or_none(value, expected):
    assert id_or_none(value) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["²", HUGE])
def test_pages_answer_an_impossible_id_without_a_server_error(admin_client, bad):
    assert admin_client.get("/areas/", {"area": bad}).status_code == 200
    assert admin_client.get("/cases/exposures/", {"area": bad}).status_code == 400
    assert admin_client.get("/api/v1/testing/sessions/", {"site": bad}).json() == []
    assert admin_client.get(f"/admin/people/person/{bad}/change/").status_code == 302  # "does not exist"
    traced = admin_client.post("/cases/trace/", {"case": [bad]})
    assert traced.status_code == 302 and traced.url.endswith("/cases/")  # "select at least one case"
    # An id no site can have is refused (unknown_site), as any site not the official's.
    assert admin_client.get("/vaccination/checkin/", {"site": bad}).status_code in (400, 403)
