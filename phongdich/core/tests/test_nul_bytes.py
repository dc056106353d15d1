"""A NUL byte in a request is refused with `nul_character` (400) before any view reads it: PostgreSQL refuses NUL
in text, so a search or filter that passed one on was a 500 (found by schemathesis, core/tests/test_api_fuzz.py)."""

import pytest

from phongdich.core.testing import make_official, make_province_with_communes
from phongdich.venues.models import Venue

pytestmark = pytest.mark.django_db


def test_a_nul_byte_in_a_public_api_filter_is_refused_in_the_error_shape(client):
    # GET /api/v1/exposures/?q=%00 reached the database: DataError on PostgreSQL, a 500.
    response = client.get("/api/v1/exposures/", {"q": "Ch\x00ợ"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "nul_character"
    assert "NUL" in body["message_vi"] and "NUL" in body["message_en"]


def test_a_nul_byte_in_a_path_is_refused(client):
    assert client.get("/api/v1/certificates/a%00b/revoke").json()["code"] == "nul_character"


def test_a_nul_byte_in_a_page_filter_gets_the_error_page(client):
    areas = make_province_with_communes()
    client.force_login(make_official("province_admin", areas["province"]))
    response = client.get("/people/", {"q": "\x00"})
    assert response.status_code == 400
    assert "<code>nul_character</code>" in response.content.decode()


def test_a_nul_byte_in_a_form_writes_nothing(client):
    make_province_with_communes()
    before = Venue.objects.count()
    response = client.post("/venues/register/", {"name": "Chợ\x00", "street_address": "Thôn 1"})
    assert response.status_code == 400 and Venue.objects.count() == before
    assert "<code>nul_character</code>" in response.content.decode()


def test_a_multipart_body_is_left_to_its_view_which_checks_its_size_first(client, settings):
    """Reading request.POST here parsed any upload to disk before the view's own size check (the telecom upload
    answers 413 unparsed), for any path and client: a multipart body past FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) is
    not read by the NUL check."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    areas = make_province_with_communes()
    client.force_login(make_official("province_admin", areas["province"]))
    settings.TELECOM_MAX_UPLOAD_MB = 2
    big = SimpleUploadedFile("vitri.csv", b"x" * (3 * 1024 * 1024), content_type="text/csv")
    response = client.post("/telecom/", {"operator": "viettel\x00", "kind": "locations", "file": big})
    assert response.status_code == 413


def test_neither_a_capitalised_content_type_nor_a_padded_upload_goes_round_the_check(client):
    """Django lower-cases the content type before parsing, and a 3 MB dummy file part went past a size limit: both
    brought a NUL to PostgreSQL (a 500; third review)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test.client import encode_multipart

    areas = make_province_with_communes()
    client.force_login(make_official("province_admin", areas["province"]))
    response = client.post("/people/", "q=a%00b", content_type="Application/X-WWW-Form-Urlencoded")
    assert response.status_code == 400 and "<code>nul_character</code>" in response.content.decode()
    padding = SimpleUploadedFile("pad.bin", b"x" * (3 * 1024 * 1024))
    body = encode_multipart("BoUnDaRy", {"q": "a\x00b", "pad": padding})
    response = client.post("/people/", body, content_type="multipart/form-data; boundary=BoUnDaRy")
    assert response.status_code == 400


def test_a_post_to_no_page_is_not_read(client):
    response = client.post("/no-such-page/", {"q": "a\x00b"})
    assert response.status_code == 404
