"""Seed the international ports of entry. Officials add, rename or deactivate them in the admin afterwards.

Sources (read through stored public copies):
- Airports: the 12 international airports listed by Vietnam Airlines, "Các sân bay ở Việt Nam" (2025)
  www.vietnamairlines.com/in/vi/useful-information/travel-guide/cac-san-bay-o-viet-nam (11 named there with their
  ICAO/IATA codes) plus Chu Lai (camranh-airport.vn/10-san-bay-quoc-te-o-viet-nam/, and Resolution 127/NQ-CP's 2025
  additions as reported by vietnam.vn).
- Land border gates: the 16 international land border gates where foreigners may enter with an e-visa, Government
  Resolution 127/NQ-CP of 14/08/2023 (thongtin.vietnam.vn/ja/danh-sach-cua-khau-quoc-te-cho-phep-xuat-nhap-canh-bang-
  thi-thuc-dien-tu; en.vietnamplus.vn/evisa-proves-convenient-at-lang-sons-border-gate/267167.vnp: "13 air, 16 land,
  and 13 sea border gates"); provinces as in lawnet.vn's "List of international border gates in Vietnam in 2024".
- Sea ports: the sea border gates of the same resolution as far as the stored copy lists them (Hòn Gai, Cẩm Phả,
  Hải Phòng, Nghi Sơn, Vũng Áng, Chân Mây, Đà Nẵng, Nha Trang), completed with those of the 2020 e-visa list and
  the TITC list of gates without entry cards (khamphadisan.com.vn/danh-sach-cac-cua-khau-quoc-te-mien-thu-tuc-nhap-
  xuat-canh-cho-du-khach/): Quy Nhơn, Dung Quất, Vũng Tàu, TP. Hồ Chí Minh, Dương Đông.
`province` is the 2021 GSO province code (RULES.md §7); the port is linked to that root area when it is loaded.
"""

from django.db import migrations

