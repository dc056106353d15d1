# Why a quarantine was ended before its last day: services._contact_status_apply requires a reason then. A database
# default, for the tracers' raw inserts of contacts.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0029_case_outcome_recorded_at'),
    ]

    operations = [
        migrations.AddField(
            model_name='contact',
            name='release_reason',
            field=models.CharField(blank=True, db_default='', default='', max_length=500, verbose_name='reason for an early release'),
        ),
    ]
