"""Reads of the area tree. Areas are public data (the official code list), so they are not scoped."""

from django.db.models import Q, QuerySet

from phongdich.core.text import fold

from .models import Area


def area_path_prefixes(area_path: str) -> list[str]:
    """ "38/389/14950/" -> ["38/", "38/389/", "38/389/14950/"]: the paths of the areas that contain it, itself
    included."""
    parts = [part for part in area_path.split("/") if part]
    return ["/".join(parts[: index + 1]) + "/" for index in range(len(parts))]


def area_search(*, q: str, within: Area | None = None, kinds=None, limit: int = 20) -> list[Area]:
    """Areas whose name or code matches `q`, ignoring diacritics and case ("thach thanh" finds "Thạch Thành").

    Every word of `q` must appear in the name ("xa thach" finds "Xã Thạch Lâm"); a code matches from its
    start. Names that start with the words come first, then shallower areas, then by name.
    """
    folded = fold(q)
    if not folded:
        return []
    areas = Area.objects.select_related("parent__parent__parent")  # full_name walks up to 3 levels
    if within is not None:
        areas = areas.filter(path__startswith=within.path)
    if kinds:
        areas = areas.filter(kind__in=list(kinds))
    words = folded.split(" ")
    name_match = Q()
    for word in words:
        name_match &= Q(name_folded__contains=word)
    match = name_match | Q(code__startswith=folded) if folded.isdigit() else name_match
    results = list(areas.filter(match).order_by("depth", "name_folded")[: max(limit * 5, limit)])

    def rank(area: Area):
        # "thach thanh" should show "Huyện Thạch Thành" and "Xã Thạch Thành" before "Xã Thạch Thành Bắc".
        name = area.name_folded
        bare = name.split(" ", 1)[1] if " " in name else name
        return (
            area.code != folded,
            not (bare == folded or name == folded),
            not (bare.startswith(folded) or name.startswith(folded)),
            area.depth,
            name,
        )

    return sorted(results, key=rank)[:limit]


def area_children(*, area: Area | None) -> QuerySet[Area]:
    """The areas directly under `area` (the roots when None), by name."""
    return Area.objects.filter(parent=area).order_by("name_folded")


def area_get(*, area_id: int) -> Area | None:
    return Area.objects.select_related("parent").filter(pk=area_id).first()


def area_get_by_code(*, code: str) -> Area | None:
    """By path ("38/391/15187/" or "38/391/15187") or, if unique, by code alone ("15187")."""
    code = (code or "").strip()
    if not code:
        return None
    if "/" in code:
        path = code if code.endswith("/") else code + "/"
        return Area.objects.filter(path=path).first()
    matches = list(Area.objects.filter(code=code)[:2])
    return matches[0] if len(matches) == 1 else None


def area_full_name(area: Area) -> str:
    """ "Xã Thạch Lâm, Huyện Thạch Thành, Tỉnh Thanh Hóa": the name followed by its ancestors'."""
    names = [area.name]
    parent = area.parent
    while parent is not None:
        names.append(parent.name)
        parent = parent.parent
    return ", ".join(names)
