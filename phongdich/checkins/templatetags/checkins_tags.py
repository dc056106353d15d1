"""Template helpers of the check-in pages."""

from django import template
from django.utils import translation
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def bi(text):
    """The text in the page's language with English below it: citizen pages are Vietnamese first, and
    foreigners check in too. Use with a lazy string, `{% bi _("Check in") %}`, so that makemessages finds it."""
    current = str(text)
    with translation.override("en"):
        english = str(text)
    if english == current:
        return current
    return format_html('{}<span class="en" lang="en">{}</span>', current, english)
