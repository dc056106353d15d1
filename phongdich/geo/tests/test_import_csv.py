from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from phongdich.geo.models import Area
from phongdich.geo.services import area_upsert

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data" / "thach_thanh_2021.csv"


def _import(path: Path) -> str:
    out = StringIO()
    call_command("geo_import_csv", str(path), stdout=out)
    return out.getvalue()


def test_three_level_tree_in_any_row_order(tmp_path):
    csv = tmp_path / "tree.csv"
    csv.write_text(
        "code,name,kind,parent_path,division_type\n"
        "15187,Thị trấn Kim Tân,commune,99/391/,thị trấn\n"  # child before its parent: order does not matter
        "99,Tỉnh Thử Nghiệm,province,,tỉnh\n"
        "391,Huyện Thạch Thành,district,99/,huyện\n",
        encoding="utf-8",
    )
    assert "3 created, 0 updated" in _import(csv)
    commune = Area.objects.get(path="99/391/15187/")
    assert commune.depth == 2 and commune.parent.parent.code == "99"
    assert commune.division_type == "thị trấn"
    assert "0 created, 0 updated" in _import(csv)


def test_bad_csv_reports_every_line_and_imports_nothing(tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text(
        "code,name,kind,parent_path\n"
        "98,Tỉnh Tốt,province,\n"
        ",Không mã,commune,98/\n"
        "981,Huyện X,county,98/\n"
        "982,Huyện Y,district,77/\n"
        "983,,district,98/\n"
        "98,Tỉnh Tốt Lần Hai,province,\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as exc:
        _import(csv)
    message = str(exc.value)
    for expected in ("line 3", "line 4: kind 'county'", "line 5: parent '77/'", "line 6: name", "line 7: same code"):
        assert expected in message
    assert "bad.csv: line 2:" not in message
    assert not Area.objects.exists()


def test_missing_columns_are_refused(tmp_path):
    csv = tmp_path / "cols.csv"
    csv.write_text("code,name\n1,A\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing column"):
        _import(csv)


def test_shipped_thach_thanh_2021_file_attaches_under_thanh_hoa():
    area_upsert(code="38", name="Tỉnh Thanh Hóa", kind="province")
    assert "26 created" in _import(DATA)
    district = Area.objects.get(path="38/391/")
    assert district.name == "Huyện Thạch Thành" and district.kind == "district"
    assert district.children.count() == 25
    assert Area.objects.get(path="38/391/15187/").name == "Thị trấn Kim Tân"


def test_shipped_file_needs_its_province_first():
    with pytest.raises(CommandError, match="38/"):
        _import(DATA)
