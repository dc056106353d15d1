"""Writes to the area tree."""

from django.db import transaction

from phongdich.core.text import fold

from .models import Area


@transaction.atomic
def area_upsert(*, code: str, name: str, kind: str, parent: Area | None = None, division_type: str = "") -> Area:
    """Create or update the area with this code under `parent`; its path and depth follow the parent.

    Renaming keeps the path (paths are made of codes), so records filed under it stay in scope.
    """
    code = code.strip()
    if not code or "/" in code:
        raise ValueError(f"invalid area code {code!r}")
    path = f"{parent.path if parent else ''}{code}/"
    area = Area.objects.filter(parent=parent, code=code).first()
    if area is None:
        area = Area(parent=parent, code=code)
    area.name = name.strip()
    area.name_folded = fold(area.name)
    area.kind = kind
    area.division_type = division_type
    area.path = path
    area.depth = parent.depth + 1 if parent else 0
    area.save()
    return area
