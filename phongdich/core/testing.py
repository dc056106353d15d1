"""Plain builders for tests: each makes only what it is asked for. Used by every app's tests."""

import itertools

from django.contrib.auth import get_user_model

from phongdich.geo.models import Area
from phongdich.geo.services import area_upsert

_seq = itertools.count(1)


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


def download_export(client, url: str, *, capture, data=None):
    """Ask for an export as a page's button does (POST `url`), run its task on commit (`capture`: pytest-django's
    django_capture_on_commit_callbacks), open the export's page and download the file. Returns (job id, workbook)."""
    import io

    from openpyxl import load_workbook

    with capture(execute=True):
        response = client.post(url, data or {})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'id="export-download"' in page.content.decode()
    job_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    download = client.get(f"/exports/{job_id}/file/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    return job_id, load_workbook(io.BytesIO(b"".join(download.streaming_content)))
