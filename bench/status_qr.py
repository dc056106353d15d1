"""Health status QR benchmark (issue 3): verifying and issuing personal QR codes, and declarations over HTTP.

1. qr_verify_per_s: offline verification of personal QR codes carrying a status colour, on ONE core (the
   process is pinned to one CPU), by the pure-Python path a scanner or the server uses:
   `personal_qr_verify(token, keys=<published JWKs>)` = base32 + CBOR + Ed25519 (cryptography) + the claims'
   checks, over 2,000 distinct codes. Target: at least 5,000 per second per core (issue 3).
2. qr_issue_per_s: issuing such codes (`personal_qr_issue` with the colour, validity and initials claims:
   CBOR + Ed25519 signature + base32), on the same one core.
3. declarations_per_s: POST /api/v1/declarations/ on PostgreSQL (a database of its own, phongdich_bench_qr),
   served by granian as `phongdich serve` runs it (bench/checkin_ingest.py's Server), loaded by wrk with
   bench/wrk_declarations.lua: each request a new person, one in five with a symptom (which opens a follow-up
   task and recomputes the status card after the commit). The rows stored are counted against the 2xx answers.

Its last line is:

    RESULT qr_verify_per_s=<n> qr_issue_per_s=<n> declarations_per_s=<n>

Usage: .venv/bin/python bench/status_qr.py [--seconds 5] [--duration 10] [--connections 16] [--keep]
Without PostgreSQL on 127.0.0.1:5432 or without the declarations API, declarations_per_s is 0 with a note on
stderr. Ports 8190-8199. docs/benchmarks.md says what the figures mean.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import checkin_ingest as ingest  # noqa: E402  (the server, wrk and PostgreSQL helpers)

ROOT = ingest.ROOT
PG_DB = "phongdich_bench_qr"
WRK_SCRIPT = ROOT / "bench" / "wrk_declarations.lua"
DECLARATIONS_PATH = "/api/v1/declarations/"
ingest.PORTS = range(8190, 8200)  # this benchmark's ports
log = ingest.log


# --- 1 and 2: in-process, one core -------------------------------------------------------------------


def internal_qr(seconds: float, count: int) -> dict:
    """Issue and verify codes on one pinned core; the signing key is a fresh one in the environment."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    os.environ["SIGNING_KEY_PEM"] = (
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phongdich.config.settings")
    cpu = sorted(os.sched_getaffinity(0))[-1]
    os.sched_setaffinity(0, {cpu})

    import django

    django.setup()
    from django.utils import timezone

    from phongdich.people.models import new_public_id
    from phongdich.people.personal_qr import (
        CLAIM_COLOUR,
        CLAIM_INITIALS,
        CLAIM_VALID_UNTIL,
        personal_qr_issue,
        personal_qr_public_keys,
        personal_qr_verify,
    )

    class Holder:  # issuing reads only the public id: no database in this measure
        def __init__(self):
            self.public_id = new_public_id()

    now = timezone.now()
    holders = [Holder() for _ in range(count)]
    colours = ("green", "yellow", "red")

    def claims(n: int) -> dict:
        return {CLAIM_COLOUR: colours[n % 3], CLAIM_VALID_UNTIL: int(now.timestamp()) + 86400, CLAIM_INITIALS: "NVA"}

    issued, tokens = 0, []
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for n, holder in enumerate(holders):
            token = personal_qr_issue(person=holder, now=now, extra_claims=claims(n))
            if len(tokens) < count:
                tokens.append(token)
        issued += len(holders)
    issue_per_s = issued / (time.perf_counter() - started)

    keys = personal_qr_public_keys()  # what a scanner holds: the published JWKs, nothing else
    verified = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for token in tokens:
            claims_read = personal_qr_verify(token, now=now, keys=keys)
            verified += 1
        assert claims_read.colour in colours
    verify_per_s = verified / (time.perf_counter() - started)
    return {"cpu": cpu, "issue_per_s": issue_per_s, "verify_per_s": verify_per_s, "token_chars": len(tokens[0])}


def measure_qr(args) -> dict:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--internal", "qr", str(args.seconds), str(args.codes)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    if done.returncode != 0:
        raise RuntimeError(f"QR measure failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    log(
        f"personal QR on one core (CPU {result['cpu']}): verify {result['verify_per_s']:,.0f}/s, "
        f"issue {result['issue_per_s']:,.0f}/s ({result['token_chars']} characters a code)"
    )
    return result


# --- 3: declarations over HTTP on PostgreSQL -------------------------------------------------------------


def internal_setup() -> dict:
    import django

    django.setup()
    from phongdich.geo.services import area_upsert
    from phongdich.healthcards.models import StatusRuleSet

    province = area_upsert(code="38", name="Tỉnh Thanh Hóa", kind="province")
    commune = area_upsert(code="15085", name="Xã Thạch Lập", kind="commune", parent=province)
    return {"area_id": commune.pk, "rule_sets": StatusRuleSet.objects.count()}


def internal_count() -> dict:
    import django

    django.setup()
    from phongdich.declarations.models import Declaration
    from phongdich.healthcards.models import StatusCard

    return {
        "declarations": Declaration.objects.count(),
        "flagged": Declaration.objects.filter(flagged=True).count(),
        "red_cards": StatusCard.objects.filter(colour="red", reasons__contains=["symptoms_within_days"]).count(),
    }


