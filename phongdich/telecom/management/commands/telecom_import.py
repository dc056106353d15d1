"""Import an operator's file (cell list or subscriber location records) through the same service as the page.

phongdich telecom_import --operator viettel --kind cells phongdich/telecom/samples/viettel-cells.csv
phongdich telecom_import --operator viettel --kind locations FILE --user NAME [--skip-bad-rows]
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from phongdich.core.errors import ApplicationError
from phongdich.telecom.models import Operator, TelecomImport
from phongdich.telecom.services import telecom_import_create, telecom_import_run

CHUNK = 1 << 20


class Command(BaseCommand):
    help = "Import a telecom operator's CSV or .xlsx file (docs/telecom.md); prints rejected rows with their lines."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--operator", required=True, choices=Operator.values)
        parser.add_argument("--kind", required=True, choices=TelecomImport.Kind.values)
        parser.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="Import the good rows and list the bad ones (default: all or nothing).",
        )
        parser.add_argument(
            "--user",
            default="",
            help="The official recorded as uploader: their area's traces read the records (docs/telecom.md). Required"
            " for location records; a cell list defaults to the first active superuser.",
        )

    def handle(self, *args, path: Path, operator: str, kind: str, skip_bad_rows: bool, user: str, **options):
        if kind == TelecomImport.Kind.LOCATIONS and not user:
            # The records belong to the uploader's area and only that area's traces read them: an area-less import
            # (a superuser's) would sit unread by every official who traces a case.
            raise CommandError(
                "location records need --user NAME: the health official of the area whose traces should read them"
            )
        actor = self._actor(user)
        if not path.is_file():
            raise CommandError(f"{path}: no such file")

        def chunks():
            with path.open("rb") as handle:
                yield from iter(lambda: handle.read(CHUNK), b"")

        policy = TelecomImport.Policy.SKIP_BAD_ROWS if skip_bad_rows else TelecomImport.Policy.ALL_OR_NOTHING
        try:
            record = telecom_import_create(
                actor=actor,
                operator=operator,
                kind=kind,
                policy=policy,
                file_name=path.name,
                chunks=chunks(),
                size=path.stat().st_size,
                enqueue=False,
            )
        except ApplicationError as exc:
            raise CommandError(f"{path}: {exc.as_dict('en')['message']} {exc.extra or ''}".rstrip()) from exc
        with tqdm(total=record.rows_total or None, unit="rows", disable=options.get("verbosity", 1) == 0) as bar:

            def progress(done, total):
                bar.total = total
                bar.update(done - bar.n)

            record = telecom_import_run(import_id=record.pk, progress=progress)
        for problem in record.errors:
            column = f" [{problem['column']}]" if problem["column"] else ""
            self.stderr.write(f"{path}: line {problem['line']}{column}: {problem['reason_en']}")
        if record.errors_truncated:
            self.stderr.write(f"... {record.rows_rejected - len(record.errors)} more rejected rows not listed")
        summary = (
            f"import #{record.pk}: {record.status}; {record.rows_total} rows, "
            f"{record.rows_imported} imported, {record.rows_rejected} rejected"
        )
        if record.status == TelecomImport.Status.FAILED:
            raise CommandError(summary + " (nothing imported)")
        self.stdout.write(summary)

    def _actor(self, username: str):
        users = get_user_model().objects.filter(is_active=True)
        actor = users.filter(username=username).first() if username else users.filter(is_superuser=True).first()
        if actor is None:
            raise CommandError("no such user: give --user NAME of a health department or province official")
        return actor
