"""What this app tells other apps about a person, through the hooks they offer (registered in apps.py):

- healthcards.inputs: `cases_status_inputs(person=, at=)` → active_case, recovered_at, in_quarantine_until;
- certificates.sources: `cases_recovery_certificates(person=)` → one recovery certificate per recovered case.
"""

import datetime as dt

from phongdich.certificates.sources import RecoveryFacts

from .selectors import case_facts_for_person, recovered_cases

# EU Digital COVID Certificate recovery rules, (EU) 2021/953, Annex (the recovery certificate's fields):
# "certificate valid until (not more than 180 days after the date of first positive test result)". The
# start on the 11th day after the first positive test is cited by issue 4 from the same rules; it was not
# checked against the legal text (docs/cases.md says so).
RECOVERY_VALID_FROM_DAYS = 11
RECOVERY_VALID_DAYS = 180


def cases_status_inputs(*, person, at: dt.datetime) -> dict:
    return case_facts_for_person(person=person, at=at)


def recovery_source_key(case_id: int) -> str:
    """The certificates' source key of a recovered case (one certificate per case)."""
    return f"cases.recovery:{case_id}"


def cases_recovery_certificates(*, person) -> list[tuple[str, RecoveryFacts]]:
    return [
        (
            recovery_source_key(case.pk),
            RecoveryFacts(
                first_positive_on=case.sample_date,
                valid_from=case.sample_date + dt.timedelta(days=RECOVERY_VALID_FROM_DAYS),
                valid_until=case.sample_date + dt.timedelta(days=RECOVERY_VALID_DAYS),
            ),
        )
        for case in recovered_cases(person=person)
    ]
