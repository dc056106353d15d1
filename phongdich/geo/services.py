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


def _changed(area: Area, values: dict) -> bool:
    return any(getattr(area, name) != value for name, value in values.items())


@transaction.atomic
def area_bulk_upsert(*, parent: Area | None, items: list[dict]) -> tuple[int, int]:
    """Create or update many areas under one parent in a few queries; returns (created, updated).

    Each item has code, name, kind and optionally division_type. Same guarantees as area_upsert (path and
    depth follow the parent, renaming keeps the path); unchanged rows are not written, so a second run of
    the same data writes nothing.
    """
    existing = {area.code: area for area in Area.objects.filter(parent=parent)}
    prefix = parent.path if parent else ""
    depth = parent.depth + 1 if parent else 0
    to_create, to_update = [], []
    for item in items:
        code = str(item["code"]).strip()
        if not code or "/" in code:
            raise ValueError(f"invalid area code {code!r}")
        name = item["name"].strip()
        values = {
            "name": name,
            "name_folded": fold(name),
            "kind": item["kind"],
            "division_type": item.get("division_type", ""),
            "path": f"{prefix}{code}/",
            "depth": depth,
        }
        area = existing.get(code)
        if area is None:
            to_create.append(Area(parent=parent, code=code, **values))
        elif _changed(area, values):
            for name_, value in values.items():
                setattr(area, name_, value)
            to_update.append(area)
    Area.objects.bulk_create(to_create, batch_size=500)
    Area.objects.bulk_update(
        to_update, ["name", "name_folded", "kind", "division_type", "path", "depth"], batch_size=500
    )
    return len(to_create), len(to_update)


_KINDS = {choice.value for choice in Area.Kind}


def area_import_rows(*, rows: list[dict], first_line: int = 2) -> dict:
    """Import an area tree of any depth from rows {code, name, kind, parent_path, division_type}; all or nothing.

    `parent_path` is the path of the parent ("38/" or "38/391/"; empty for a root) and may name an area
    already in the database or one defined anywhere in the same rows. Every row is checked first; any
    error raises ApplicationError(area_import_invalid) with extra["errors"] = [{"line", "message"}] and
    nothing is written. Returns {"created": n, "updated": n}.
    """
    from phongdich.core.errors import ApplicationError

    from .errors import AREA_IMPORT_INVALID

    problems: list[dict] = []
    parsed: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    for offset, row in enumerate(rows):
        line = first_line + offset
        code = (row.get("code") or "").strip()
        name = " ".join((row.get("name") or "").split())
        kind = (row.get("kind") or "").strip()
        parent_path = (row.get("parent_path") or "").strip()
        if parent_path and not parent_path.endswith("/"):
            parent_path += "/"
        row_problems = []
        if not code or "/" in code or len(code) > 20:
            row_problems.append(f"code {code!r} must be 1–20 characters without '/'")
        if not name or len(name) > 150:
            row_problems.append("name must be 1–150 characters")
        if kind not in _KINDS:
            row_problems.append(f"kind {kind!r} must be one of {', '.join(sorted(_KINDS))}")
        path = f"{parent_path}{code}/"
        if not row_problems and path in seen:
            row_problems.append(f"same code under the same parent as line {seen[path]}")
        if row_problems:
            problems.extend({"line": line, "message": message} for message in row_problems)
            continue
        seen[path] = line
        parsed.append(
            (
                line,
                {
                    "code": code,
                    "name": name,
                    "kind": kind,
                    "parent_path": parent_path,
                    "division_type": (row.get("division_type") or "").strip()[:50],
                    "path": path,
                },
            )
        )
    known_paths = set(seen) | set(
        Area.objects.filter(path__in={item["parent_path"] for _, item in parsed if item["parent_path"]}).values_list(
            "path", flat=True
        )
    )
    for line, item in parsed:
        if item["parent_path"] and item["parent_path"] not in known_paths:
            problems.append(
                {"line": line, "message": f"parent {item['parent_path']!r} is not in the file or the database"}
            )
    if problems:
        problems.sort(key=lambda problem: problem["line"])
        shown = "; ".join(f"line {p['line']}: {p['message']}" for p in problems[:10])
        raise ApplicationError(
            AREA_IMPORT_INVALID,
            extra={"errors": problems},
            vi=f"{AREA_IMPORT_INVALID.vi} {shown}",
            en=f"{AREA_IMPORT_INVALID.en} {shown}",
        )
    created = updated = 0
    with transaction.atomic():
        # Parents before children: by depth, then one bulk write per parent.
        by_parent: dict[str, list[dict]] = {}
        for _, item in parsed:
            by_parent.setdefault(item["parent_path"], []).append(item)
        for parent_path in sorted(by_parent, key=lambda p: p.count("/")):
            parent = Area.objects.get(path=parent_path) if parent_path else None
            made, changed = area_bulk_upsert(parent=parent, items=by_parent[parent_path])
            created += made
            updated += changed
    return {"created": created, "updated": updated}
