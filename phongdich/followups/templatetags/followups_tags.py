"""Template helpers of the follow-up pages: an age in words, and the queue's ageing card (also shown on
the statistics dashboard: `{% load followups_tags %}{% followup_queue_card stats.area %}`)."""

import datetime as dt

from django import template
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from phongdich.accounts.permissions import PEOPLE_ROLES, has_role
from phongdich.core.errors import ApplicationError

from ..selectors import followup_queue_stats

register = template.Library()


@register.filter
def age(value: dt.timedelta | None) -> str:
    """ "5 h", "2 days 3 h": how long a task has waited (hours under two days, then days)."""
    if value is None:
        return "–"
    hours = max(0, int(value.total_seconds() // 3600))
    if hours < 48:
        return _("%(hours)s h") % {"hours": hours}
    days = hours // 24
    return (
        ngettext("%(days)s day", "%(days)s days", days) % {"days": days}
        + " "
        + _("%(hours)s h") % {"hours": hours % 24}
    )


@register.inclusion_tag("followups/_queue_card.html", takes_context=True)
def followup_queue_card(context, area=None):
    """The ageing of the open follow-ups of `area` for the viewing official; nothing for viewers who do not
    see people (venue roles) or for an area outside theirs."""
    request = context.get("request")
    user = getattr(request, "user", None)
    stats = None
    if has_role(user, *PEOPLE_ROLES):
        try:
            stats = followup_queue_stats(viewer=user, area=area)
        except ApplicationError:
            stats = None
    return {"queue_stats": stats, "area": area}


# Labels in the page's language, the pages' own words (the models' choices are worded for the admin).
_STATUS_LABELS = {
    "open": gettext_lazy("Not contacted yet"),
    "reached": gettext_lazy("Reached"),
    "referred_test": gettext_lazy("Referred for a test"),
    "cleared": gettext_lazy("Cleared"),
    "unreachable": gettext_lazy("Could not be reached"),
}
_OUTCOME_LABELS = {
    "reached": gettext_lazy("Reached"),
    "referred_test": gettext_lazy("Referred for a test"),
    "cleared": gettext_lazy("Cleared"),
    "could_not_reach": gettext_lazy("Could not reach"),
}


@register.filter
def status_label(value: str) -> str:
    return str(_STATUS_LABELS.get(value, value))


@register.filter
def outcome_label(value: str) -> str:
    return str(_OUTCOME_LABELS.get(value, value))


def _english() -> bool:
    return (get_language() or "vi").startswith("en")


@register.filter
def reason_text(task) -> str:
    """The task's reason in the page's language (Vietnamese unless English is chosen)."""
    return task.reason_en if _english() else task.reason_vi


@register.filter
def answer_label(item: dict) -> str:
    """A declared answer ({"code", "vi", "en"}) in the page's language."""
    return item["en"] if _english() else item["vi"]
