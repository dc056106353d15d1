"""An empty list says why: nothing in the area, or nothing that matches the filters chosen (with a way to clear
them). Filtered to "dismissed", the work list said "No contact to handle"; filtered to "died", the case list said
there was no case in the area."""

import html
import re

from .builders import case, link, person


def _empty(page: str) -> str:
    found = re.search(r'id="list-empty">(.*?)</(?:td|p)>', page, re.S)
    assert found, "no empty-state line"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def test_the_case_list_filtered_to_nothing_says_so_and_offers_to_clear(client, tree, kim_tan_official):
    client.force_login(kim_tan_official)
    assert _empty(client.get("/cases/").content.decode()) == "Chưa có ca bệnh trong địa bàn."
    case(kim_tan_official, person(tree["kim_tan"], "Ca Đang Điều Trị"))
    page = client.get("/cases/?status=died").content.decode()
    assert _empty(page) == "Không có ca bệnh nào khớp với bộ lọc. Bỏ lọc"
    assert re.search(r'id="list-empty">[^\n]*<a href="/cases/">Bỏ lọc</a>', page)
    english = client.get("/en/cases/?date_from=2099-01-01").content.decode()
    assert _empty(english) == "No case matches these filters. Clear filters"
    # An empty filter form sent as it is filters nothing.
    page = client.get("/cases/?status=&date_from=&date_to=&area=&area_text=").content.decode()
    assert "Ca Đang Điều Trị" in page and 'id="list-empty"' not in page


def test_the_work_list_filtered_to_nothing_says_so_and_offers_to_clear(client, tree, kim_tan_official):
    client.force_login(kim_tan_official)
    assert _empty(client.get("/cases/worklist/").content.decode()) == "Không có người tiếp xúc cần xử lý trong địa bàn."
    link(person(tree["kim_tan"], "Người Tiếp Xúc"), case(kim_tan_official, person(tree["kim_tan"], "Ca Một")))
    for query in ("status=dismissed", "status=all&level=2", "level=2"):
        page = client.get(f"/cases/worklist/?{query}").content.decode()
        assert _empty(page) == "Không có người tiếp xúc nào khớp với bộ lọc. Bỏ lọc", query
        assert '<a href="/cases/worklist/">Bỏ lọc</a>' in page
    # The default filter ("to handle") is no filter: the person is listed.
    assert "Người Tiếp Xúc" in client.get("/cases/worklist/?status=open").content.decode()


def test_the_public_places_list_filtered_to_nothing_says_so(client, db):
    assert _empty(client.get("/cases/exposures/").content.decode()) == "Hiện chưa có địa điểm nào."
    page = client.get("/cases/exposures/?q=chợ").content.decode()
    assert _empty(page) == "Không có địa điểm nào khớp với bộ lọc. Bỏ lọc"
