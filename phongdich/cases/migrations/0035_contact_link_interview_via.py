# The F2 named in an F1's interview looked up by their F1 (`via`): when the F1 becomes a case, is dismissed or is
# confirmed again (docs/cases.md, "Contacts named in an F1's interview (F2)"). A partial index: only interview links,
# the few an official enters; the thousands of check-in links a trace writes pay nothing for it.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0034_contact_episodes_from_audit'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='contactlink',
            index=models.Index(condition=models.Q(('source', 'interview')), fields=['via'], name='contact_link_interview_via'),
        ),
    ]
