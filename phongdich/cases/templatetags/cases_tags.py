"""Template helpers of the cases pages: labels in the page's language (the models' choices, but for the tracing
runs' statuses), and the F0/F1 card of the statistics dashboard:
`{% load cases_tags %}{% cases_area_card stats.area %}`."""

from django import template
from django.utils.translation import gettext_lazy as _

from phongdich.accounts.permissions import PEOPLE_ROLES, has_role
from phongdich.core.scoping import area_visible
from phongdich.core.text import duration_text, fold

from .. import notes
from ..models import CaseStatus, CaseTestType, ContactStatus, LinkSetting, LinkSource
from ..selectors import area_counts_by_child
from ..selectors import official_name as _official_name
from ..services import tracing_max_level

register = template.Library()

_LABELS = {
    "case_status": dict(CaseStatus.choices),
    "contact_status": dict(ContactStatus.choices),
    "source": dict(LinkSource.choices),
    "setting": dict(LinkSetting.choices),
    "test_type": dict(CaseTestType.choices),
    # The run page's own words: the project catalogue says "Đã xong" and "Không thành công" where the model (and
    # the admin) say "Xong" and "Lỗi".
    "run_status": {"queued": _("Queued"), "running": _("Running"), "done": _("Done"), "failed": _("Failed")},
}
# The buttons of the status actions on a contact.
ACTION_LABELS = {
    "confirmed": _("Confirm"),
    "dismissed": _("Dismiss"),
    "quarantined": _("Quarantine"),
    "released": _("Release"),
    "candidate": _("Back to candidate"),
}


@register.filter
def label(value, kind: str) -> str:
    return _LABELS.get(kind, {}).get(value, value)


@register.filter
def evidence_note(link) -> str:
    """A link's note in the page's language (a tracer's note stored as data: cases.notes)."""
    return notes.evidence_note(link)


@register.filter
def official_name(user) -> str:
    """An official's name and area, as every cases page names them (selectors.official_name)."""
    return _official_name(user)


@register.filter
def names_itself_cluster(name: str) -> bool:
    """Whether a cluster's name begins with the page's word for a cluster ("Ổ dịch Chợ Thạch Bình" on a Vietnamese
    page, typed with or without diacritics): its heading is then the name alone, not "Ổ dịch: Ổ dịch Chợ …"."""
    word, folded = fold(str(_("Cluster"))), fold(name)
    return folded == word or folded.startswith(word + " ")


@register.filter
def action_label(status: str) -> str:
    return ACTION_LABELS.get(status, status)


@register.filter
def minutes(value) -> str:
    """90 → "1 giờ 30 phút" / "1 h 30 min" (core.text.duration_text)."""
    return duration_text(value)


@register.inclusion_tag("cases/_area_card.html", takes_context=True)
def cases_area_card(context, area=None, breakdown=None):
    """F0 under treatment and open F1/F2 (and F3 and further, where tracing goes that deep or any are open) per
    child area of `area` (the areas of the dashboard's `breakdown` rows when given, saving a query); nothing for
    viewers who do not see people or for an area outside theirs."""
    request = context.get("request")
    user = getattr(request, "user", None)
    rows, total = None, None
    if area is not None and has_role(user, *PEOPLE_ROLES) and area_visible(user, area.path):
        children = None if breakdown is None else [row.area for row in breakdown if row.area is not None]
        rows, total = area_counts_by_child(area=area, children=children)
    show_f3 = total is not None and (tracing_max_level() >= 3 or total.f3 > 0)
    return {"rows": rows, "total": total, "area": area, "show_f3": show_f3}
