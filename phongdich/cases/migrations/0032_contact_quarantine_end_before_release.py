# The quarantine's end as it stood when a contact was released: a release made by mistake is undone for a while after
# it, and the quarantine runs to that end again (services.contact_release_undo). Releases made before stay as they are
# (empty).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0031_rule_texts_for_officials'),
    ]

    operations = [
        migrations.AddField(
            model_name='contact',
            name='quarantine_end_before_release',
            field=models.DateField(blank=True, null=True, verbose_name='quarantine end before the release'),
        ),
    ]
