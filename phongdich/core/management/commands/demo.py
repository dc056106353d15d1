"""Everything `make demo` does after installing: database, static files, areas, demo data, then the server.

A second run is quick: migrations and areas are idempotent, and the demo data is built only once.
"""

import os
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from phongdich.core.cachedb import cache_table_create

CSV_2021 = Path(settings.BASE_DIR) / "geo" / "data" / "thach_thanh_2021.csv"


class Command(BaseCommand):
    help = "Migrate, collect static files, load areas and the demo data (once), then run `serve`."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="Prepare everything but do not start the server.")
        parser.add_argument("--no-worker", action="store_true", help="Passed to serve: no Celery worker.")

    def step(self, text: str):
        self.stdout.write(self.style.MIGRATE_HEADING(f"==> {text}"))

    def handle(self, *args, no_serve, no_worker, **options):
        started = time.monotonic()
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        self.step("database")
        call_command("migrate", interactive=False, verbosity=0)
        cache_table_create()
        self.step("static files")
        call_command("collectstatic", interactive=False, verbosity=0)
        from phongdich.core.demo import demo_is_built

        if demo_is_built():
            self.step("areas and demo data: already loaded")
        else:
            # All 34 provinces and 3,321 communes take a few seconds (vietnam-provinces package).
            self.step("administrative areas (34 provinces, 3,321 communes)")
            call_command("geo_load", no_progress=True)
            self.step("Thạch Thành district, 2021 tree (seed 002)")
            call_command("geo_import_csv", str(CSV_2021))
            self.step("demo data")
            call_command("demo_load")
        self.stdout.write(f"ready in {time.monotonic() - started:.1f} s")
        if not no_serve:
            # The demo's SMS go to the outbox only: the look-up page shows the code it sent (docs/testing.md).
            # serve's children (granian, the worker) inherit the environment and read it in their settings.
            os.environ["SMS_ECHO_ON_PAGE"] = "1"
            call_command("serve", no_worker=no_worker)
