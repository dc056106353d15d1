"""Create the follow-up tasks of flagged declarations that have none (they arrived while the receiver was
off, or its transaction failed). Safe to run at any time and more than once: one task per declaration."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from phongdich.declarations.models import Declaration
from phongdich.followups.services import followup_backfill


class Command(BaseCommand):
    help = "Create missing follow-up tasks for flagged declarations of the last N days (default 14)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=14, help="How far back to look (declaration time).")
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be created.")

    def handle(self, *args, days: int, dry_run: bool, **options):
        if days < 1:
            raise CommandError("--days must be at least 1")
        since = timezone.now() - dt.timedelta(days=days)
        if dry_run:
            count = Declaration.objects.filter(
                flagged=True, submitted_at__gte=since, followup_task__isnull=True
            ).count()
            self.stdout.write(f"{count} flagged declarations have no follow-up task.")
            return
        created, unplaced = followup_backfill(since=since)
        self.stdout.write(f"{created} follow-up tasks created; {unplaced} could not be placed (no area at all).")
