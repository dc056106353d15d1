"""Delete subscriber location records past TELECOM_RETENTION_DAYS (the beat task does it hourly)."""

from django.core.management.base import BaseCommand

from phongdich.telecom.services import telecom_prune


class Command(BaseCommand):
    help = "Delete telecom location records and trace runs older than TELECOM_RETENTION_DAYS."

    def handle(self, *args, **options):
        result = telecom_prune()
        self.stdout.write(
            f"{result['locations']} location records, {result['traces']} trace runs, {result['files']} files deleted."
        )
