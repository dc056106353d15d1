"""Template filters for people's data as officials read it."""

from django import template

from phongdich.people.validation import phone_national

register = template.Library()


@register.filter
def phone(value) -> str:
    """A stored number as people write it ("+84912345678" -> "0912345678"), as the exports give it too; the stored
    E.164 stays in `tel:` links, which dial from anywhere."""
    return phone_national(value or "")
