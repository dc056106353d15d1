"""Priority groups and vaccine products (docs/vaccination.md has the sources and what is unconfirmed).

Both are editable data (admin): a province corrects a wording or an interval without a release.
"""

from django.db import migrations

NQ21 = "Nghị quyết 21/NQ-CP ngày 26/02/2021 về mua và sử dụng vắc xin phòng COVID-19 (9 nhóm; lời văn chưa đối chiếu)"

# (code, order, vi, en, source). Resolution 21/NQ-CP lists nine groups (nghenghiepcuocsong.vn, 01/03/2021:
# "miễn phí cho 9 nhóm đối tượng"); the wording below is a summary to check against the text (unconfirmed).
PRIORITY_GROUPS = [
    (
        "nq21-1",
        1,
        "Lực lượng tuyến đầu phòng, chống dịch: người làm việc tại cơ sở y tế; người tham gia phòng, chống dịch "
        "(Ban chỉ đạo các cấp, khu cách ly, truy vết, tổ COVID cộng đồng, tình nguyện viên, phóng viên); quân đội; công an",
        "Front-line workers: health facility staff; people in the epidemic response (steering committees, quarantine "
        "sites, tracing, community COVID teams, volunteers, reporters); the army; the police",
        NQ21,
    ),
    (
        "nq21-2",
        2,
        "Cán bộ ngoại giao của Việt Nam được cử đi nước ngoài; hải quan, cán bộ làm công tác xuất nhập cảnh",
        "Vietnamese diplomats posted abroad; customs and immigration officers",
        NQ21,
    ),
    (
        "nq21-3",
        3,
        "Người cung cấp dịch vụ thiết yếu: hàng không, vận tải, du lịch; cung cấp dịch vụ điện, nước",
        "Providers of essential services: aviation, transport, tourism, electricity and water supply",
        NQ21,
    ),
    (
        "nq21-4",
        4,
        "Giáo viên, người làm việc, học sinh, sinh viên tại cơ sở giáo dục, đào tạo; người làm việc tại cơ quan, đơn vị "
        "hành chính thường xuyên tiếp xúc với nhiều người",
        "Teachers, staff and students of schools and training institutions; staff of public offices in frequent "
        "contact with many people",
        NQ21,
    ),
    ("nq21-5", 5, "Người mắc bệnh mạn tính; người trên 65 tuổi", "People with chronic diseases; people over 65", NQ21),
    ("nq21-6", 6, "Người sinh sống tại vùng có dịch", "People living in outbreak areas", NQ21),
    ("nq21-7", 7, "Người nghèo, các đối tượng chính sách xã hội", "The poor and social-policy beneficiaries", NQ21),
    (
        "nq21-8",
        8,
        "Người được cơ quan nhà nước có thẩm quyền cử đi công tác, học tập, lao động ở nước ngoài",
        "People sent abroad by a competent state body to work or study",
        NQ21,
    ),
    (
        "nq21-9",
        9,
        "Đối tượng khác do Bộ Y tế quyết định căn cứ yêu cầu phòng, chống dịch",
        "Other people decided by the Ministry of Health as the epidemic requires",
        NQ21,
    ),
    (
        "other",
        99,
        "Người từ 18 tuổi trở lên không thuộc các nhóm trên",
        "Adults (18+) in none of the groups above",
        "Phòng Dịch: nhóm chung, xếp sau các nhóm ưu tiên (not in the resolution)",
    ),
]

