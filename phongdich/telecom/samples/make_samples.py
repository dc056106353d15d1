"""Write the sample operator files of docs/telecom.md; deterministic (fixed seed), so a re-run changes nothing.

    .venv/bin/python -m phongdich.telecom.samples.make_samples

Cells are invented around Thạch Thành, Thanh Hóa (about 20.1–20.25° N, 105.55–105.7° E); the stays are
in the week of seed 002's report (14–20/09/2021; the broken file uses 21/09). One phone (CASE_PHONE) plays a
case: CONTACT_PHONE shares 40 minutes with it in a cell, SHORT_PHONE 10 minutes (under the 15-minute minimum),
LATER_PHONE is in the same cell after it left, NEIGHBOUR_PHONE is in a cell 780 m away at the same time,
UNKNOWN_PHONE shares 30 minutes.
telecom.demo uses the same functions with today's dates and the demo's people.
"""

import csv
import datetime as dt
import io
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
OPERATOR = "viettel"
SEED = 20210914
BASE_DAY = dt.date(2021, 9, 14)

# cell id, latitude, longitude, radius (m); KT-01 and KT-02 are 780 m apart (0.007° of latitude).
CELLS = [
    ("TTH-KT-01", "20.128000", "105.647000", 800),
    ("TTH-KT-02", "20.135000", "105.647000", 800),
    ("TTH-KT-03", "20.121000", "105.655000", 1200),
    ("TTH-VD-01", "20.164000", "105.611000", 1500),
    ("TTH-VD-02", "20.171000", "105.603000", 1500),
    ("TTH-TL-01", "20.189000", "105.652000", 2000),
    ("TTH-TQ-01", "20.207000", "105.585000", 2500),
    ("TTH-TQ-02", "20.214000", "105.571000", 2500),
    ("TTH-NT-01", "20.236000", "105.628000", 3000),
    ("TTH-TT-01", "20.152000", "105.689000", 2000),
    ("TTH-TT-02", "20.145000", "105.701000", 2000),
    ("TTH-HCM-01", "20.098000", "105.624000", 3500),  # along the Hồ Chí Minh road
]

CASE_PHONE = "+84912000111"
CONTACT_PHONE = "+84987000222"
SHORT_PHONE = "+84356000333"
LATER_PHONE = "+84868000444"
NEIGHBOUR_PHONE = "+84903000555"
UNKNOWN_PHONE = "+84394000666"
# Mobile prefixes that people.validation accepts (RULES.md §8).
PREFIXES = ["96", "97", "98", "86", "32", "33", "34", "35", "36", "37", "38", "39", "91", "94", "88", "90", "93"]


def operator_form(phone: str, rng: random.Random) -> str:
    """How operators export numbers: 84xxxxxxxxx or 0xxxxxxxxx."""
    return phone[1:] if rng.random() < 0.5 else "0" + phone[3:]


def scenario_stays(*, case_phone, contact_phone, short_phone, later_phone, neighbour_phone, unknown_phone, at):
    """The stays that make a tracing story around `at` (when the case enters TTH-KT-01)."""
    minutes = dt.timedelta(minutes=1)
    return [
        (case_phone, "TTH-KT-01", at, at + 90 * minutes),
        (case_phone, "TTH-VD-01", at + 120 * minutes, at + 200 * minutes),
        (contact_phone, "TTH-KT-01", at + 30 * minutes, at + 70 * minutes),  # 40 min together
        (short_phone, "TTH-KT-01", at + 80 * minutes, at + 150 * minutes),  # 10 min together
        (later_phone, "TTH-KT-01", at + 95 * minutes, at + 160 * minutes),  # after the case left
        (neighbour_phone, "TTH-KT-02", at + 10 * minutes, at + 60 * minutes),  # 780 m away
        (unknown_phone, "TTH-VD-01", at + 150 * minutes, at + 180 * minutes),  # 30 min, nobody's number
    ]


def noise_stays(rng: random.Random, phones: list[str], first: dt.datetime, days: float):
    """Each phone moves from cell to cell, one stay after another: never two stays of a phone at once."""
    stays = []
    cells = [cell[0] for cell in CELLS]
    for phone in phones:
        at = first + dt.timedelta(minutes=rng.randrange(0, 600))
        end_of_period = first + dt.timedelta(days=days)
        while True:
            length = dt.timedelta(minutes=rng.choice([20, 35, 50, 75, 120, 240, 480]))
            if at + length > end_of_period:
                break
            stays.append((phone, rng.choice(cells), at, at + length))
            at += length + dt.timedelta(minutes=rng.randrange(0, 180))
    return stays


def invented_phones(rng: random.Random, count: int) -> list[str]:
    return [f"+84{rng.choice(PREFIXES)}{rng.randrange(10_000_000):07d}" for _ in range(count)]


def cells_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Mã trạm", "Vĩ độ", "Kinh độ", "Bán kính (m)"])
    writer.writerows(CELLS)
    return buffer.getvalue()


