"""Plain builders for tests: each makes only what it is asked for. Used by every app's tests."""

import datetime as dt
import itertools
import re
import time
from html import unescape
from urllib.parse import urljoin, urlsplit

from django.contrib.auth import get_user_model
from django.utils import timezone

from phongdich.core.dates import local_midnight
from phongdich.geo.models import Area
from phongdich.geo.services import area_upsert

_seq = itertools.count(1)

# Hidden fields whose values are random on every page (Django's CSRF token, core.formonce's nonce): a test that
# asserts a short text is *not* on a page would fail by chance when a token happens to contain it (~1 run in 4,000
# for three letters).
_RANDOM_FIELD_VALUES = re.compile(r'(<input type="hidden" name="(?:csrfmiddlewaretoken|nonce)" value=")[^"]*(")')


def without_random_tokens(html: str) -> str:
    """The page with its CSRF tokens and form nonces emptied, for assertions that a text is not on it."""
    return _RANDOM_FIELD_VALUES.sub(r"\1\2", html)


def make_area(code: str, name: str, kind: str = "commune", parent: Area | None = None) -> Area:
    return area_upsert(code=code, name=name, kind=kind, parent=parent)


def make_province_with_communes() -> dict[str, Area]:
    """Thanh Hóa (38) with two communes, and a second province: enough to test scoping."""
    province = make_area("38", "Tỉnh Thanh Hóa", "province")
    other_province = make_area("01", "Thành phố Hà Nội", "province")
    return {
        "province": province,
        "commune_a": make_area("15085", "Xã Thạch Lập", "commune", province),
        "commune_b": make_area("15142", "Xã Cẩm Thạch", "commune", province),
        "other_province": other_province,
        "other_commune": make_area("00070", "Phường Hoàn Kiếm", "commune", other_province),
    }


def make_user(username: str | None = None, *, password: str = "pass-for-tests-1", **extra):
    username = username or f"user{next(_seq)}"
    return get_user_model().objects.create_user(username=username, password=password, **extra)


def make_official(role: str, area: Area, username: str | None = None):
    from phongdich.accounts.models import Official

    user = make_user(username)
    Official.objects.create(user=user, role=role, area=area)
    return user


def download_export_bytes(client, url: str, *, capture, data=None) -> tuple[int, bytes]:
    """Ask for an export as a page's button does (POST `url`), run its task on commit (`capture`: pytest-django's
    django_capture_on_commit_callbacks), open the export's page and download the file. Returns (job id, file)."""
    with capture(execute=True):
        response = client.post(url, data or {})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'id="export-download"' in page.content.decode()
    job_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    download = client.get(f"/exports/{job_id}/file/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    return job_id, b"".join(download.streaming_content)


def download_export(client, url: str, *, capture, data=None):
    """download_export_bytes, the file opened. Returns (job id, workbook)."""
    import io

    from openpyxl import load_workbook

    job_id, data = download_export_bytes(client, url, capture=capture, data=data)
    return job_id, load_workbook(io.BytesIO(data))


_FORMULA = re.compile(rb"<(?:\w+:)?f[\s/>]")


def assert_formula_safe(data: bytes, *texts: str) -> None:
    """The .xlsx `data` shows each of `texts` as it was entered (no apostrophe before it), in a text cell (data type
    "s") with the quote prefix style, so a spreadsheet neither runs it nor makes it a formula once edited; and no
    sheet of the file has a formula (`<f>` element) at all."""
    import io
    import zipfile

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    found = {}
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value in texts:
                    found.setdefault(cell.value, []).append(cell)
    assert set(found) == set(texts), f"not in the file as entered: {set(texts) - set(found)}"
    for cells in found.values():
        for cell in cells:
            assert (cell.data_type, cell.quotePrefix) == ("s", True), cell.coordinate
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                assert not _FORMULA.search(archive.read(name)), f"a formula in {name}"


_HREF = re.compile(r'<a\b[^>]*?\bhref="([^"]*)"')


def refused_links(client, pages, *, follow: str | None = None, limit: int = 60) -> list[tuple[str, str, int]]:
    """Open each of `pages` as the client's user and every page link (`<a href>`) they show; return
    (page, link, status) for each link that answers 403, or 404 (the answer of pages that do not tell a viewer
    what exists outside their reach). Links under the prefix `follow` are opened in turn, up to `limit` pages.

    A page of `pages` that does not answer 200 fails the test: a page the role cannot open proves nothing; nor
    do pages without links."""
    statuses: dict[str, int] = {}
    refused = []
    queue = [(page, None) for page in pages]
    opened = 0
    while queue:
        url, parent = queue.pop(0)
        if url not in statuses:
            response = client.get(url)
            statuses[url] = response.status_code
            if parent is None:
                assert response.status_code == 200, f"{url} answers {response.status_code}"
            if response.status_code == 200 and (parent is None or (follow and url.startswith(follow))):
                opened += 1
                if opened <= limit and "html" in response.get("Content-Type", ""):
                    for href in _HREF.findall(response.content.decode()):
                        link = urljoin(url, unescape(href)).split("#")[0]
                        parts = urlsplit(link)
                        if link and not parts.netloc and parts.scheme in ("", "http") and link.startswith("/"):
                            if not link.startswith(("/static/", "/api/", "/admin/")):
                                queue.append((link, url))
        if parent is not None and statuses[url] in (403, 404):
            refused.append((parent, url, statuses[url]))
    # Pages that show no link at all (a template that lost its menu) would pass without checking anything.
    assert len(statuses) > len(set(pages)), f"no link found on {pages}"
    return sorted(set(refused))


# The demo's logins by what they are (core.demo, testing.demo, vaccination.demo), for the fuzz sweeps of the API
# and the pages (core/tests/test_api_fuzz.py, test_pages_fuzz.py); "anonymous" has no session. The sweeps of the
# test suite run as FAST_ROLES, `make fuzz` as all.
FUZZ_ROLES = {
    "anonymous": None,
    "district": "huyen.thachthanh",
    "province": "tinh.thanhhoa",
    "commune": "xa.kimtan",
    "venue_manager": "quanly.chokimtan",
    "venue_staff": "kiemsoat.chokimtan",
    "lab": "xetnghiem.thachthanh",
    "vaccination": "tiemchung.thachthanh",
    "superuser": "quantri",
}
FUZZ_FAST_ROLES = ["district", "anonymous"]


def wait_out_local_midnight(minutes: int = 5) -> None:
    """A test whose data is for "today" in Vietnam and which runs a minute or more (a browser walking through pages)
    fails if local midnight falls inside it. Close to midnight it waits for the new day instead: at most `minutes`
    of waiting, once a day."""
    now = timezone.localtime()
    left = (local_midnight(now.date() + dt.timedelta(days=1)) - now).total_seconds()
    if left < minutes * 60:
        time.sleep(left + 1)
