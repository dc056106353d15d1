"""Load the official administrative areas (34 provinces, 3,321 communes since 1 July 2025).

Source: the `vietnam-provinces` package (sunshine-tech/VietnamProvinces), which packages the NSO/GSO
code list; counts per RULES.md §7. Idempotent: a second run changes nothing.
"""

from collections import defaultdict

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from phongdich.geo.models import Area
from phongdich.geo.services import area_bulk_upsert, area_upsert


def _text(value) -> str:
    return getattr(value, "value", str(value))


def _province_name(province) -> str:
    # The package names cities "Thành phố Hà Nội" but provinces bare ("Thanh Hóa"); give both their type,
    # as the official list does, so that full names read "Xã Thạch Lập, Tỉnh Thanh Hóa".
    name = province.name.strip()
    if _text(province.division_type) == "tỉnh" and not name.startswith("Tỉnh "):
        name = f"Tỉnh {name}"
    return name


class Command(BaseCommand):
    help = "Load provinces and communes from the vietnam-provinces package (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--province", action="append", default=[], help="Province code (e.g. 38); repeatable.")
        parser.add_argument("--no-progress", action="store_true", help="Do not show the progress bar.")

    def handle(self, *args, province, no_progress, **options):
        from vietnam_provinces import Province, Ward

        wanted = {int(code) for code in province} if province else None
        provinces = [p for p in Province.iter_all() if wanted is None or int(p.code) in wanted]
        if wanted and len(provinces) != len(wanted):
            missing = sorted(wanted - {int(p.code) for p in provinces})
            raise CommandError(f"unknown province code(s): {', '.join(f'{c:02d}' for c in missing)}")
        wards_by_province = defaultdict(list)
        for ward in Ward.iter_all():
            if wanted is None or int(ward.province_code) in wanted:
                wards_by_province[int(ward.province_code)].append(ward)
        total = len(provinces) + sum(len(wards) for wards in wards_by_province.values())
        created = updated = 0
        with (
            transaction.atomic(),
            tqdm(total=total, unit="area", disable=no_progress, file=self.stderr._out) as bar,
        ):
            for prov in provinces:
                code = f"{int(prov.code):02d}"
                before = Area.objects.filter(parent=None, code=code).values_list("name", "division_type").first()
                area = area_upsert(
                    code=code,
                    name=_province_name(prov),
                    kind=Area.Kind.PROVINCE,
                    division_type=_text(prov.division_type),
                )
                if before is None:
                    created += 1
                elif before != (area.name, area.division_type):
                    updated += 1
                bar.update(1)
                items = [
                    {
                        "code": f"{int(ward.code):05d}",
                        "name": ward.name,
                        "kind": Area.Kind.COMMUNE,
                        "division_type": _text(ward.division_type),
                    }
                    for ward in wards_by_province[int(prov.code)]
                ]
                made, changed = area_bulk_upsert(parent=area, items=items)
                created += made
                updated += changed
                bar.update(len(items))
        self.stdout.write(f"areas: {created} created, {updated} updated, {total} in the source")
