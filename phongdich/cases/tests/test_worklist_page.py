"""The work list page as a health station reads it (found walking the demo as the district official, 2026-12-07):
each commune's heading counts the whole commune, not the part of it on this page; a pager above the list as well as
below; an area typed without choosing it from the suggestions is taken when it names one area, and answered with
the form again otherwise, not dropped; its status filters say clearly different things."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from phongdich.core.models import AuditLog

from .. import selectors, views
from .builders import case, link, person


@pytest.fixture
def district_list(tree, district_official, kim_tan_official):
    """Two contacts in Kim Tân and four in Thạch Lâm, to handle; the list sorts Kim Tân first (its path)."""
    entered = case(kim_tan_official, person(tree["kim_tan"], "Nguồn"))
    for index in range(2):
        link(person(tree["kim_tan"], f"Kim Tân {index}"), entered)
    for index in range(4):
        link(person(tree["thach_lam"], f"Thạch Lâm {index}"), entered)
    return entered


def _headings(html: str) -> dict[str, str]:
    """Commune name → the text after it in its heading."""
    found = re.findall(r'<h2 class="worklist-commune">(.*?)</h2>', html, re.S)
    headings = {}
    for heading in found:
        name, _, rest = heading.partition("<span")
        headings[name.strip()] = re.sub(r"<[^>]+>", "", "<span" + rest).strip()
    return headings


def test_a_commune_running_over_two_pages_gives_its_whole_count_and_this_pages(
    client, district_list, district_official, monkeypatch
):
    """Xã Thạch Bình said (67) on page 1 and (16) on page 2, where the export and the map said 83: the heading
    counted the commune's rows on the page."""
    monkeypatch.setattr(views, "WORKLIST_PAGE_SIZE", 3)
    client.force_login(district_official)

    first = client.get("/cases/worklist/").content.decode()
    second = client.get("/cases/worklist/", {"page": 2}).content.decode()

    assert _headings(first) == {"Thị trấn Kim Tân": "(2)", "Xã Thạch Lâm": "4 người · 1 trên trang này"}
    assert _headings(second) == {"Xã Thạch Lâm": "4 người · 3 trên trang này"}
    english = client.get("/en/cases/worklist/", {"page": 2}).content.decode()
    assert _headings(english) == {"Xã Thạch Lâm": "4 contacts · 3 on this page"}


def test_the_work_list_has_its_pager_above_the_list_too(client, district_list, district_official, monkeypatch):
    """A page of 200 contacts is about 23,000 px tall: its only pager was at the bottom."""
    monkeypatch.setattr(views, "WORKLIST_PAGE_SIZE", 3)
    client.force_login(district_official)

    html = client.get("/cases/worklist/", {"status": "open"}).content.decode()

    pagers = list(re.finditer(r'<nav class="pager[^"]*"[^>]*>.*?</nav>', html, re.S))
    assert len(pagers) == 2
    form_start = html.index('id="worklist-form"')
    assert pagers[0].start() < form_start < html.index("</form>", form_start) < pagers[1].start()
    assert all("status=open&amp;page=2" in pager[0] and "Trang 1 / 2" in pager[0] for pager in pagers), pagers
    assert 'aria-label="Các trang của danh sách công việc"' in pagers[0][0]


def test_the_communes_whole_counts_are_one_query_however_many_communes(tree, district_list, district_official):
    contacts = selectors.contact_worklist(viewer=district_official)
    paths = {tree["kim_tan"].path, tree["thach_lam"].path, tree["hoan_kiem"].path}

    with CaptureQueriesContext(connection) as queries:
        counts = selectors.worklist_area_counts(contacts, paths)

    assert counts == {tree["kim_tan"].path: 2, tree["thach_lam"].path: 4}
    assert len(queries) == 1


def test_the_whole_count_follows_the_filters(client, district_list, district_official, monkeypatch, tree):
    monkeypatch.setattr(views, "WORKLIST_PAGE_SIZE", 1)
    client.force_login(district_official)

    html = client.get("/cases/worklist/", {"area": tree["thach_lam"].pk, "page": 2}).content.decode()

    assert _headings(html) == {"Xã Thạch Lâm": "4 người · 1 trên trang này"}


# --- The area typed and not chosen ----------------------------------------------------------------------------


def _contacts_listed(html: str) -> set[str]:
    return set(re.findall(r'<a href="/cases/contacts/\d+/">([^<]+)</a>', html))


