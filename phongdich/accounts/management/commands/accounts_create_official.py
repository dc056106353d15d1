"""Create (or update) an official: a user with a role bound to an area."""

from django.core.management.base import BaseCommand, CommandError

from phongdich.accounts.models import Official
from phongdich.accounts.services import official_create


class Command(BaseCommand):
    help = "Create or update an official: --username --password --role --area-code <path or code>."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--role", required=True, choices=[choice.value for choice in Official.Role])
        parser.add_argument("--area-code", required=True, help='An area path ("38/391/15187/") or a unique code.')
        parser.add_argument("--superuser", action="store_true", help="Also give access to the admin site.")

    def handle(self, *args, username, password, role, area_code, superuser, **options):
        from phongdich.core.errors import ApplicationError

        try:
            official, created = official_create(
                username=username, password=password, role=role, area_code=area_code, superuser=superuser
            )
        except ApplicationError as exc:
            raise CommandError(exc.en or exc.error.en) from exc
        verb = "created" if created else "updated"
        self.stdout.write(f"official {verb}: {username} ({official.get_role_display()}, {official.area.name})")