def django_child(env: dict, *arguments: str) -> dict:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--internal", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        raise RuntimeError(f"step {arguments[0]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_wrk(wrk: str, url: str, *, seconds: int, connections: int, area_id: int, phone_base: int) -> dict:
    command = [
        wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(WRK_SCRIPT), url,
        "--", uuid.uuid4().hex[:12], str(area_id), str(phone_base),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    line = next((line for line in done.stdout.splitlines() if line.startswith("WRKJSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-2000:]} {done.stderr[-2000:]}")
    raw = json.loads(line.removeprefix("WRKJSON "))
    raw["per_s"] = raw["ok"] / (raw["duration_us"] / 1e6)
    return raw


def measure_declarations(args, work_dir: Path) -> float:
    if not ingest.postgres_answers():
        print("declarations_per_s=0: PostgreSQL does not answer on 127.0.0.1:5432", file=sys.stderr)
        return 0.0
    wrk = ingest.ensure_wrk()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "SQLITE_PATH", "REDIS_URL", "CELERY_BROKER_URL", "SIGNING_KEY_PEM")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="phongdich.config.settings",
        PHONGDICH_VAR_DIR=str(work_dir / "var"),
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{PG_DB}",
        DEBUG="0",
        LOG_LEVEL="ERROR",
        # The public rate limit (60/min per address) would answer 429 to a load generator on one address.
        RATE_LIMIT_PUBLIC="100000000/s",
        DB_POOL_MIN=str(args.threads),
        DB_POOL_MAX=str(args.threads),
        PYTHONDONTWRITEBYTECODE="1",
    )
    ingest.postgres_recreate(PG_DB)
    server = None
    try:
        subprocess.run(
            [sys.executable, "-m", "phongdich", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=600,
        )
        setup = django_child(env, "setup")
        if setup["rule_sets"] == 0:
            log("note: no status rule set in the database; status cards are not computed")
        server = ingest.Server(env, args, work_dir / "server.log")
        server.start()
        log(f"server up on {server.base} ({args.workers} workers × {args.threads} threads), PostgreSQL {PG_DB}")
        url = server.base + DECLARATIONS_PATH
        probe = run_wrk(wrk, url, seconds=1, connections=1, area_id=setup["area_id"], phone_base=0)
        if probe["ok"] == 0:
            print(
                f"declarations_per_s=0: POST {DECLARATIONS_PATH} answered no 2xx "
                f"(statuses {probe['statuses']}, samples {probe['samples']})",
                file=sys.stderr,
            )
            return 0.0
        load = {"connections": args.connections, "area_id": setup["area_id"]}
        # Phone numbers +8490…, +8491…, +8492…: valid mobile prefixes, new people in each run.
        warm = run_wrk(wrk, url, seconds=args.warmup, phone_base=10_000_000, **load)
        cpu_before = server.cpu_seconds()
        result = run_wrk(wrk, url, seconds=args.duration, phone_base=20_000_000, **load)
        cpu_ms = 1000 * (server.cpu_seconds() - cpu_before) / max(result["requests"], 1)
        log(
            f"declarations {result['per_s']:,.0f}/s 2xx  p50 {result['p50_ms']:.1f} ms  p99 {result['p99_ms']:.1f} ms  "
            f"server CPU {cpu_ms:.2f} ms/request  ({result['ok']} 2xx, {result['not_ok']} other, {result['statuses']})"
        )
        for sample in result["samples"]:
            log(f"non-2xx answer: {sample}")
        counts = django_child(env, "count")
        answered = probe["ok"] + warm["ok"] + result["ok"]
        log(
            f"stored {counts['declarations']} declarations for {answered} 2xx answers; "
            f"{counts['flagged']} flagged, {counts['red_cards']} red cards for symptoms"
        )
        # wrk stops with requests in flight (at most one per connection per run): the server may still store
        # those after wrk stopped counting. Every 2xx must be stored; at most that many more.
        in_flight = 1 + 2 * args.connections
        if not answered <= counts["declarations"] <= answered + in_flight:
            print(
                f"MISMATCH: {answered} declarations answered 2xx, {counts['declarations']} stored "
                f"(at most {in_flight} unanswered in flight)",
                file=sys.stderr,
            )
            return 0.0
        return result["per_s"]
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            ingest.postgres_drop(PG_DB)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--internal"]:
        step = argv[1]
        if step == "qr":
            output = internal_qr(float(argv[2]), int(argv[3]))
        elif step == "setup":
            output = internal_setup()
        else:
            output = internal_count()
        print(json.dumps(output))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5, help="seconds for each QR measure (default 5)")
    parser.add_argument("--codes", type=int, default=2000, help="distinct codes verified (default 2,000)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of declarations measured (default 10)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help=f"keep the {PG_DB} database afterwards")
    args = parser.parse_args(argv)
    args.backpressure = args.threads

    qr = measure_qr(args)
    with tempfile.TemporaryDirectory(prefix="phongdich-bench-qr-") as tmp:
        try:
            declarations = measure_declarations(args, Path(tmp))
        except (RuntimeError, subprocess.CalledProcessError) as exc:
            print(f"declarations_per_s=0: {exc}", file=sys.stderr)
            declarations = 0.0
    print(
        f"RESULT qr_verify_per_s={qr['verify_per_s']:.0f} qr_issue_per_s={qr['issue_per_s']:.0f} "
        f"declarations_per_s={declarations:.0f}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