def locations_csv(stays, rng: random.Random, *, delimiter=";") -> str:
    """Vietnamese headers, semicolons, Vietnamese dates, numbers as the operator writes them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["Số thuê bao", "Mã trạm", "Bắt đầu", "Kết thúc"])
    for phone, cell, start, end in stays:
        writer.writerow([operator_form(phone, rng), cell, f"{start:%d/%m/%Y %H:%M:%S}", f"{end:%d/%m/%Y %H:%M:%S}"])
    return buffer.getvalue()


def sample_stays(rng: random.Random, *, first_day: dt.date, days: int, noise: int):
    at = dt.datetime.combine(first_day + dt.timedelta(days=1), dt.time(9, 0))
    story = scenario_stays(
        case_phone=CASE_PHONE,
        contact_phone=CONTACT_PHONE,
        short_phone=SHORT_PHONE,
        later_phone=LATER_PHONE,
        neighbour_phone=NEIGHBOUR_PHONE,
        unknown_phone=UNKNOWN_PHONE,
        at=at,
    )
    stays = story + noise_stays(rng, invented_phones(rng, noise), dt.datetime.combine(first_day, dt.time(6)), days)
    rng.shuffle(stays)  # operators' exports are not sorted
    return stays


def locations_xlsx(stays) -> bytes:
    """English headers, Excel date-times, numbers stored as text (0…) and as numbers (84…)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "msisdn"
    sheet.append(["MSISDN", "Cell ID", "Start", "End"])
    for index, (phone, cell, start, end) in enumerate(stays):
        number = "0" + phone[3:] if index % 2 else int(phone[1:])
        sheet.append([number, cell, start, end])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _stable_zip(buffer.getvalue())


def _stable_zip(data: bytes) -> bytes:
    """openpyxl stamps the time of writing into the workbook and the zip entries: fix both."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                import re

                content = re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", b"", content)
            info = zipfile.ZipInfo(item.filename, date_time=(2021, 9, 21, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content)
    return out.getvalue()


# The broken file: each line's fault is named in docs/telecom.md and checked by the tests (line: reason).
BROKEN_LINES = [
    ("0912000111", "TTH-KT-01", "21/09/2021 08:00", "21/09/2021 09:00", None),  # line 2: good
    ("0123456", "TTH-KT-01", "21/09/2021 08:00", "21/09/2021 09:00", "invalid_phone"),  # 3
    ("0987000222", "TTH-KT-01", "21/09/2021 10:00", "21/09/2021 09:00", "end_before_start"),  # 4
    ("0987000222", "TTH-ZZ-99", "21/09/2021 08:00", "21/09/2021 09:00", "unknown_cell"),  # 5
    ("84912000111", "TTH-KT-01", "21/09/2021 08:30", "21/09/2021 09:30", "overlap_in_file"),  # 6 overlaps 2
    ("0356000333", "TTH-KT-02", "31/09/2021 08:00", "31/09/2021 09:00", "invalid_time"),  # 7: no 31 September
    ("0356000333", "TTH-KT-02", "21/09/2021 08:00", "23/09/2021 08:00", "stay_too_long"),  # 8
    ("0868000444", "TTH-KT-02", "15/09/2099 08:00", "15/09/2099 09:00", "in_future"),  # 9
    ("", "TTH-KT-02", "21/09/2021 08:00", "21/09/2021 09:00", "missing_value"),  # 10
    ("0868000444", "TTH-KT-02", "21/09/2021 08:00", "21/09/2021 08:45", None),  # 11: good
]


def broken_locations_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["so_thue_bao", "ma_tram", "bat_dau", "ket_thuc"])
    for phone, cell, start, end, _reason in BROKEN_LINES:
        writer.writerow([phone, cell, start, end])
    return buffer.getvalue()


def wrong_columns_csv() -> str:
    return "phone,tower,from,to\n0912000111,TTH-KT-01,21/09/2021 08:00,21/09/2021 09:00\n"


def main() -> None:
    rng = random.Random(SEED)
    (HERE / "viettel-cells.csv").write_text(cells_csv(), encoding="utf-8")
    csv_stays = sample_stays(rng, first_day=BASE_DAY, days=3, noise=40)
    # With a BOM, as Excel on Windows saves "CSV UTF-8".
    (HERE / "viettel-locations.csv").write_text("\ufeff" + locations_csv(csv_stays, rng), encoding="utf-8")
    xlsx_stays = noise_stays(rng, invented_phones(rng, 20), dt.datetime(2021, 9, 18, 6), 2)
    (HERE / "viettel-locations.xlsx").write_bytes(locations_xlsx(xlsx_stays))
    (HERE / "broken-locations.csv").write_text(broken_locations_csv(), encoding="utf-8")
    (HERE / "wrong-columns.csv").write_text(wrong_columns_csv(), encoding="utf-8")
    print(f"cells: {len(CELLS)}, locations.csv: {len(csv_stays)}, locations.xlsx: {len(xlsx_stays)}")


if __name__ == "__main__":
    main()
