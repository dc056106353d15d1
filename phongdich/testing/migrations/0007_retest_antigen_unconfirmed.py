"""A re-test item says why a new sample is needed: a positive (or invalid) pool, or a positive rapid antigen test
that confirms no case by itself under CV 11042 (RULES.md §1.2), which has no pool. Existing items are pools'."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('testing', '0006_result_corrections'),
    ]

    operations = [
        migrations.AddField(
            model_name='retestitem',
            name='reason',
            field=models.CharField(choices=[('pool', 'Positive or invalid pool'), ('antigen_unconfirmed', 'Positive rapid test, RT-PCR needed')], default='pool', max_length=20, verbose_name='reason for a new sample'),
        ),
        migrations.AlterField(
            model_name='retestitem',
            name='pool',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='retest_items', to='testing.pool', verbose_name='pool'),
        ),
        migrations.AddConstraint(
            model_name='retestitem',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('reason', 'pool'), ('pool__isnull', False)), models.Q(('reason', 'antigen_unconfirmed'), ('pool__isnull', True)), _connector='OR'), name='testing_retest_reason_pool'),
        ),
    ]
