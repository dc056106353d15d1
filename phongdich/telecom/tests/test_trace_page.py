"""The trace page as a province official uses it (findings 4 and 14 of the December 2026 walk-through): the
unknown subscribers' numbers to give the operator, the page's words in both languages, the F1 found, and the
upload form after a failed import."""

import io
import re

import pytest
from openpyxl import load_workbook

from phongdich.core.models import AuditLog
from phongdich.core.testing import assert_formula_safe
from phongdich.telecom.models import Cell, SubscriberLocation, TelecomImport, TelecomTrace
from phongdich.telecom.samples import make_samples as samples
from phongdich.telecom.services import telecom_trace_case

from .conftest import import_sample, local, make_case, make_person


@pytest.fixture
def traced(health, province_admin, cells, areas):
    """A Kim Tân case traced by the province official: Bùi Thị Hoa found, one unknown number (+84394000666)."""
    import_sample(health, "viettel-locations.csv")
    case = make_case(health, make_person(areas["kim_tan"], "Lê Văn Ca", samples.CASE_PHONE))
    contact = make_person(areas["kim_tan"], "Bùi Thị Hoa", samples.CONTACT_PHONE)
    trace = telecom_trace_case(case=case, actor=province_admin).trace
    return {"case": case, "contact": contact, "trace": trace}


def _unknown_table(page: str) -> str:
    return page.split('id="unknown"', 1)[1]


def test_the_province_official_sees_the_unknown_numbers_in_full_when_asked_and_that_read_is_audited(
    client, province_admin, traced
):
    case = traced["case"]
    client.force_login(province_admin)
    url = f"/telecom/trace/{case.pk}/"
    page = client.get(url).content.decode()
    assert "+8439•••••66" in page and samples.UNKNOWN_PHONE not in page
    assert f'href="{url}?numbers=full#unknown"' in page
    assert not AuditLog.objects.filter(action="telecom.trace.numbers_viewed").exists()
    shown = client.get(url, {"numbers": "full"}).content.decode()
    assert samples.UNKNOWN_PHONE in _unknown_table(shown) and "+8439•••••66" not in shown
    entry = AuditLog.objects.get(action="telecom.trace.numbers_viewed")
    assert (entry.actor, entry.object_id, entry.extra) == (
        province_admin,
        str(case.pk),
        {"trace": traced["trace"].pk, "numbers": len(traced["trace"].unknown)},
    )


def test_the_unknown_numbers_download_in_full_for_the_operator_formula_safe_and_audited(client, province_admin, traced):
    case, trace = traced["case"], traced["trace"]
    # A cell id is the operator's text: one that a spreadsheet would run must stay text.
    trace.unknown = [*trace.unknown, {**trace.unknown[0], "phone": "+84912999888", "cells": ["viettel =1+2"]}]
    trace.save(update_fields=["unknown"])
    client.force_login(province_admin)
    page = client.get(f"/telecom/trace/{case.pk}/").content.decode()
    assert f'href="/telecom/trace/{case.pk}/unknown.xlsx"' in page
    response = client.get(f"/telecom/trace/{case.pk}/unknown.xlsx")
    assert response.status_code == 200 and response["Content-Disposition"].endswith('-unknown.xlsx"')
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Số thuê bao / Number"
    numbers = {row[0]: row for row in rows[1:]}
    # National form, as the operators' files write it (and no "+" for a spreadsheet to read as a formula).
    assert "0394000666" in numbers and "0912999888" in numbers and len(numbers) == len(trace.unknown)
    assert numbers["0394000666"][1] == "TTH-VD-01 (Viettel)" and numbers["0394000666"][3] == 30
    assert numbers["0912999888"][1] == "=1+2 (Viettel)"  # as the operator wrote it: no apostrophe to see
    assert_formula_safe(response.content, "=1+2 (Viettel)")
    entry = AuditLog.objects.get(action="telecom.trace.numbers_exported")
    assert (entry.actor, entry.object_id, entry.extra["numbers"]) == (province_admin, str(case.pk), 6)


def test_the_unknown_numbers_download_survives_a_cell_id_with_a_control_character(
    client, health, province_admin, areas
):
    """A cell id holding a control character (stored before the cell list refused them) is traced through into the
    unknown subscribers ("Viettel KT\x0201"): the download was a 500 (openpyxl's IllegalCharacterError)."""
    cell = Cell.objects.create(operator="viettel", cell_id="KT\x0201", latitude=20.128, longitude=105.647, radius_m=800)
    source = TelecomImport.objects.create(  # the province's (a trace reads only its own area's imports)
        kind="locations", operator="viettel", file_format="csv", sha256="0" * 64, status="done", area_path="38/"
    )
    for phone in ("+84912000111", "+84394000666"):
        SubscriberLocation.objects.create(
            operator="viettel",
            phone=phone,
            cell=cell,
            start=local(2021, 9, 15, 9),
            end=local(2021, 9, 15, 10, 30),
            source_import=source,
        )
    case = make_case(health, make_person(areas["kim_tan"], "Lê Văn Ca", "+84912000111"))
    assert telecom_trace_case(case=case, actor=province_admin).trace.unknown
    client.force_login(province_admin)
    download = client.get(f"/telecom/trace/{case.pk}/unknown.xlsx")
    assert download.status_code == 200
    rows = list(load_workbook(io.BytesIO(download.content)).active.iter_rows(values_only=True))
    assert rows[1][:2] == ("0394000666", "KT\u240201 (Viettel)")


