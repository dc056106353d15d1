"""Individual results as a spreadsheet, built in the background (core.exports): every result the filters select,
with the requester's scope, in the requester's language (the headers and values are translated)."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.permissions import has_role
from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.core.exports import ExportPlan
from phongdich.people.validation import phone_national

from . import selectors, services
from .forms import ResultsFilterForm

RESULTS_EXPORT = "testing.results"


def results_query(*, viewer, params):
    """(form, values, results) of the results page's filters for `viewer`. Raises ApplicationError: no testing role
    (403), a filter out of range (400)."""
    if not has_role(viewer, *services.LAB_ROLES, *services.REGISTER_ROLES):
        raise ApplicationError(core_errors.PERMISSION_DENIED)
    form = ResultsFilterForm(params or None)
    if form.is_bound and not form.is_valid():
        raise ApplicationError(core_errors.INVALID_INPUT, extra={"fields": list(form.errors)})
    values = form.cleaned_data if form.is_bound else {}
    found = selectors.results_list(
        viewer=viewer,
        outcome=values.get("outcome") or "",
        test_type=values.get("test_type") or "",
        date_from=values.get("date_from"),
        date_to=values.get("date_to"),
    )
    return form, values, found


def results_export_plan(user, params: dict) -> ExportPlan:
    _form, values, found = results_query(viewer=user, params=params)
    total = found.count()
    audit_record(
        actor=user,
        action="testing.results.exported",
        extra={"rows": total, "filters": {k: str(v) for k, v in values.items() if v}},
    )
    header = [
        _("Barcode"),
        _("Full name"),
        _("Year of birth"),
        _("Phone"),
        _("Test type"),
        _("Result"),
        "Ct",
        _("Pool"),
        _("Sampled at"),
        _("Tested at"),
        _("Laboratory"),
    ]
    return ExportPlan(
        filename=f"ket-qua-xet-nghiem-{timezone.localdate():%Y%m%d}.xlsx",
        total=total,
        sheets=[(_("Results"), header, _rows(found))],
    )


def _rows(results):
    for result in results.iterator(chunk_size=2000):
        person = result.sample.person
        yield [
            result.sample.barcode,
            person.full_name,
            person.birth_year,
            phone_national(person.phone),
            result.get_test_type_display(),
            result.get_outcome_display(),
            float(result.ct_value) if isinstance(result.ct_value, Decimal) else None,
            result.from_pool.barcode if result.from_pool_id else "",
            result.sample.collected_at,
            result.tested_at,
            result.lab.name,
        ]
