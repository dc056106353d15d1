from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Operator, TelecomImport


class UploadForm(forms.Form):
    operator = forms.ChoiceField(label=_("Operator"), choices=Operator.choices)
    kind = forms.ChoiceField(
        label=_("Kind of file"),
        choices=[
            (TelecomImport.Kind.CELLS, _("Cell list (cell id, coordinates, radius)")),
            (TelecomImport.Kind.LOCATIONS, _("Subscriber location records (phone, cell id, start, end)")),
        ],
    )
    policy = forms.ChoiceField(
        label=_("Rows with errors"),
        choices=[
            (TelecomImport.Policy.ALL_OR_NOTHING, _("Import nothing if any row is wrong")),
            (TelecomImport.Policy.SKIP_BAD_ROWS, _("Import the good rows, list the skipped ones")),
        ],
        initial=TelecomImport.Policy.ALL_OR_NOTHING,
    )
    # An empty file is the service's to refuse (telecom_file_empty), in the project's words: Django's own "The
    # submitted file is empty" read as another program's.
    file = forms.FileField(label=_("CSV or Excel (.xlsx) file"), allow_empty_file=True)


def upload_initial(query) -> dict:
    """The choices of a previous upload carried in the query string (the import page's "upload again" links), so
    that the next attempt is not sent as the wrong kind; unknown values are ignored."""
    form = UploadForm()
    return {
        name: query[name]
        for name in ("operator", "kind", "policy")
        if query.get(name) in {str(value) for value, _label in form.fields[name].choices}
    }
