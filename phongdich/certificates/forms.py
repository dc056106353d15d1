"""Forms of the officials' certificate pages."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from phongdich.core.errors import ApplicationError

from . import errors


class CertificateRevokeForm(forms.Form):
    """Revoking cannot be undone (the certificate joins the public revocation list at once), so the page asks for
    the reason and a tick, as the case withdrawal does; the API asks for the reason only."""

    reason = forms.CharField(
        label=_("Reason for revoking"),
        max_length=255,
        required=False,  # checked in clean_reason, with the service's own message
        widget=forms.TextInput(attrs={"maxlength": 255, "required": True}),
        help_text=_("For example: entered for the wrong person; wrong date of the dose."),
    )
    confirm = forms.BooleanField(
        label=_("I have checked: this certificate must no longer be accepted."),
        error_messages={"required": _("Tick the box to confirm the revocation: it cannot be undone.")},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(ApplicationError(errors.CERTIFICATE_REVOKE_REASON_REQUIRED).as_dict()["message"])
        return reason
