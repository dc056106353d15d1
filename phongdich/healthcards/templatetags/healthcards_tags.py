"""Template helpers of the health card pages."""

from django import template

from .. import selectors

register = template.Library()


@register.filter
def verifies_cards(user) -> bool:
    """`{% if user|verifies_cards %}`: the card verifier would let the user in."""
    return selectors.verifies_cards(user)