# EU DCC vp codes (the generic J07BX03 is inactive in the current value set).
VECTOR = "29061000087103"  # COVID-19 non-replicating viral vector vaccine
INACTIVATED = "1157024006"  # Inactivated whole SARS-CoV-2 antigen vaccine
PROTEIN = "1162643001"  # SARS-CoV-2 recombinant spike protein antigen vaccine
MRNA = "1119349007"  # SARS-CoV-2 mRNA vaccine
SMPC = "SmPC of the product (EMA); not re-read in this work: unconfirmed"
# (code, name, mp, ma, vp, series, min days, recommended days, source, confirmed). Codes: EU DCC value sets
# (certificates/valuesets). Intervals: docs/vaccination.md "Products".
PRODUCTS = [
    (
        "astrazeneca",
        "AstraZeneca (Vaxzevria)",
        "EU/1/21/1529",
        "ORG-100001699",
        VECTOR,
        2,
        28,
        56,
        "4 weeks at least when the second dose is urgent, 8 weeks normally (MoH, reported by thanhnien.vn "
        "bo-y-te-co-the-rut-ngan-khoang-cach-2-mui-tiem-vac-xin-astrazeneca-1449049, 09/2021; interval set by "
        "CV 7820/BYT-DP 20/09/2021, cited by thoibaotaichinhvietnam.vn 99209); SmPC: 4–12 weeks",
        True,
    ),
    (
        "pfizer",
        "Pfizer-BioNTech (Comirnaty)",
        "EU/1/20/1528",
        "ORG-100030215",
        MRNA,
        2,
        21,
        21,
        "'theo hướng dẫn của nhà sản xuất' (MoH, Dec 2021, thoibaotaichinhvietnam.vn 99209); " + SMPC + " (21 days)",
        False,
    ),
    (
        "moderna",
        "Moderna (Spikevax)",
        "EU/1/20/1507",
        "ORG-100031184",
        MRNA,
        2,
        28,
        28,
        SMPC + " (28 days)",
        False,
    ),
    (
        "verocell",
        "Sinopharm (Vero Cell, BBIBP-CorV)",
        "BBIBP-CorV",
        "ORG-100020693",
        INACTIVATED,
        2,
        21,
        28,
        "WHO SAGE interim recommendation for BBIBP-CorV (3–4 weeks); not re-read in this work: unconfirmed",
        False,
    ),
    (
        "sputnikv",
        "Sputnik V (Gam-COVID-Vac)",
        "Sputnik-V",
        "Gamaleya-Research-Institute",
        VECTOR,
        2,
        21,
        21,
        "Manufacturer's instructions (21 days); not read in this work: unconfirmed",
        False,
    ),
    (
        "janssen",
        "Janssen (COVID-19 Vaccine Janssen)",
        "EU/1/20/1525",
        "ORG-100001417",
        VECTOR,
        1,
        None,
        None,
        "Single dose: " + SMPC,
        False,
    ),
    (
        "abdala",
        "Abdala (CIGB-66)",
        "Abdala",
        "CIGB",
        PROTEIN,
        3,
        14,
        14,
        "Three doses 14 days apart (manufacturer's 0–14–28 schedule); not read in this work: unconfirmed",
        False,
    ),
    (
        "hayatvax",
        "Hayat-Vax",
        "Hayat-Vax",
        "ORG-100023050",
        INACTIVATED,
        2,
        21,
        28,
        "Same schedule as BBIBP-CorV (it is made under licence from Sinopharm); unconfirmed",
        False,
    ),
]


def load(apps, schema_editor):
    PriorityGroup = apps.get_model("vaccination", "PriorityGroup")
    VaccineProduct = apps.get_model("vaccination", "VaccineProduct")
    for code, order, vi, en, source in PRIORITY_GROUPS:
        PriorityGroup.objects.update_or_create(
            code=code, defaults={"order": order, "name_vi": vi, "name_en": en, "source": source}
        )
    for code, name, mp, ma, vp, series, min_days, days, source, confirmed in PRODUCTS:
        VaccineProduct.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "medicinal_product": mp,
                "manufacturer": ma,
                "prophylaxis": vp,
                "series_doses": series,
                "min_interval_days": min_days,
                "recommended_interval_days": days,
                "interval_source": source,
                "interval_confirmed": confirmed,
            },
        )


def unload(apps, schema_editor):
    apps.get_model("vaccination", "PriorityGroup").objects.filter(code__in=[g[0] for g in PRIORITY_GROUPS]).delete()
    apps.get_model("vaccination", "VaccineProduct").objects.filter(code__in=[p[0] for p in PRODUCTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("vaccination", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
