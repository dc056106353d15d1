# When an official recorded a case's outcome (recovered, died): an outcome recorded by mistake is undone for a while
# after it (services.case_outcome_undo). Outcomes recorded before stay as they are (empty).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0028_contact_episode_start'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='outcome_recorded_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='outcome recorded at'),
        ),
    ]
