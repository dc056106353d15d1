"""Create the follow-up tasks of flagged declarations that have none (they arrived while the receiver was
off, or its transaction failed). Safe to run at any time and more than once: one task per declaration."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from phongdich.declarations.models import Declaration
from phongdich.followups.services import followup_task_create_for_declaration


class Command(BaseCommand):
    help = "Create missing follow-up tasks for flagged declarations of the last N days (default 14)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=14, help="How far back to look (declaration time).")
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be created.")

    def handle(self, *args, days: int, dry_run: bool, **options):
        if days < 1:
            raise CommandError("--days must be at least 1")
        since = timezone.now() - dt.timedelta(days=days)
        # The declarations app owns Declaration; its rows are only read here (flagged, no task yet), and the
        # task is made by the same service the receiver calls. The reverse relation is this app's own FK.
        missing = (
            Declaration.objects.filter(flagged=True, submitted_at__gte=since, followup_task__isnull=True)
            .select_related("person__address_area", "area")
            .order_by("submitted_at", "id")
        )
        if dry_run:
            self.stdout.write(f"{missing.count()} flagged declarations have no follow-up task.")
            return
        created = unplaced = 0
        for declaration in missing.iterator(chunk_size=500):
            if followup_task_create_for_declaration(declaration=declaration) is None:
                unplaced += 1
            else:
                created += 1
        self.stdout.write(f"{created} follow-up tasks created; {unplaced} could not be placed (no area at all).")
