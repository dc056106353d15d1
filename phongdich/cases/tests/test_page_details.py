"""Details of the case and contact pages an official reads: the quarantine's days say from which day they count,
the investigator is named as the edit form names them, and the outcome of a row's move is told where the page
lands."""

import datetime as dt
import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from .. import services
from .builders import case, link, local, person

TODAY = timezone.localdate


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _set_with(page: str) -> str:
    return _text(re.search(r'id="quarantine-set-with">(.*?)</span>', page, re.S).group(1))


@pytest.mark.parametrize(
    "prefix, said",
    [
        ("", "(7 ngày kể từ ngày tiếp xúc cuối {day}, theo CV 762/BYT-DP (21/02/2022), do chưa tiêm đủ liều"),
        ("/en", "(7 days from the last exposure on {day}, by CV 762/BYT-DP (21/02/2022), not fully vaccinated"),
    ],
)
def test_the_quarantines_days_say_they_count_from_the_last_exposure(client, tree, kim_tan_official, prefix, said):
    """The walk-through: "Cách ly 07/12/2026 – 11/12/2026 (7 ngày theo CV 762/BYT-DP…)", right but explained only
    further down (day 1 was the last exposure, 05/12)."""
    source = case(kim_tan_official, person(tree["kim_tan"], "Ca Nguồn"), days_ago=2)
    met = TODAY() - dt.timedelta(days=2)
    contact = link(person(tree["kim_tan"], "Trần Thu Nhung"), source, exposure_start=local(met, 9))[0].contact
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="quarantined")
    client.force_login(kim_tan_official)
    page = client.get(f"{prefix}/cases/contacts/{contact.pk}/").content.decode()
    assert _set_with(page).startswith(said.format(day=met.strftime("%d/%m/%Y")))


def test_a_contact_named_without_times_counts_from_the_quarantines_start(client, tree, kim_tan_official):
    source = case(kim_tan_official, person(tree["kim_tan"], "Ca Nguồn"))
    untimed = link(person(tree["kim_tan"], "Hàng Xóm"), source, source="interview", setting="household")[0].contact
    start = TODAY() - dt.timedelta(days=1)
    services.contact_status_set(actor=kim_tan_official, contact=untimed, status="quarantined", quarantine_start=start)
    client.force_login(kim_tan_official)
    page = client.get(f"/en/cases/contacts/{untimed.pk}/").content.decode()
    assert _set_with(page).startswith(f"(7 days from the quarantine's start on {start:%d/%m/%Y}, by CV 762/BYT-DP")


def test_the_investigator_is_named_as_the_edit_form_names_them(client, tree, kim_tan_official):
    User = get_user_model()
    User.objects.filter(pk=kim_tan_official.pk).update(first_name="Trạm Y tế Thị trấn Kim Tân", last_name="")
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Nguồn"), investigator=kim_tan_official)
    client.force_login(kim_tan_official)
    page = client.get(f"/cases/{entered.pk}/").content.decode()
    row = _text(re.search(r"<tr><th>Người điều tra</th><td>(.*?)</td></tr>", page, re.S).group(1))
    assert row == "Trạm Y tế Thị trấn Kim Tân (Thị trấn Kim Tân)"  # as the edit form's list: not the login
    assert f'<option value="{kim_tan_official.pk}" selected>{row}</option>' in page


def test_a_rows_move_is_told_in_the_section_the_page_lands_on(client, tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Nguồn"))
    contact = link(person(tree["kim_tan"], "Người Gặp"), entered)[0].contact
    client.force_login(kim_tan_official)
    back = f"/cases/{entered.pk}/#contacts-f1"
    response = client.post(
        f"/cases/contacts/status/?next={back}",
        {"confirm_one": contact.pk, "form": "contacts-form-f1", "next": back},
        follow=True,
    )
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == back  # the page keeps its place at the level's table
    section = page.split('id="contacts-f1"', 1)[1].split("</form>", 1)[0]
    assert "1 người tiếp xúc đã chuyển sang “Đã xác minh”." in _text(section)
