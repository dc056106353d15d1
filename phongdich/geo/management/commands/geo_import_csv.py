"""Import an area tree of any depth from a CSV file (format in docs/areas.md); all or nothing."""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from phongdich.core.errors import ApplicationError
from phongdich.geo.services import area_import_rows

REQUIRED_COLUMNS = {"code", "name", "kind", "parent_path"}


class Command(BaseCommand):
    help = "Import areas from a CSV with columns code,name,kind,parent_path[,division_type] (UTF-8)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                columns = set(reader.fieldnames or [])
                if not REQUIRED_COLUMNS <= columns:
                    missing = ", ".join(sorted(REQUIRED_COLUMNS - columns))
                    raise CommandError(f"{path}: line 1: missing column(s): {missing}")
                rows = list(reader)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        try:
            result = area_import_rows(rows=rows, first_line=2)
        except ApplicationError as exc:
            lines = "\n".join(f"{path}: line {p['line']}: {p['message']}" for p in exc.extra.get("errors", []))
            raise CommandError(f"{exc.error.en}\n{lines}") from exc
        self.stdout.write(f"areas: {result['created']} created, {result['updated']} updated")
