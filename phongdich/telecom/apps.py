from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelecomConfig(AppConfig):
    name = "phongdich.telecom"
    verbose_name = _("Telecom records")

    def ready(self):
        from phongdich.cases.notes import register_note_renderer

        from .notes import note_text

        # The note of a telecom link is stored as a code: the case pages and the API word it in the reader's language.
        register_note_renderer("telecom", note_text)
