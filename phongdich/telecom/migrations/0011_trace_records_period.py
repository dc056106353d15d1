from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('telecom', '0010_import_rejections_and_records_period'),
    ]

    operations = [
        migrations.AddField(
            model_name='telecomtrace',
            name='records_from',
            field=models.DateTimeField(blank=True, null=True, verbose_name='records from'),
        ),
        migrations.AddField(
            model_name='telecomtrace',
            name='records_to',
            field=models.DateTimeField(blank=True, null=True, verbose_name='records to'),
        ),
        migrations.AddField(
            model_name='telecomtrace',
            name='records_imports',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='imports of records read'),
        ),
    ]
