"""Area scoping: an official sees only records whose area lies in their own area's subtree.

Areas carry a materialised `path` ("38/389/14950/"), so "in my subtree" is a prefix match that
every database can answer from an index. There is no unscoped way to list personal records: every
selector that returns them takes the viewer and filters with `scope_q`.
"""

from django.db.models import Q

NOTHING = Q(pk__in=[])


def viewer_area_path(user) -> str | None:
    """The path of the area the user may see; "" for everything; None for nothing."""
    if user is None or not user.is_authenticated:
        return None
    if user.is_superuser:
        return ""
    official = getattr(user, "official", None)
    if official is None or not official.is_active or official.area_id is None:
        return None
    return official.area.path


def scope_q(user, path_field: str) -> Q:
    """A filter that keeps rows whose `path_field` (an area path) is inside the user's area."""
    path = viewer_area_path(user)
    if path is None:
        return NOTHING
    if path == "":
        return Q()
    return Q(**{f"{path_field}__startswith": path})


def area_visible(user, area_path: str) -> bool:
    path = viewer_area_path(user)
    return path is not None and area_path.startswith(path)