PORTS = [
    # code, name_vi, name_en, kind, province (GSO 2021)
    ("HAN", "Cảng hàng không quốc tế Nội Bài", "Noi Bai International Airport", "airport", "01"),
    ("SGN", "Cảng hàng không quốc tế Tân Sơn Nhất", "Tan Son Nhat International Airport", "airport", "79"),
    ("DAD", "Cảng hàng không quốc tế Đà Nẵng", "Da Nang International Airport", "airport", "48"),
    ("CXR", "Cảng hàng không quốc tế Cam Ranh", "Cam Ranh International Airport", "airport", "56"),
    ("PQC", "Cảng hàng không quốc tế Phú Quốc", "Phu Quoc International Airport", "airport", "91"),
    ("HPH", "Cảng hàng không quốc tế Cát Bi", "Cat Bi International Airport", "airport", "31"),
    ("VCA", "Cảng hàng không quốc tế Cần Thơ", "Can Tho International Airport", "airport", "92"),
    ("DLI", "Cảng hàng không quốc tế Liên Khương", "Lien Khuong International Airport", "airport", "68"),
    ("VII", "Cảng hàng không quốc tế Vinh", "Vinh International Airport", "airport", "40"),
    ("HUI", "Cảng hàng không quốc tế Phú Bài", "Phu Bai International Airport", "airport", "46"),
    ("VDO", "Cảng hàng không quốc tế Vân Đồn", "Van Don International Airport", "airport", "22"),
    ("VCL", "Cảng hàng không quốc tế Chu Lai", "Chu Lai International Airport", "airport", "49"),
    ("L-TAYTRANG", "Cửa khẩu quốc tế Tây Trang", "Tay Trang International Border Gate", "land", "11"),
    ("L-MONGCAI", "Cửa khẩu quốc tế Móng Cái", "Mong Cai International Border Gate", "land", "22"),
    ("L-HUUNGHI", "Cửa khẩu quốc tế Hữu Nghị", "Huu Nghi International Border Gate", "land", "20"),
    ("L-LAOCAI", "Cửa khẩu quốc tế Lào Cai", "Lao Cai International Border Gate", "land", "10"),
    ("L-NAMEO", "Cửa khẩu quốc tế Na Mèo", "Na Meo International Border Gate", "land", "38"),
    ("L-NAMCAN", "Cửa khẩu quốc tế Nậm Cắn", "Nam Can International Border Gate", "land", "40"),
    ("L-CAUTREO", "Cửa khẩu quốc tế Cầu Treo", "Cau Treo International Border Gate", "land", "42"),
    ("L-CHALO", "Cửa khẩu quốc tế Cha Lo", "Cha Lo International Border Gate", "land", "44"),
    ("L-LALAY", "Cửa khẩu quốc tế La Lay", "La Lay International Border Gate", "land", "45"),
    ("L-LAOBAO", "Cửa khẩu quốc tế Lao Bảo", "Lao Bao International Border Gate", "land", "45"),
    ("L-BOY", "Cửa khẩu quốc tế Bờ Y", "Bo Y International Border Gate", "land", "62"),
    ("L-MOCBAI", "Cửa khẩu quốc tế Mộc Bài", "Moc Bai International Border Gate", "land", "72"),
    ("L-XAMAT", "Cửa khẩu quốc tế Xa Mát", "Xa Mat International Border Gate", "land", "72"),
    ("L-TINHBIEN", "Cửa khẩu quốc tế Tịnh Biên", "Tinh Bien International Border Gate", "land", "89"),
    ("L-VINHXUONG", "Cửa khẩu quốc tế Vĩnh Xương", "Vinh Xuong International Border Gate", "land", "89"),
    ("L-HATIEN", "Cửa khẩu quốc tế Hà Tiên", "Ha Tien International Border Gate", "land", "91"),
    ("S-HONGAI", "Cửa khẩu cảng Hòn Gai", "Hon Gai Port", "sea", "22"),
    ("S-CAMPHA", "Cửa khẩu cảng Cẩm Phả", "Cam Pha Port", "sea", "22"),
    ("S-HAIPHONG", "Cửa khẩu cảng Hải Phòng", "Hai Phong Port", "sea", "31"),
    ("S-NGHISON", "Cửa khẩu cảng Nghi Sơn", "Nghi Son Port", "sea", "38"),
    ("S-VUNGANG", "Cửa khẩu cảng Vũng Áng", "Vung Ang Port", "sea", "42"),
    ("S-CHANMAY", "Cửa khẩu cảng Chân Mây", "Chan May Port", "sea", "46"),
    ("S-DANANG", "Cửa khẩu cảng Đà Nẵng", "Da Nang Port", "sea", "48"),
    ("S-DUNGQUAT", "Cửa khẩu cảng Dung Quất", "Dung Quat Port", "sea", "51"),
    ("S-QUYNHON", "Cửa khẩu cảng Quy Nhơn", "Quy Nhon Port", "sea", "52"),
    ("S-NHATRANG", "Cửa khẩu cảng Nha Trang", "Nha Trang Port", "sea", "56"),
    ("S-VUNGTAU", "Cửa khẩu cảng Vũng Tàu", "Vung Tau Port", "sea", "77"),
    ("S-HCM", "Cửa khẩu cảng Thành phố Hồ Chí Minh", "Ho Chi Minh City Port", "sea", "79"),
    ("S-DUONGDONG", "Cửa khẩu cảng Dương Đông", "Duong Dong Port", "sea", "91"),
]


def seed(apps, schema_editor):
    PortOfEntry = apps.get_model("declarations", "PortOfEntry")
    Area = apps.get_model("geo", "Area")
    provinces = {area.code: area for area in Area.objects.filter(parent__isnull=True)}
    for code, name_vi, name_en, kind, province in PORTS:
        PortOfEntry.objects.update_or_create(
            code=code,
            defaults={"name_vi": name_vi, "name_en": name_en, "kind": kind, "province": provinces.get(province)},
        )


def unseed(apps, schema_editor):
    apps.get_model("declarations", "PortOfEntry").objects.filter(code__in=[row[0] for row in PORTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("declarations", "0001_initial"), ("geo", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
