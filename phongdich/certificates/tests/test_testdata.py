"""The verifier over public EU DCC test cases: each EXPECTED* result that a case states is compared with the
matching stage of dcc_verify's outcome.

The cases are a copy, in dcc_testdata/, of the subset of eu-digital-green-certificates/dgc-testdata handed to the
project (SOURCE.md, LICENSE and NOTICE there), so that the test runs wherever the repository is checked out.
`DCC_TESTDATA=/path/to/dgc-testdata` runs it over another copy (other countries' folders) instead."""

import base64
import datetime as dt
import json
import os
from pathlib import Path

import pytest

from phongdich.certificates import dcc
from phongdich.certificates.management.commands.verify_dcc import parse_time

TESTDATA = Path(os.environ.get("DCC_TESTDATA") or Path(__file__).resolve().parent / "dcc_testdata")
CASES = sorted(TESTDATA.rglob("*.json")) if TESTDATA.is_dir() else []
# EXPECTED* field -> the stage of the outcome it speaks about (a stage not reached counts as failed).
STAGE_OF = {
    "EXPECTEDUNPREFIX": "unprefix",
    "EXPECTEDB45DECODE": "base45",
    "EXPECTEDCOMPRESSION": "zlib",
    "EXPECTEDDECODE": "cbor",
    "EXPECTEDVERIFY": "signature",
    "EXPECTEDEXPIRATIONCHECK": "expiry",
    "EXPECTEDKEYUSAGE": "key_usage",
}
# Known flaws of the data (SOURCE.md): these certificates carry P-384 keys but say ES256, so their signature can
# never verify as ES256; the test data claims it does.
KNOWN_BROKEN = {
    "ES/2DCode/raw/401.json": {"EXPECTEDVERIFY"},
    "ES/2DCode/raw/402.json": {"EXPECTEDVERIFY"},
    "ES/2DCode/raw/403.json": {"EXPECTEDVERIFY"},
}


def test_the_test_data_is_there():
    # Never a silent skip: without the cases this file would test nothing.
    assert len(CASES) >= 150 or os.environ.get("DCC_TESTDATA"), f"EU DCC test data missing: {TESTDATA}"


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.relative_to(TESTDATA).as_posix())
def test_public_dcc_case(path):
    case = json.loads(path.read_text(encoding="utf-8"))
    context = case.get("TESTCTX", {})
    expected = case.get("EXPECTEDRESULTS", {})
    trust = [base64.b64decode(context["CERTIFICATE"])] if context.get("CERTIFICATE") else []
    clock = context.get("VALIDATIONCLOCK")
    at = parse_time(clock) if clock else dt.datetime.now(dt.UTC)

    outcome = dcc.dcc_verify(case["PREFIX"], trust=trust, at=at)

    name = path.relative_to(TESTDATA).as_posix()
    broken = KNOWN_BROKEN.get(name, set())
    compared = 0
    for field, stage in STAGE_OF.items():
        if field not in expected or field in broken:
            continue
        compared += 1
        assert outcome.stages.get(stage, False) is expected[field], (
            f"{name}: {field} expected {expected[field]}, stage {stage!r} gave {outcome.stages.get(stage)} "
            f"(reason {outcome.reason}: {outcome.detail})"
        )
    if name in KNOWN_BROKEN:
        assert outcome.reason == "bad_signature"
    # Whatever the case, the verifier answered with a known reason (it never raised).
    assert outcome.reason in dcc.REASONS


def test_every_case_file_was_run():
    # Runs after the parametrised test in file order; also prints the count for the report.
    assert CASES
    print(f"\nEU DCC public test cases: {len(CASES)} files, known-broken: {sorted(KNOWN_BROKEN)}")


def test_validation_clocks_in_every_format_parse():
    for text in (
        "2021-05-03T18:00:00Z",
        "2021-05-17T09:10:47.327Z",
        "2021-05-17T12:57:21.108+01:00",
        "2021-06-08T20:17:27.9906293Z",
        "2021-06-09T15:15:34+0200",
        "2021-07-02T07:38:27+0000",
    ):
        assert parse_time(text).tzinfo is not None
    assert parse_time("2021-06-09T15:15:34+0200") == dt.datetime(2021, 6, 9, 13, 15, 34, tzinfo=dt.UTC)