def test_an_area_typed_and_not_chosen_is_taken_when_it_names_one_area(client, district_list, district_official, tree):
    """ "thach lam" typed and "Lọc" clicked without choosing from the suggestions: the page got `area=` and listed the
    whole district."""
    client.force_login(district_official)

    page = client.get("/cases/worklist/", {"area": "", "area_text": "thach lam"})

    html = page.content.decode()
    assert page.status_code == 200
    assert _contacts_listed(html) == {f"Thạch Lâm {index}" for index in range(4)}
    # The picker now shows the area it took, with its id.
    assert 'value="Xã Thạch Lâm, Huyện Thạch Thành"' in html
    thach_lam = tree["thach_lam"].pk
    assert f'name="area" id="id_area" class="area-picker-value" value="{thach_lam}"' in html
    entry = AuditLog.objects.filter(action="cases.contact.listed").latest("id")
    assert entry.extra["area"] == "38/391/15196/"


@pytest.mark.parametrize("typed", ["thach", "khong co xa nay", "hoan kiem"])
def test_an_area_typed_that_names_several_or_none_of_the_officials_is_answered_with_the_form(
    client, district_list, district_official, typed
):
    """ "thach" names Xã Thạch Lâm and Huyện Thạch Thành; "hoan kiem" an area outside the official's (as if it did
    not exist)."""
    client.force_login(district_official)

    page = client.get("/cases/worklist/", {"area": "", "area_text": typed, "status": "open"})

    html = page.content.decode()
    assert page.status_code == 400
    assert "Chọn địa bàn trong danh sách" in html
    assert 'name="area_text"' in html and f'value="{escape(typed)}"' in html  # what was typed is kept
    assert _contacts_listed(html) == set()  # not the whole district as if no area had been typed
    assert "Danh sách sẽ hiện khi địa bàn được chọn trong các gợi ý dưới ô" in html
    assert '<option value="open" selected>' in html  # the other filters kept too
    english = client.get("/en/cases/worklist/", {"area_text": typed}).content.decode()
    assert "Choose an area from the list" in english


def test_the_chosen_area_stays_chosen_and_clearing_the_text_clears_it(client, district_list, district_official, tree):
    """The picker sends the id it chose and its label; without the script, the id stays when the text is emptied
    or changed: the text decides."""
    client.force_login(district_official)
    kim_tan = tree["kim_tan"]

    chosen = client.get("/cases/worklist/", {"area": kim_tan.pk, "area_text": "Thị trấn Kim Tân, Huyện Thạch Thành"})
    cleared = client.get("/cases/worklist/", {"area": kim_tan.pk, "area_text": ""})
    changed = client.get("/cases/worklist/", {"area": kim_tan.pk, "area_text": "xa thach lam"})
    linked = client.get("/cases/worklist/", {"area": kim_tan.pk})  # a link or the API's way: no text

    assert _contacts_listed(chosen.content.decode()) == {"Kim Tân 0", "Kim Tân 1"}
    assert len(_contacts_listed(cleared.content.decode())) == 6
    assert _contacts_listed(changed.content.decode()) == {f"Thạch Lâm {index}" for index in range(4)}
    assert _contacts_listed(linked.content.decode()) == {"Kim Tân 0", "Kim Tân 1"}


def test_the_export_takes_the_typed_area_as_the_page_does(client, district_list, district_official):
    from phongdich.core.models import ExportJob

    client.force_login(district_official)

    refused = client.post("/cases/worklist/export/?area=&area_text=thach")
    taken = client.post("/cases/worklist/export/?area=&area_text=thach+lam")

    assert refused.status_code == 400 and "Chọn địa bàn trong danh sách" in refused.content.decode()
    assert taken.status_code == 302 and ExportJob.objects.get().params["area_text"] == "thach lam"


def test_the_cases_list_takes_a_typed_area_too(client, tree, district_official, kim_tan_official):
    case(kim_tan_official, person(tree["kim_tan"], "Bệnh Kim Tân"))
    case(kim_tan_official, person(tree["thach_lam"], "Bệnh Thạch Lâm"))
    client.force_login(district_official)

    taken = client.get("/cases/", {"area": "", "area_text": "Xã Thạch Lâm"})
    refused = client.get("/cases/", {"area": "", "area_text": "thach"})

    assert taken.status_code == 200
    assert "Bệnh Thạch Lâm" in taken.content.decode() and "Bệnh Kim Tân" not in taken.content.decode()
    html = refused.content.decode()
    assert refused.status_code == 400 and "Chọn địa bàn trong danh sách" in html and 'value="thach"' in html
    assert "Bệnh Thạch Lâm" not in html and "Bệnh Kim Tân" not in html


# --- The status filter's words ------------------------------------------------------------------------------


