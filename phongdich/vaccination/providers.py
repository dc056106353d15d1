"""What this app tells the rest of the system about a person's doses (registered in apps.py):

- the status card's "vaccination" input provider (healthcards.inputs): the doses given before `at`;
- the certificate source "vaccination" (certificates.sources): one EU DCC vaccination entry per dose, keyed
  "vaccination.dose:<id>" so that issuing again is idempotent; the latest is the one people show.
"""

from datetime import datetime

from django.utils import timezone


def vaccination_inputs(*, person, at: datetime) -> dict:
    """Doses given on or before the (local) day of `at`: a dose is given on a date (healthcards.rules)."""
    from .selectors import dose_inputs_of_persons

    day = timezone.localtime(at).date() if timezone.is_aware(at) else at.date()
    doses = dose_inputs_of_persons([person.pk], until=day).get(person.pk)
    return {"doses": doses} if doses else {}


def vaccination_certificate_facts(*, person) -> list:
    """One VaccinationFacts per dose. `total_doses` (sd) is the primary series of the product that started it
    (EU DCC: dn/sd = 1/1 for Janssen, 2/2 for a completed two-dose series, 3/2 for a first booster)."""
    from phongdich.certificates.sources import VaccinationFacts

    from .selectors import doses_of

    doses = doses_of(person)
    if not doses:
        return []
    series = doses[0].product.series_doses
    facts = []
    for dose in doses:
        product = dose.product
        facts.append(
            (
                f"vaccination.dose:{dose.pk}",
                VaccinationFacts(
                    vaccine_prophylaxis=product.prophylaxis,
                    medicinal_product=product.medicinal_product,
                    manufacturer=product.manufacturer,
                    dose_number=dose.dose_number,
                    total_doses=1 if product.single_dose and dose.dose_number == 1 else series,
                    given_on=dose.given_on,
                ),
            )
        )
    return facts
