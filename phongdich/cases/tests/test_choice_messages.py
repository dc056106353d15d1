"""A choice the page does not offer (a mistyped or cut link, a page kept open while the list changed) is refused in
the project's own words, saying what is wrong and what to do, in the page's language: Django's "Hãy chọn một lựa
chọn hợp lệ. … không phải là một trong các lựa chọn khả thi." was on the public list of exposures (?area=abc), on a
cluster's venue and on a case's investigator and cluster (walk of 2026-12-07)."""

import html

import pytest

from phongdich.venues.forms import VenueByNameMixin

from .builders import case, official, person, venue

DJANGO_WORDS = ("lựa chọn hợp lệ", "lựa chọn khả thi", "valid choice", "available choices")


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _without_django_words(page: str) -> None:
    assert not any(words in page for words in DJANGO_WORDS), [words for words in DJANGO_WORDS if words in page]


@pytest.mark.parametrize("area", ["abc", "999999999"])
def test_the_public_exposures_list_says_an_area_not_listed_is_no_area(client, db, area):
    vietnamese = client.get(f"/cases/exposures/?area={area}")
    assert vietnamese.status_code == 400
    assert "Địa bàn: Không có địa bàn này: hãy chọn một địa bàn trong danh sách." in _page(vietnamese)
    _without_django_words(_page(vietnamese))

    english = client.get(f"/en/cases/exposures/?area={area}")
    assert english.status_code == 400 and "Area: No such area: choose one from the list." in _page(english)
    _without_django_words(_page(english))


@pytest.mark.parametrize("searched", [False, True], ids=["drop-down", "search by name"])
def test_a_cluster_venue_not_of_the_officials_area_is_refused_in_plain_words(
    client, tree, kim_tan_official, monkeypatch, searched
):
    venue(tree["kim_tan"], "Chợ Kim Tân")
    elsewhere = venue(tree["thach_lam"], "Chợ Thạch Lâm")
    if searched:
        monkeypatch.setattr(VenueByNameMixin, "VENUE_SELECT_MAX", 0)
    client.force_login(kim_tan_official)

    for venue_id in (elsewhere.pk, "abc"):
        refused = client.post("/cases/clusters/", {"name": "Ổ dịch chợ", "venue": venue_id})
        assert refused.status_code == 400
        page = _page(refused)
        assert "Không chọn được địa điểm này (chỉ chọn được các địa điểm thuộc địa bàn của bạn)" in page
        _without_django_words(page)
    english = _page(client.post("/en/cases/clusters/", {"name": "Ổ dịch chợ", "venue": elsewhere.pk}))
    assert "This venue is not one you can choose (the venues of your area): choose one from the list." in english
    _without_django_words(english)


def test_a_case_investigator_or_cluster_not_offered_is_refused_in_plain_words(client, tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Một"))
    elsewhere = official(tree["thach_lam"], "yte_thachlam")  # not of the case's area: cannot investigate it
    client.force_login(kim_tan_official)
    body = {
        "case_form": "edit",
        "sample_date": str(entered.sample_date),
        "test_type": "pcr",
        "investigator": elsewhere.pk,
        "cluster": 999999,
    }

    page = _page(client.post(f"/cases/{entered.pk}/", body))
    assert "Cán bộ này không thể điều tra ca bệnh (chỉ cán bộ đang hoạt động của địa bàn ca bệnh" in page
    assert "Không thể đưa ca bệnh vào ổ dịch này (hoặc ổ dịch không còn nữa): hãy chọn một ổ dịch" in page
    _without_django_words(page)

    english = _page(client.post(f"/en/cases/{entered.pk}/", body))
    assert "This official cannot investigate the case (only active officials of its area or an area above" in english
    assert "This cluster is not one you can put the case in (or no longer exists): choose one from the list." in english
    _without_django_words(english)
