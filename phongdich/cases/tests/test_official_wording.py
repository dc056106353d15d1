"""What the cases pages tell an official in plain words: a rule by its document's name, never its code; a figure
the province set said to be the province's setting, not a national rule (the sources' notes are for the admin, the
API and the docs); a field's label saying what it takes."""

import datetime as dt
import html
import re

import pytest
from django.utils import timezone

from phongdich.core.errors import ApplicationError

from .. import services
from .builders import case, link, local, person

TODAY = timezone.localdate


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_the_onset_error_names_the_rule_by_its_document_not_its_code(tree, kim_tan_official):
    with pytest.raises(ApplicationError) as refused:
        services.case_create(
            actor=kim_tan_official,
            person=person(tree["kim_tan"], "Khởi Phát Muộn"),
            sample_date=dt.date(2022, 5, 1),
            test_type="pcr",
            onset_date=dt.date(2022, 5, 20),
            isolated_at=local(dt.date(2022, 5, 1), 9),
        )
    error = refused.value.as_dict()
    assert error["code"] == "case_onset_too_late" and error["extra"]["rule"] == "cv1909_2022"  # the code for machines
    assert "CV 1909/BYT-DP (15/04/2022)" in error["message_vi"] and "cv1909_2022" not in error["message_vi"]
    assert "CV 1909/BYT-DP (15/04/2022)" in error["message_en"] and "cv1909_2022" not in error["message_en"]


def test_the_early_recovery_warning_says_the_figure_is_the_provinces_setting(client, tree, kim_tan_official):
    fresh = case(kim_tan_official, person(tree["kim_tan"], "Lê Văn Khỏi"), days_ago=1)
    client.force_login(kim_tan_official)
    page = _text(
        client.post(
            f"/cases/{fresh.pk}/status/", {"status": "recovered", "on": TODAY().isoformat(), "confirm": "on"}
        ).content.decode()
    )
    assert "10 ngày là cài đặt của tỉnh, không phải quy định của Bộ Y tế" in page
    assert "xác thực" not in page and "văn bản nào" not in page
    english = client.post(f"/api/v1/cases/{fresh.pk}/status/", {"status": "recovered"}, content_type="application/json")
    assert "a setting of the province, not a national rule" in english.json()["message_en"]
    assert "unconfirmed" not in english.json()["message_en"]


def test_the_contact_page_says_a_provinces_setting_in_plain_words_and_the_api_keeps_the_source_note(
    client, tree, kim_tan_official
):
    """Under CV 762/BYT-DP the test days of an F1 not fully vaccinated are not in what was read of the document:
    the page says that part is the province's setting; the API and the admin keep the precise note."""
    source = case(kim_tan_official, person(tree["kim_tan"], "Ca Nguồn"))
    met = local(TODAY() - dt.timedelta(days=1), 9)
    contact = link(person(tree["kim_tan"], "Chưa Tiêm"), source, exposure_start=met, exposure_end=met)[0].contact
    client.force_login(kim_tan_official)
    for when in ("before", "quarantined"):
        if when == "quarantined":
            services.contact_status_set(actor=kim_tan_official, contact=contact, status="quarantined")
        page = _text(client.get(f"/cases/contacts/{contact.pk}/").content.decode())
        note = "là cài đặt của tỉnh, không phải quy định chung của Bộ Y tế: CV 762/BYT-DP (21/02/2022) không nêu."
        assert page.count(note) == 1, when
        assert "Chưa xác thực" not in page and "phần đã đọc" not in page, when
        english = _text(client.get(f"/en/cases/contacts/{contact.pk}/").content.decode())
        assert "a setting of the province, not a national rule" in english and "Unconfirmed" not in english
    api = client.get(f"/api/v1/contacts/{contact.pk}/").json()["schedule"]["unconfirmed"]
    assert "phần đã đọc của CV 762/BYT-DP không nêu" in api


def test_an_f2s_page_says_the_f1s_rule_is_the_provinces_choice(client, tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Nguồn"))
    f1 = link(person(tree["kim_tan"], "Cao Thị Vợ"), entered)[0].contact
    f2 = link(person(tree["kim_tan"], "Đồng Nghiệp"), entered, level=2, via=f1, setting="workplace")[0].contact
    client.force_login(kim_tan_official)
    services.contact_status_set(actor=kim_tan_official, contact=f2, status="quarantined")
    page = _text(client.get(f"/cases/contacts/{f2.pk}/").content.decode())
    assert "Với F2, tỉnh áp dụng thời gian cách ly, ngày xét nghiệm và theo dõi sức khỏe của F1" in page
    assert "QĐ 5053" not in page and "các nguồn đã đọc" not in page


def test_the_interview_times_are_labelled_as_a_date_and_a_time(client, tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Một"))
    client.force_login(kim_tan_official)
    page = client.get(f"/cases/{entered.pk}/").content.decode()
    labels = re.findall(r'<label for="id_exposure_(?:start|end)">([^<]*)</label>', page)
    assert labels == ["Từ (ngày và giờ)", "Đến (ngày và giờ)"]
    assert re.search(r'<input type="datetime-local" name="exposure_start"', page)
    english = client.get(f"/en/cases/{entered.pk}/").content.decode()
    assert re.findall(r'<label for="id_exposure_(?:start|end)">([^<]*)</label>', english) == [
        "From (date and time)",
        "To (date and time)",
    ]
