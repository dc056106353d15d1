"""Template helpers of the testing pages."""

from django import template

from .. import selectors

register = template.Library()


@register.filter
def works_in_lab(user) -> bool:
    """`{% if user|works_in_lab %}`: offer the lab's pages (selectors.works_in_lab)."""
    return selectors.works_in_lab(user)
