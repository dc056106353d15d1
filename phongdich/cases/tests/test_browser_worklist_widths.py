"""The work list between a phone and a desktop: a district official's list with demo-like rows (long names, the F1 of
two cases, an F2, a test due today) at 640, 768 and 900 px. Below 601 px each row is a card
(test_browser_worklist_phone); above it the table of nine columns was about 1,050 px wide, so each commune's box
scrolled sideways (by 458 px at 640 px, 223 px at 900 px), the quarantine's end and the test past its edge. Now each
row has two lines in six columns up to 1023 px. Nothing scrolls sideways, every cell is on screen and within its own
column, and each is named by the header or by its own label. Screenshots go to $PHONGDICH_SCREENSHOTS (or the test's
temporary folder)."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from .. import services
from ..models import QuarantineRule
from .builders import case, ensure_rules, link, local, login, make_tree, official, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (640, 768, 900)


@pytest.fixture
def demo_like():
    """Two communes' contacts as the demo has them: Kim Tân's F1 of two cases in quarantine with a test due, with the
    longest names of the demo, an F2, and Thạch Lâm's candidates; the district's official."""
    ensure_rules()
    today = timezone.localdate()
    QuarantineRule.objects.create(  # CV 5599's shape: the day 7 test of a quarantine begun 6 days ago is due today
        code="test_now",
        name="Quy định thử",
        source="test",
        effective_from=today - dt.timedelta(days=60),
        days=14,
        test_days="1,7,14",
        monitoring_days=14,
    )
    tree = make_tree()
    actor = official(tree["kim_tan"], "yte_kimtan")
    official(tree["district"], "huyen")
    first = case(actor, person(tree["kim_tan"], "Nguyễn Thị Phương Thảo"), days_ago=5, onset_days_ago=7)
    second = case(actor, person(tree["kim_tan"], "Trần Văn Hùng"), days_ago=4, onset_days_ago=6)
    met = local(today - dt.timedelta(days=6), 7, 30)
    held, _ = link(
        person(tree["kim_tan"], "Hoàng Thị Ngọc Bích Phượng", birth_year=1958),
        first,
        place="Trường THCS Kim Tân",
        exposure_start=met,
        exposure_end=met + dt.timedelta(minutes=45),
    )
    link(held.contact.person, second, key="interview:second")  # the F1 of two cases
    services.contact_status_set(
        actor=actor,
        contact=held.contact,
        status="quarantined",
        quarantine_start=today - dt.timedelta(days=6),
    )
    link(person(tree["kim_tan"], "Nguyễn Đình Quang Trường", birth_year=2004), first, level=2, via=held.contact)
    for name in ("Bùi Văn Dũng", "Lê Thị Thu Hương", "Phạm Hoàng Khánh Linh"):
        link(person(tree["thach_lam"], name), first, exposure_start=met, exposure_end=met + dt.timedelta(hours=1))
    return {"tree": tree, "held": held.contact}


def _shots(tmp_path) -> Path:
    folder = Path(os.environ.get("PHONGDICH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# What scrolls sideways: the page, and the widest box of a commune's table (its scroll width past its width).
MEASURE = """() => ({
  page: document.scrollingElement.scrollWidth,
  window: window.innerWidth,
  boxes: Math.max(0, ...[...document.querySelectorAll('.table-scroll')].map(box => box.scrollWidth - box.clientWidth)),
})"""

# Each cell of each row: its left and right edges, whether it is shown, whether its content runs past its edge (over
# its neighbour's), and the name of its column as the page gives it (the table's header when the header is shown, else
# the cell's own data-label before it).
CELLS = """() => [...document.querySelectorAll('table.worklist tr.worklist-row')].map(row => [...row.cells].map(
cell => {
  const box = cell.getBoundingClientRect();
  const head = cell.closest('table').tHead.rows[0].cells[cell.cellIndex];
  const headShown = head.offsetParent !== null && getComputedStyle(head).display !== 'none';
  const before = getComputedStyle(cell, '::before').content;
  return {cls: cell.className, left: box.left, right: box.right, shown: box.width > 0 && box.height > 0,
          spills: cell.scrollWidth > cell.clientWidth + 1, empty: cell.innerText.trim() === '',
          named: headShown || (before !== 'none' && before !== '""')};
}))"""


@pytest.mark.parametrize("width", WIDTHS)
def test_the_work_list_fits_without_scrolling_sideways(live_server, chromium, demo_like, tmp_path, width):
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server.url, "/cases/worklist/", username="huyen")
        page.wait_for_load_state()
        assert page.locator("table.worklist tr.worklist-row").count() == 5
        page.screenshot(path=str(_shots(tmp_path) / f"worklist-{width}.png"), full_page=True)

        widths = page.evaluate(MEASURE)
        assert widths["window"] == width
        assert widths["page"] <= widths["window"] and widths["boxes"] <= 0, widths
        for cells in page.evaluate(CELLS):
            for cell in cells:
                if cell["cls"] == "tick" or not cell["shown"] and cell["empty"]:
                    continue
                assert cell["shown"] and 0 <= cell["left"] and cell["right"] <= width, cell  # on screen, not hidden
                assert not cell["spills"], cell
                assert cell["named"] or cell["cls"] in {"who", "contact-level", "phone", "contact-status"}, cell
        row = page.locator("table.worklist tr.worklist-row", has_text="Hoàng Thị Ngọc Bích Phượng")
        demo_like["held"].refresh_from_db()
        assert demo_like["held"].quarantine_last_day.strftime("%d/%m/%Y") in row.inner_text()
        assert "Đang cách ly" in row.inner_text() and "F1" in row.locator("td.case-levels").inner_text()
        assert "Ngày 7" in row.locator("td.follow-up-cell").inner_text()  # the test due today
    finally:
        context.close()


@pytest.mark.parametrize("width", (390, 768, 1280))
def test_the_work_list_stays_a_table_to_a_screen_reader_at_every_width(live_server, chromium, demo_like, width):
    """Below 1024 px the rows are laid out as cards (390) or two-line grids (768) by changing their CSS display, which
    makes Chromium drop the table from the accessibility tree: a screen reader read a run of links and text with no
    rows, cells or column names. The table's roles are given in the page, and a column header hidden on screen is
    hidden only visually, so the accessibility tree has the same table at every width."""
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server.url, "/cases/worklist/", username="huyen")
        page.wait_for_load_state()
        tables = page.get_by_role("table")
        assert tables.count() == 2  # a table per commune
        kim_tan = tables.first
        headers = kim_tan.get_by_role("columnheader")
        assert headers.count() == 9
        names = [name.strip() for name in headers.all_inner_texts()]
        assert "Số điện thoại" in " ".join(names).title() or any("điện thoại" in n.lower() for n in names), names
        rows = kim_tan.get_by_role("row")
        assert rows.count() == 1 + 2  # the header's and the commune's two contacts
        row = kim_tan.get_by_role("row").filter(has_text="Hoàng Thị Ngọc Bích Phượng")
        cells = row.get_by_role("cell")
        assert cells.count() == 9
        assert "Hoàng Thị Ngọc Bích Phượng" in cells.nth(2).inner_text()
        assert "Ngày 7" in cells.nth(8).inner_text()
        # What the accessibility tree itself says, the snapshot a screen reader reads from.
        tree = kim_tan.aria_snapshot()
        assert "- row " in tree and "- cell " in tree and "- columnheader " in tree, tree
    finally:
        context.close()


# Each person's cell: how many lines its name and year of birth take (the distinct tops of their line boxes), how many
# the phone takes.
LINES = """() => [...document.querySelectorAll('table.worklist tr.worklist-row')].map(row => {
  const tops = new Set();
  [row.querySelector('td.who a'), row.querySelector('td.who .birth-year')].filter(Boolean)
    .forEach(part => [...part.getClientRects()].forEach(box => tops.add(Math.round(box.top))));
  const phone = row.querySelector('td.phone a');
  return {name: row.querySelector('td.who a').innerText, lines: tops.size,
          phone: phone ? new Set([...phone.getClientRects()].map(box => Math.round(box.top))).size : 0};
})"""


@pytest.mark.parametrize("width", (1024, 1280, 1440))
def test_from_1024_px_a_name_takes_at_most_two_lines_and_a_phone_one(live_server, chromium, demo_like, tmp_path, width):
    """From 1024 px the work list is a table of nine columns, and the person's column got what the others left: the
    demo's names wrapped over three or four lines, their year on a line of its own (found 2026-12-07). Now a name and
    its year take at most two lines, a phone one, with nothing scrolled sideways."""
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server.url, "/cases/worklist/", username="huyen")
        page.wait_for_load_state()
        page.screenshot(path=str(_shots(tmp_path) / f"worklist-{width}.png"), full_page=True)
        widths = page.evaluate(MEASURE)
        assert widths["page"] <= widths["window"] and widths["boxes"] <= 0, widths
        rows = page.evaluate(LINES)
        assert len(rows) == 5
        for row in rows:
            assert 1 <= row["lines"] <= 2 and row["phone"] == 1, row
        for cells in page.evaluate(CELLS):
            for cell in cells:
                assert not cell["spills"] and cell["right"] <= width, cell
    finally:
        context.close()
