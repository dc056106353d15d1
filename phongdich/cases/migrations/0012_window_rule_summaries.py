"""What each window rule says, in Vietnamese and English, citing the Ministry of Health's document: the case page
showed the `source` field, an English note on where the text was read, on Vietnamese pages too."""

from django.db import migrations, models

SUMMARIES = {
    "qd3638_2021": (
        "QĐ 3638/QĐ-BYT ngày 30/07/2021 của Bộ Y tế: từ 3 ngày trước khi khởi phát triệu chứng; ca không có triệu"
        " chứng: từ lần tiếp xúc đầu tiên với nguồn lây đã biết, nếu không thì từ 14 ngày trước ngày lấy mẫu xét"
        " nghiệm khẳng định; không quy định thời gian tiếp xúc tối thiểu.",
        "QĐ 3638/QĐ-BYT of the Ministry of Health, 30/07/2021: from 3 days before symptom onset; without symptoms:"
        " from the first contact with a known source, otherwise from 14 days before the confirmatory sample; no"
        " minimum contact time.",
    ),
    "cv11042_2021": (
        "CV 11042/BYT-DP ngày 29/12/2021 của Bộ Y tế: thời kỳ lây truyền từ 2 ngày trước khi khởi phát triệu chứng,"
        " hoặc trước ngày lấy mẫu dương tính nếu không có triệu chứng; người có đeo khẩu trang tiếp xúc trong vòng"
        " 2 m là F1 từ 15 phút.",
        "CV 11042/BYT-DP of the Ministry of Health, 29/12/2021: the transmission period starts 2 days before symptom"
        " onset, or before the positive sample without symptoms; a masked contact within 2 m is an F1 from 15"
        " minutes.",
    ),
    "cv1909_2022": (
        "CV 1909/BYT-DP ngày 15/04/2022 của Bộ Y tế: giữ thời kỳ lây truyền của CV 11042/BYT-DP; khoảng cách tiếp xúc"
        " 1 m thay cho 2 m; người có đeo khẩu trang là F1 từ 15 phút.",
        "CV 1909/BYT-DP of the Ministry of Health, 15/04/2022: the transmission period of CV 11042/BYT-DP kept;"
        " contact within 1 m instead of 2 m; a masked contact is an F1 from 15 minutes.",
    ),
}


def load(apps, schema_editor):
    Rule = apps.get_model("cases", "InfectiousWindowRule")
    for code, (vietnamese, english) in SUMMARIES.items():
        Rule.objects.filter(code=code).update(summary_vi=vietnamese, summary_en=english)


class Migration(migrations.Migration):
    dependencies = [("cases", "0011_choice_labels")]
    operations = [
        migrations.AddField(
            model_name="infectiouswindowrule",
            name="summary_en",
            field=models.TextField(blank=True, verbose_name="summary in English"),
        ),
        migrations.AddField(
            model_name="infectiouswindowrule",
            name="summary_vi",
            field=models.TextField(blank=True, verbose_name="summary in Vietnamese"),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