def test_the_status_filters_after_a_quarantine_say_different_things(client, tree, kim_tan_official):
    """ "Đã hết hạn cách ly: cần kết thúc", "Đã hết cách ly" and "Đã kết thúc cách ly: đang tự theo dõi" read alike."""
    client.force_login(kim_tan_official)

    vietnamese = client.get("/cases/worklist/").content.decode()
    english = client.get("/en/cases/worklist/").content.decode()

    assert '<option value="quarantine_over">Hết hạn cách ly — chờ cho kết thúc</option>' in vietnamese
    assert '<option value="released">Đã kết thúc cách ly</option>' in vietnamese
    assert '<option value="monitoring">Đang tự theo dõi sức khỏe sau cách ly</option>' in vietnamese
    assert '<option value="quarantine_over">Quarantine period over — awaiting release</option>' in english
    assert '<option value="released">Released</option>' in english
    assert '<option value="monitoring">Self-monitoring after quarantine</option>' in english


def _follow_up_cell(html: str, name: str) -> str:
    row = html.split(name, 1)[1].split("</tr>", 1)[0]
    return re.split(r'class="follow-up-cell[^"]*"', row, maxsplit=1)[1]


def test_a_quarantine_whose_rule_gives_no_test_days_says_so_in_the_test_column(client, tree, kim_tan_official):
    """The cell was empty: the health station could not tell "no test by the rule" from a page that failed to show
    one. A candidate's cell says why it has none too, to a screen reader as well as by its "–"."""
    import datetime as dt

    from django.utils import timezone

    from .. import services
    from ..models import QuarantineRule

    today = timezone.localdate()
    QuarantineRule.objects.create(  # a rule with no test days and a self-monitoring after it
        code="no_tests",
        name="Quy định không xét nghiệm",
        source="test",
        effective_from=today - dt.timedelta(days=30),
        days=7,
        test_days="",
        monitoring_days=7,
    )
    entered = case(kim_tan_official, person(tree["kim_tan"], "Nguồn"))
    held, _ = link(person(tree["kim_tan"], "Người Cách Ly"), entered)
    link(person(tree["kim_tan"], "Người Chờ Xác Minh"), entered)
    services.contact_status_set(
        actor=kim_tan_official, contact=held.contact, status="quarantined", quarantine_start=today
    )
    client.force_login(kim_tan_official)

    html = client.get("/cases/worklist/").content.decode()
    cell = _follow_up_cell(html, "Người Cách Ly")
    assert "Quy định không có xét nghiệm" in cell
    assert 'title="Quy định không xét nghiệm không quy định ngày xét nghiệm' in cell
    cell = _follow_up_cell(html, "Người Chờ Xác Minh")
    assert "–" in cell and "Chưa cách ly: chưa có lịch xét nghiệm" in cell
    english = client.get("/en/cases/worklist/").content.decode()
    assert "No test by the rule" in _follow_up_cell(english, "Người Cách Ly")


def test_clear_filters_shows_only_when_a_filter_is_set(client, district_list, district_official):
    """'Bỏ lọc' was offered on the work list with no filter chosen, where it cleared nothing."""
    client.force_login(district_official)

    assert 'id="clear-filters"' not in client.get("/cases/worklist/").content.decode()
    assert 'id="clear-filters"' not in client.get("/cases/worklist/", {"status": "open"}).content.decode()
    for params in ({"level": 1}, {"status": "all"}, {"status": "tests_due"}, {"area_text": "Nowhere at all"}):
        html = client.get("/cases/worklist/", params).content.decode()
        assert 'id="clear-filters"' in html and "Bỏ lọc" in html, params


def test_the_api_names_every_malformed_filter_at_once(client, tree, kim_tan_official):
    """Until 2026-12-07 `?status=bogus&level=9` named the status alone, then the level on the next try."""
    client.force_login(kim_tan_official)
    body = client.get("/api/v1/contacts/worklist/", {"status": "bogus", "level": "9", "area": "x"}).json()
    assert body["code"] == "cases_invalid_filter"
    assert body["extra"] == {"fields": ["area", "level", "status"], "area": "x", "level": 9, "status": "bogus"}
    # A malformed filter is named before an area out of scope is refused (404 alone).
    beyond = client.get("/api/v1/contacts/worklist/", {"level": "x", "area": tree["hoan_kiem"].pk}).json()
    assert (beyond["code"], beyond["extra"]["fields"]) == ("cases_invalid_filter", ["level"])
    assert client.get("/api/v1/contacts/worklist/", {"area": tree["hoan_kiem"].pk}).status_code == 404