@pytest.mark.parametrize("who, status", [("area_official", 403), ("venue_staff", 403), ("hanoi_health", 404)])
def test_the_unknown_numbers_download_is_refused_to_other_roles_and_areas(request, client, health, traced, who, status):
    url = f"/telecom/trace/{traced['case'].pk}/unknown.xlsx"
    client.force_login(health)
    assert client.get(url).status_code == 200
    client.force_login(request.getfixturevalue(who))
    assert client.get(url).status_code == status
    assert AuditLog.objects.filter(action="telecom.trace.numbers_exported").count() == 1  # the health dept's


def test_the_unknown_numbers_download_of_a_case_never_traced_is_not_found(client, health, cells, areas):
    import_sample(health, "viettel-locations.csv")
    case = make_case(health, make_person(areas["kim_tan"], "Lê Văn Ca", samples.CASE_PHONE))
    client.force_login(health)
    assert client.get(f"/telecom/trace/{case.pk}/unknown.xlsx").status_code == 404
    assert not TelecomTrace.objects.exists()
    client.post(f"/telecom/trace/{case.pk}/")
    assert client.get(f"/telecom/trace/{case.pk}/unknown.xlsx").status_code == 200


def test_the_numbers_column_is_headed_subscriber_number_not_case_number(client, province_admin, traced):
    # "Number" alone is translated "Mã ca" by the cases catalogue, merged before this app's.
    client.force_login(province_admin)
    vi = _unknown_table(client.get(f"/telecom/trace/{traced['case'].pk}/").content.decode())
    assert "<th>Số thuê bao</th>" in vi and "Mã ca" not in vi
    en = _unknown_table(client.get(f"/en/telecom/trace/{traced['case'].pk}/").content.decode())
    assert "<th>Subscriber number</th>" in en


def test_cells_read_as_a_cell_of_an_operator_in_both_languages(client, province_admin, traced):
    client.force_login(province_admin)
    vi = client.get(f"/telecom/trace/{traced['case'].pk}/").content.decode()
    assert "<td>Trạm TTH-KT-01 (Viettel)</td>" in vi  # the F1 found
    assert "<td>Trạm TTH-VD-01 (Viettel)</td>" in vi  # the unknown number
    assert not re.search(r"viettel|\bcell\b", vi.split("<main", 1)[1].split("</main>")[0])
    en = client.get(f"/en/telecom/trace/{traced['case'].pk}/").content.decode()
    assert "<td>Cell TTH-KT-01 (Viettel)</td>" in en and "<td>Cell TTH-VD-01 (Viettel)</td>" in en


def test_the_page_says_that_only_the_areas_own_records_are_read(client, province_admin, traced):
    client.force_login(province_admin)
    vi = client.get(f"/telecom/trace/{traced['case'].pk}/").content.decode()
    assert "Chỉ dùng dữ liệu vị trí thuê bao do địa bàn của bạn nhập." in vi
    en = client.get(f"/en/telecom/trace/{traced['case'].pk}/").content.decode()
    assert "Only the subscriber records imported in your area are read." in en


def test_the_f1_found_links_to_the_contact_unless_they_live_outside_the_area(
    client, health, province_admin, cells, areas
):
    import_sample(health, "viettel-locations.csv")
    case = make_case(health, make_person(areas["kim_tan"], "Lê Văn Ca", samples.CASE_PHONE))
    make_person(areas["kim_tan"], "Bùi Thị Hoa", samples.CONTACT_PHONE)
    # The same number is also on record for someone in Hà Nội (a shared phone): a candidate, outside the area.
    make_person(areas["hoan_kiem"], "Trần Văn Xa", samples.CONTACT_PHONE)
    client.force_login(province_admin)
    page = client.post(f"/telecom/trace/{case.pk}/").content.decode()
    links = {link.contact.person.full_name: link for link in case.links.select_related("contact__person")}
    hoa = links["Bùi Thị Hoa"].contact_id
    assert f'<a href="/cases/contacts/{hoa}/">Bùi Thị Hoa</a>' in page
    assert "Trần Văn Xa" not in page and "TVX" in page and "ở ngoài địa bàn của bạn" in page
    assert f"/cases/contacts/{links['Trần Văn Xa'].contact_id}/" not in page
    assert client.get(f"/cases/contacts/{hoa}/").status_code == 200  # the link leads somewhere


def test_after_a_failed_import_the_upload_form_keeps_its_choices(client, health, cells):
    failed = import_sample(health, "broken-locations.csv")
    assert failed.status == "failed"
    client.force_login(health)
    detail = client.get(f"/telecom/imports/{failed.pk}/").content.decode()
    again = "/telecom/?operator=viettel&amp;kind=locations&amp;policy=all_or_nothing#upload"
    good_rows = "/telecom/?operator=viettel&amp;kind=locations&amp;policy=skip_bad_rows#upload"
    assert again in detail and good_rows in detail
    form = client.get("/telecom/", {"operator": "mobifone", "kind": "locations", "policy": "skip_bad_rows"})
    html = form.content.decode()
    assert '<option value="mobifone" selected>' in html
    assert '<option value="locations" selected>' in html and '<option value="cells" selected>' not in html
    assert '<option value="skip_bad_rows" selected>' in html
    assert "Loại tệp" in html  # the kind's label, not "Tệp" like the file's
    # Anything else in the query is ignored: the defaults.
    html = client.get("/telecom/", {"kind": "<b>x</b>", "operator": "nokia"}).content.decode()
    assert "<b>x</b>" not in html and "selected>" not in html.split('name="policy"')[0]
