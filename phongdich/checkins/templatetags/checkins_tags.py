"""Template helpers of the check-in pages."""

from django import template
from django.utils import translation
from django.utils.html import format_html

from .. import selectors

register = template.Library()


@register.simple_tag
def bi(text, **values):
    """The text in the page's language with English below it: citizen pages are Vietnamese first, and
    foreigners check in too. Use with a lazy string, `{% bi _("Check in") %}`, so that makemessages finds it.
    A text with %(name)s placeholders comes from the view (a template's _() doubles the %) with the values:
    `{% bi item.send_label phone=item.phone %}`; the values are escaped."""
    current = str(text)
    with translation.override("en"):
        english = str(text)
    if values:
        current, english = current % values, english % values
    if english == current:
        return current
    return format_html('{}<span class="en" lang="en">{}</span>', current, english)


@register.filter
def records_checkins(user) -> bool:
    """`{% if user|records_checkins %}`: the scan and paper pages would let the user in (selectors.staff_venues)."""
    return selectors.records_checkins(user)
