"""System checks of the cases settings (registered in CasesConfig.ready)."""

import os

from django.core import checks


@checks.register()
def check_removed_settings(app_configs, **kwargs):
    """CONTACT_QUARANTINE_DAYS was replaced by quarantine rules with dates (cases.QuarantineRule, docs/cases.md):
    a province that had set it would now quarantine by the loaded rules without knowing. `migrate` and `check`
    stop on it until it is removed and the province's regime is entered as a rule."""
    if "CONTACT_QUARANTINE_DAYS" not in os.environ:
        return []
    return [
        checks.Error(
            "CONTACT_QUARANTINE_DAYS is no longer read: quarantine days are rules with the date they take effect.",
            hint="Remove the variable and enter the province's regime in the admin (Cases → Quarantine rules): "
            "docs/cases.md, 'Quarantine rules'.",
            id="cases.E001",
        )
    ]
