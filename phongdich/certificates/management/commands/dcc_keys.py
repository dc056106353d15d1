"""`phongdich dcc_keys [--force]`: create the province's EU DCC signer key and certificate (keys.py)."""

from django.core.management.base import BaseCommand, CommandError

from phongdich.certificates import keys


class Command(BaseCommand):
    help = "Create the EU DCC document signer key (EC P-256, mode 0600) and its self-signed certificate."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace an existing key: the old certificate stays in DCC_TRUST_DIR, the old key is deleted.",
        )

    def handle(self, *args, force=False, **options):
        try:
            signer = keys.dcc_keys_create(force=force)
        except keys.KeysExist as exc:
            raise CommandError(f"A signer key exists already ({exc}); use --force to replace it.") from exc
        self.stdout.write(f"key: {keys.key_path()}")
        self.stdout.write(f"certificate: {keys.cert_path()}")
        self.stdout.write(f"kid: {signer.kid.hex()}  subject: {signer.certificate.subject.rfc4514_string()}")
