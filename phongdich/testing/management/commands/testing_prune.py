from django.core.management.base import BaseCommand

from phongdich.testing.lookup import lookup_codes_prune


class Command(BaseCommand):
    help = "Delete look-up codes that expired more than a day ago (run daily, e.g. from cron)."

    def handle(self, *args, **options):
        self.stdout.write(f"deleted {lookup_codes_prune()} expired look-up codes")
