"""`phongdich verify_dcc QR [--trust FILE]... [--at TIME] [--strict-schema]` or `--batch` (JSON lines on stdin).

Prints one JSON object {valid, reason, ..., payload} per certificate; exit status 0 when (all) valid, 1 when not,
2 on a usage error. Trust: PEM or DER signer certificates (repeatable); by default the province's trust list.
Batch lines: {"qr": "...", "trust": ["<base64 DER>", ...], "at": "ISO 8601"}; trust and at are optional.
"""

import base64
import binascii
import datetime as dt
import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from phongdich.certificates import dcc, keys


def parse_time(text: str) -> dt.datetime:
    """ISO 8601 with or without fraction and offset ("Z", "+02:00", "+0200"); naive means UTC."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    if len(value) > 5 and value[-5] in "+-" and value[-4:].isdigit() and value[-3] != ":":
        value = value[:-2] + ":" + value[-2:]
    if "." in value:  # Python 3.11 reads at most 6 fraction digits
        head, _, rest = value.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        value = f"{head}.{digits[:6]}{rest[len(digits) :]}"
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Command(BaseCommand):
    help = "Verify EU DCC QR texts against a trust list; prints JSON, exit 0 when valid and 1 when not."

    def add_arguments(self, parser):
        parser.add_argument("qr", nargs="?", help="The QR text (HC1:...)")
        parser.add_argument("--trust", action="append", default=[], help="PEM or DER signer certificate file")
        parser.add_argument("--at", help="Verify as of this time (ISO 8601); default now")
        parser.add_argument("--batch", action="store_true", help="Read JSON lines from standard input")
        parser.add_argument("--strict-schema", action="store_true", help="Refuse certificates with schema errors")

    def handle(self, *args, qr=None, trust=(), at=None, batch=False, strict_schema=False, **options):
        try:
            default_at = parse_time(at) if at else dt.datetime.now(dt.UTC)
        except ValueError as exc:
            raise CommandError(f"--at: not an ISO 8601 time: {at}") from exc
        try:
            default_trust = dcc.TrustList(keys.load_certificates(trust)) if trust else keys.province_trust_list()
        except (OSError, ValueError) as exc:
            raise CommandError(f"--trust: {exc}") from exc
        options = {
            "strict_schema": strict_schema,
            "max_chars": settings.DCC_MAX_QR_CHARS,
            "max_decompressed": settings.DCC_MAX_DECOMPRESSED_BYTES,
        }
        if batch:
            all_valid = True
            for line in sys.stdin:
                if not line.strip():
                    continue
                answer = self._batch_line(line, default_trust, default_at, options)
                all_valid = all_valid and answer["valid"]
                self.stdout.write(json.dumps(answer, ensure_ascii=False))
            sys.exit(0 if all_valid else 1)
        if qr is None:
            raise CommandError("give the QR text as an argument, or --batch")
        outcome = dcc.dcc_verify(qr, trust=default_trust, at=default_at, **options)
        self.stdout.write(json.dumps(outcome.as_json(), ensure_ascii=False))
        sys.exit(0 if outcome.valid else 1)

    def _batch_line(self, line, default_trust, default_at, options) -> dict:
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("qr"), str):
                raise ValueError('each line is a JSON object with a "qr" string')
            trust = default_trust
            if item.get("trust") is not None:
                trust = dcc.TrustList(base64.b64decode(entry, validate=True) for entry in item["trust"])
            at = parse_time(item["at"]) if item.get("at") else default_at
        except (ValueError, TypeError, binascii.Error) as exc:
            return {"valid": False, "reason": "invalid_input", "detail": str(exc)[:300], "payload": None}
        return dcc.dcc_verify(item["qr"], trust=trust, at=at, **options).as_json()
