"""Reads of the area tree. Areas are public data (the official code list), so they are not scoped."""

from django.db.models import Q, QuerySet

from phongdich.core.errors import ApplicationError
from phongdich.core.text import fold

from .errors import AREA_NOT_CHOSEN
from .models import Area

# The division words an area's name may start with ("Xã Thạch Bình"), for an area whose division_type is not
# recorded (areas_named: "thach binh" names "Xã Thạch Bình").
_DIVISION_WORDS = ("tinh", "thanh pho", "huyen", "quan", "thi xa", "thi tran", "xa", "phuong", "dac khu")


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


def _names_of(area: Area) -> set[str]:
    """An area's folded name, with and without its division word: {"xa thach binh", "thach binh"}."""
    names = {area.name_folded}
    for word in (fold(area.division_type), *_DIVISION_WORDS):
        if word and area.name_folded.startswith(word + " "):
            names.add(area.name_folded[len(word) + 1 :])
    return names


def areas_named(
    *, text: str, within_path: str | None, limit: int = 2, kind: str | None = None, among: QuerySet[Area] | None = None
) -> list[Area]:
    """The areas under `within_path` ("" for all, None for none) that a typed `text` names, at most `limit`: those
    whose name is the text, with or without its division word ("thach binh", "Xã Thạch Bình"), or whose label, as the
    area picker shows a chosen area, it is ("Xã Thạch Bình, Huyện Thạch Thành"); when there are none, those whose
    name holds every word of the text, or whose code it is (as area_search finds them). `kind` and `among` narrow
    the areas further, to those a form's picker offers (only communes; a form field's queryset)."""
    name, _comma, parent = (part.strip() for part in fold(text).partition(","))
    if within_path is None or not name:
        return []
    areas = (Area.objects.all() if among is None else among).filter(path__startswith=within_path)
    if kind:
        areas = areas.filter(kind=kind)
    areas = areas.select_related("parent")
    exact = [
        area
        for area in areas.filter(Q(name_folded=name) | Q(name_folded__endswith=" " + name)).order_by("path")[:500]
        if name in _names_of(area) and (not parent or (area.parent is not None and parent in _names_of(area.parent)))
    ]
    if exact:
        return exact[:limit]
    words = Q()
    for word in name.split(" "):
        words &= Q(name_folded__contains=word)
    if parent:
        for word in parent.split(" "):
            words &= Q(parent__name_folded__contains=word)
    match = words | Q(code=name) if name.isdigit() else words
    return list(areas.filter(match).order_by("path")[:limit])


def area_from_text(
    *,
    text: str | None,
    chosen: Area | None,
    within_path: str | None,
    kind: str | None = None,
    among: QuerySet[Area] | None = None,
) -> Area | None:
    """The area of a filter or a form whose area picker sends its typed text too (geo/area_picker.html with
    `text_name`), so that a name typed and not chosen from the list is not dropped (a filter then got an empty id and
    showed every area; a form recorded no address). `chosen`: the area of the id it sent; `within_path` ("" for all),
    `kind` and `among`: the areas the picker offers (the viewer's area, only communes, a form field's queryset).

    The text decides when it was sent: empty, no area (emptied on a page without the script, which keeps the id);
    `chosen`'s name or label, `chosen`; else the one area offered that it names (areas_named). None or several:
    AREA_NOT_CHOSEN (400), with the text, for the page to answer its form again. Not sent (a link, the API): `chosen`.
    """
    if text is None:
        return chosen
    folded = fold(text)
    if not folded:
        return None
    if chosen is not None:
        labels = _names_of(chosen)
        if chosen.parent is not None:
            labels.add(f"{chosen.name_folded}, {chosen.parent.name_folded}")
        if folded in labels:
            return chosen
    found = areas_named(text=text, within_path=within_path, kind=kind, among=among)
    if len(found) == 1:
        return found[0]
    raise ApplicationError(AREA_NOT_CHOSEN, extra={"text": text[:100], "found": "several" if found else "none"})


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
