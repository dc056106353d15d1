"""Build the demo data of seed 002's district (Thạch Thành, Thanh Hóa) once; see phongdich/core/demo.py."""

import time

from django.core.management.base import BaseCommand, CommandError

from phongdich.core.demo import demo_build


class Command(BaseCommand):
    help = "Load the demo province data (686 venues, people, check-ins; seed 002). Skips if already loaded."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=3000, help="How many people to create (default 3000).")

    def handle(self, *args, people: int, **options):
        if people < 1:
            raise CommandError("--people must be at least 1")
        started = time.monotonic()
        try:
            result = demo_build(people=people, log=self.stdout.write)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        if not result.built:
            self.stdout.write("demo data: already loaded, nothing to do")
            return
        self.stdout.write(
            f"demo data: {result.venues} venues, {result.people} people, {result.checkins} check-ins "
            f"in {time.monotonic() - started:.1f} s"
        )
        self.stdout.write(f"logins (password {result.password}): {', '.join(result.usernames)}")
