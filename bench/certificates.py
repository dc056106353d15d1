"""EU DCC certificates benchmark (issue 5), on one core, in a scratch SQLite database and key folder.

1. dcc_verify_per_s: `dcc.dcc_verify` as the province's verifier runs it (HC1 prefix, base45, zlib, COSE_Sign1,
   ES256 signature, CWT, expiry, EKU; the schema is not validated again for the province's own keys, whose
   payloads were validated before signing) over 500 distinct certificates this code issued, with the trust list
   built once (as the server keeps it). The rate with schema validation (another issuer's certificates) is
   printed on stderr. The local revocation look-up (one indexed query) is not included.
2. dcc_issue_per_s: what `certificate_issue` does in-process, without the database row: build the payload
   (names transliterated, UVCI with its check character), validate it against the schema, sign (ES256) and
   encode (CBOR, zlib, base45).
3. ecdsa_verify_per_s: a bare P-256 ECDSA/SHA-256 signature check by `cryptography` in the same run (a 32-byte
   message): the floor that verification is compared with (target: dcc_verify_per_s >= half of it).
4. results_import_rows_per_s: the testing app's lab-sheet import (`testing.imports.results_import_xlsx`) of a
   generated sheet of 1,000 results for samples registered beforehand, timed end to end (read, check, store).
   0 with a note on stderr when that function is not there.

Last line:

    RESULT dcc_verify_per_s=<n> dcc_issue_per_s=<n> ecdsa_verify_per_s=<n> results_import_rows_per_s=<n>

Usage: .venv/bin/python bench/certificates.py [--seconds 3] [--rows 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def rate(fn, items, seconds: float) -> float:
    """Calls per second of fn over items (cycled) for about `seconds`."""
    done = 0
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        for item in items:
            fn(item)
        done += len(items)
        now = time.perf_counter()
        if now >= deadline:
            return done / (now - started)


def interleaved_rates(fn_a, items_a, fn_b, items_b, seconds: float, rounds: int = 10) -> tuple[float, float]:
    """Rates of two functions measured in alternating rounds of seconds/rounds each (calls per second)."""
    done_a = done_b = 0
    time_a = time_b = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        done_a += _count(fn_a, items_a, seconds / rounds)
        time_a += time.perf_counter() - started
        started = time.perf_counter()
        done_b += _count(fn_b, items_b, seconds / rounds)
        time_b += time.perf_counter() - started
    return done_a / time_a, done_b / time_b


def _count(fn, items, seconds: float) -> int:
    done = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for item in items:
            fn(item)
        done += len(items)
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the targets are per core

    work = Path(tempfile.mkdtemp(prefix="phongdich-bench-certs-"))
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")},
        "DJANGO_SETTINGS_MODULE": "phongdich.config.settings",
        "SQLITE_PATH": str(work / "bench.sqlite3"),
        "PHONGDICH_VAR_DIR": str(work),
        "DCC_KEY_DIR": str(work / "dcc"),
        "DCC_TRUST_DIR": str(work / "dcc" / "trust"),
    }
    subprocess.run(
        [sys.executable, "-m", "phongdich", "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT
    )
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from django.conf import settings

    from phongdich.certificates import dcc, keys, services
    from phongdich.certificates.sources import VaccinationFacts
    from phongdich.people.models import Person

    signer = keys.dcc_keys_create()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    facts = VaccinationFacts(
        vaccine_prophylaxis="1119349007",
        medicinal_product="EU/1/20/1528",
        manufacturer="ORG-100030215",
        dose_number=2,
        total_doses=2,
        given_on=now.date() - dt.timedelta(days=30),
    )
    people = [
        Person(full_name=f"Nguyễn Thị Bích {index}", birth_date=dt.date(1980, 1, 1 + index % 28), area_path="38/")
        for index in range(500)
    ]

    def issue(person) -> str:
        uvci = services.new_uvci()
        payload = services.dcc_payload(person=person, facts=facts, uvci=uvci)
        assert not dcc.schema_errors(payload)
        return dcc.dcc_encode(
            payload=payload,
            private_key=signer.private_key,
            kid=signer.kid,
            issuer_country=settings.DCC_ISSUER_COUNTRY,
            issued_at=now,
            expires_at=now + dt.timedelta(days=365),
        )

    texts = [issue(person) for person in people]
    trust = keys.province_trust_list()

    def verify(text):
        outcome = dcc.dcc_verify(text, trust=trust, at=now, prevalidated_kids=own)
        assert outcome.valid, outcome.reason

    def verify_foreign(text):
        # As if another issuer had signed it: the schema is validated too (not the RESULT figure).
        outcome = dcc.dcc_verify(text, trust=trust, at=now, strict_schema=True)
        assert outcome.valid, outcome.reason

    own = keys.own_kids()
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    messages = [os.urandom(32) for _ in range(200)]
    signed = [(message, key.sign(message, ec.ECDSA(hashes.SHA256()))) for message in messages]

    def bare_verify(pair):
        public.verify(pair[1], pair[0], ec.ECDSA(hashes.SHA256()))

    # The machine is shared: the verifier and the bare signature check take turns in short rounds, so that a
    # change of load hits both alike and the ratio compares like with like.
    verify_rate, ecdsa_rate = interleaved_rates(verify, texts, bare_verify, signed, args.seconds)
    log(f"dcc_verify: {verify_rate:,.0f}/s")
    log(f"dcc_verify with schema validation (foreign issuer): {rate(verify_foreign, texts, args.seconds):,.0f}/s")
    issue_rate = rate(issue, people, args.seconds)
    log(f"dcc_issue: {issue_rate:,.0f}/s")

    log(f"ecdsa_verify: {ecdsa_rate:,.0f}/s; dcc_verify is {verify_rate / ecdsa_rate:.0%} of it (target >= 50%)")

    import_rate = results_import_rate(args.rows)
    print(
        f"RESULT dcc_verify_per_s={verify_rate:.0f} dcc_issue_per_s={issue_rate:.0f} "
        f"ecdsa_verify_per_s={ecdsa_rate:.0f} results_import_rows_per_s={import_rate:.0f}"
    )


def results_import_rate(rows: int) -> float:
    """Rows per second of the lab-sheet import, or 0 (with a note) when the testing app does not have it."""
    try:
        from phongdich.testing.imports import lab_sheet_xlsx, results_import_xlsx
        from phongdich.testing.models import Sample, TestingSite, TestType
        from phongdich.testing.services import barcodes_reserve
    except ImportError as exc:
        log(f"results_import_rows_per_s=0: the testing app's import is not there ({exc})")
        return 0.0
    import io

    from django.utils import timezone

    from phongdich.accounts.models import Official
    from phongdich.core.testing import make_official, make_province_with_communes
    from phongdich.core.text import fold
    from phongdich.people.models import Person

    # The reactions after the commit (one SMS and one status card per result) are queued, as in production, into
    # the file-system queue of the scratch folder; the worker that would run them is not part of the import.
    areas = make_province_with_communes()
    commune = areas["commune_a"]
    site = TestingSite.objects.create(
        code="BN", name="Trạm Y tế (bench)", area=commune, address="1 Lê Lợi", pool_max_size=1
    )
    lab = make_official(Official.Role.LAB_STAFF, commune, username="bench.lab")
    collected = timezone.now() - dt.timedelta(hours=6)
    people = Person.objects.bulk_create(
        [
            Person(
                full_name=f"Người thử {index}",
                name_folded=fold(f"Người thử {index}"),
                area_path=commune.path,
                address_area=commune,
                created_via=Person.CreatedVia.OFFICIAL,
            )
            for index in range(rows)
        ]
    )
    barcodes = []
    while len(barcodes) < rows:
        barcodes.extend(barcodes_reserve(site=site))
    Sample.objects.bulk_create(
        [
            Sample(
                barcode=barcode,
                person=person,
                site=site,
                test_type=TestType.PCR,
                collected_at=collected,
                status="awaiting",
                site_path=site.area_path,
                person_path=person.area_path,
            )
            for barcode, person in zip(barcodes, people, strict=False)
        ]
    )
    tested = timezone.localtime(timezone.now() - dt.timedelta(hours=1)).replace(tzinfo=None)
    sheet_rows = [
        [barcode, "RT-PCR", "Âm tính" if index % 10 else "Dương tính", None if index % 10 else "24,5", tested]
        for index, barcode in enumerate(barcodes[:rows])
    ]
    data = lab_sheet_xlsx(sheet_rows)
    started = time.perf_counter()
    report = results_import_xlsx(actor=lab, file=io.BytesIO(data))
    elapsed = time.perf_counter() - started
    if not report.ok or report.rows_imported != rows:
        log(f"results import: {report.rows_imported}/{rows} rows imported; problems: {report.errors[:3]}")
    log(f"results_import: {rows} rows in {elapsed:.2f} s")
    return report.rows_imported / elapsed


if __name__ == "__main__":
    main()
