"""Check-in ingest benchmark: single scans and offline batches against the production server stack.

For each database (SQLite in a temporary file; PostgreSQL in a database of its own, `phongdich_bench`,
if one answers on 127.0.0.1:5432) it migrates, creates a verified venue with a code, a scanner device
and N people with personal QR codes, starts granian on loopback as `phongdich serve` does, and loads it
with wrk (a separate process, in C, that leaves the server its CPU) for:

- `bare`        POST /bench/bare: the stack alone (granian + every Django middleware), no work;
- `raw_insert`  POST /bench/raw_insert: one raw INSERT of a check-in-sized row, committed before the 2xx;
- check-ins     POST /api/v1/checkins/scan/ with the device's Bearer token, a rotating personal QR code
                and a unique Idempotency-Key per request;
- batches       POST /api/v1/checkins/batch/ with BATCH_SIZE items each, from several clients at once;

then checks that the database holds exactly what was answered 2xx. Its last lines are, per database:

    RESULT db=<sqlite|postgresql> checkins_per_s=<n> p50_ms=<n> p99_ms=<n> bare_per_s=<n>
           raw_insert_per_s=<n> batch_rows_per_s=<n> rss_mb=<n>          (on one line)

Usage: .venv/bin/python bench/checkin_ingest.py [--db sqlite|postgresql|both] [--duration 10]
       [--connections 32]. docs/benchmarks.md says what each figure means and the targets.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WRK_SCRIPT = ROOT / "bench" / "wrk_post.lua"
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "phongdich_bench"
PORTS = range(8200, 8300)
CHECKIN_PATH = "/api/v1/checkins/scan/"
BATCH_PATH = "/api/v1/checkins/batch/"


def log(message: str) -> None:
    # UTC: django.setup() sets the process's TZ to TIME_ZONE, so local time switched zones halfway through a log.
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


# --- The server ------------------------------------------------------------------------------------


def granian_command(port: int, workers: int, threads: int, backpressure: int) -> list[str]:
    """granian as `phongdich serve` runs it (WSGI, one worker per core), on loopback."""
    return [
        str(BIN / "granian"),
        "--interface", "wsgi",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--workers", str(workers),
        "--blocking-threads", str(threads),
        "--backpressure", str(backpressure),
        "--no-ws",
        "--log-level", "warning",
        "phongdich.config.wsgi:application",
    ]  # fmt: skip


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8200-8299")


def _cpu_seconds(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def database_cpu_seconds(db: str) -> float:
    """CPU time of the PostgreSQL backends serving the benchmark's database (0 for SQLite: it is in-process)."""
    if db != "postgresql":
        return 0.0
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if cmdline.startswith(b"postgres: ") and f" {PG_BENCH_DB} ".encode() in cmdline:
                total += _cpu_seconds(int(entry.name))
    return total


class Server:
    """granian in its own process group, so that it and all its workers stop together."""

    def __init__(self, env: dict[str, str], args: argparse.Namespace, log_path: Path):
        self.port = free_port()
        self.env = env
        self.args = args
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = granian_command(self.port, self.args.workers, self.args.threads, self.args.backpressure)
        log(f"server: {' '.join(command[1:])}")
        self.log_file = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}: see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the server did not answer /healthz within 60 s: see {self.log_path}")

    def pids(self) -> list[int]:
        """Every process of the server's process group (granian's main process and its workers)."""
        if self.proc is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) == self.proc.pid:  # field 5 of stat: the process group
                pids.append(int(entry.name))
        return pids

    def worker_pids(self) -> list[int]:
        return [pid for pid in self.pids() if pid != self.proc.pid]

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server's processes."""
        return sum(_cpu_seconds(pid) for pid in self.pids())

    def peak_rss_mb(self) -> float:
        """Sum of the peak resident sets (VmHWM) of the server's processes."""
        total_kb = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total_kb += int(line.split()[1])
            except OSError:
                pass
        return total_kb / 1024

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        # Workers that outlived the main process.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc = None
        self.log_file.close()


# --- Load -------------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise SystemExit("wrk is missing: install Debian's package `wrk` (apt-get install wrk)")
    log("installing wrk (Debian package)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=True, capture_output=True)
    return shutil.which("wrk") or "/usr/bin/wrk"


@dataclass
class WrkResult:
    per_s: float
    ok: int
    not_ok: int
    requests: int
    p50_ms: float
    p99_ms: float
    errors: dict
    statuses: dict
    samples: list = field(default_factory=list)
    # Filled in by measure(): the warm-up's counts (they are in the database too) and CPU per request.
    warmup_ok: int = 0
    warmup_not_ok: int = 0
    cpu_ms: float = 0.0
    db_cpu_ms: float = 0.0


def run_wrk(wrk: str, url: str, *, seconds: int, connections: int, threads: int, data: SetupData) -> WrkResult:
    run_id = uuid.uuid4().hex[:12]
    command = [
        wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(WRK_SCRIPT), url, "--", run_id, str(data.tokens_file), data.device_token, data.code_token,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    line = next((line for line in done.stdout.splitlines() if line.startswith("WRKJSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-2000:]} {done.stderr[-2000:]}")
    raw = json.loads(line.removeprefix("WRKJSON "))
    seconds_run = raw["duration_us"] / 1e6
    return WrkResult(
        per_s=raw["ok"] / seconds_run,
        ok=raw["ok"],
        not_ok=raw["not_ok"] + raw["errors"]["connect"] + raw["errors"]["read"] + raw["errors"]["timeout"],
        requests=raw["requests"],
        p50_ms=raw["p50_ms"],
        p99_ms=raw["p99_ms"],
        errors=raw["errors"],
        statuses=raw["statuses"],
        samples=raw["samples"],
    )


def measure(wrk: str, server: Server, name: str, path: str, args: argparse.Namespace, data: SetupData) -> WrkResult:
    url = server.base + path
    warm = run_wrk(wrk, url, seconds=args.warmup, connections=args.connections, threads=1, data=data)
    profilers = profile_start(server, name, args) if args.profile else []
    cpu_before, db_cpu_before = server.cpu_seconds(), database_cpu_seconds(args.current_db)
    result = run_wrk(wrk, url, seconds=args.duration, connections=args.connections, threads=1, data=data)
    # CPU per request does not depend on what else the machine runs, unlike the rate: see docs/benchmarks.md.
    result.cpu_ms = 1000 * (server.cpu_seconds() - cpu_before) / max(result.requests, 1)
    result.db_cpu_ms = 1000 * (database_cpu_seconds(args.current_db) - db_cpu_before) / max(result.requests, 1)
    profile_report(profilers, name)
    log(
        f"{name:<10} {result.per_s:9.0f}/s 2xx  p50 {result.p50_ms:7.2f} ms  p99 {result.p99_ms:7.2f} ms  "
        f"CPU/request: server {result.cpu_ms:.2f} ms, database {result.db_cpu_ms:.2f} ms  "
        f"({result.ok} 2xx, {result.not_ok} other, statuses {result.statuses}, socket errors {result.errors})"
    )
    for sample in result.samples + warm.samples:
        log(f"{name:<10} non-2xx answer: {sample}")
    result.warmup_ok = warm.ok
    result.warmup_not_ok = warm.not_ok
    return result


# --- Profiling (--profile DIR): py-spy on every granian worker during the measured run ---------------


def profile_start(server: Server, name: str, args: argparse.Namespace) -> list[tuple[subprocess.Popen, Path]]:
    py_spy = shutil.which("py-spy") or str(BIN / "py-spy")
    if not Path(py_spy).exists():
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
    out_dir = Path(args.profile)
    out_dir.mkdir(parents=True, exist_ok=True)
    profilers = []
    for pid in server.worker_pids():
        out = out_dir / f"{args.current_db}-{name}-{pid}.txt"
        command = [py_spy, "record", "-p", str(pid), "-d", str(args.duration), "-r", "100", "--gil"]
        command += ["-f", "raw", "-o", str(out)]
        profilers.append((subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), out))
    return profilers


def _frame_name(frame: str) -> str:
    function, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    parts = Path(where).parts
    short = "/".join(parts[parts.index("site-packages") + 1 :] if "site-packages" in parts else parts[-3:])
    return f"{function} ({short})"


def profile_report(profilers: list[tuple[subprocess.Popen, Path]], name: str, top: int = 25) -> None:
    """Where the workers spent the GIL (py-spy --gil: on-CPU Python only): by function, inclusive and self."""
    if not profilers:
        return
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for proc, out in profilers:
        proc.wait(timeout=120)
        if not out.exists():
            continue
        for line in out.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            n = int(count)
            total += n
            # "function (path/file.py:line)" -> "function (file.py)": functions, not lines.
            frames = [_frame_name(frame) for frame in stack.split(";")]
            for frame in set(frames):
                inclusive[frame] = inclusive.get(frame, 0) + n
            own[frames[-1]] = own.get(frames[-1], 0) + n
    if not total:
        return
    log(f"profile {name}: {total} samples; raw stacks in {profilers[0][1].parent}")
    for title, table in (("inclusive", inclusive), ("self", own)):
        log(f"profile {name}: top {top} by {title} share of samples")
        for frame, n in sorted(table.items(), key=lambda item: -item[1])[:top]:
            log(f"  {100 * n / total:5.1f}%  {frame}")


def run_batches(server: Server, args: argparse.Namespace, data: SetupData) -> dict:
    """Offline uploads: `clients` threads each POST pre-built batches for at most `duration` seconds."""
    from datetime import UTC, datetime, timedelta

    tokens = data.tokens_file.read_text().split()
    now = datetime.now(UTC)
    bodies: list[bytes] = []
    for batch_no in range(args.batch_count):
        items = []
        for i in range(args.batch_size):
            n = batch_no * args.batch_size + i
            items.append(
                {
                    "client_id": uuid.uuid4().hex,
                    "personal_qr": tokens[n % len(tokens)],
                    "code_token": data.code_token,
                    # Scans made offline during the last half hour.
                    "scanned_at": (now - timedelta(seconds=60 + n % 1800)).isoformat(),
                }
            )
        bodies.append(json.dumps({"items": items}).encode())
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {data.device_token}"}
    lock = threading.Lock()
    queue = list(range(len(bodies)))
    totals = {"batches": 0, "accepted": 0, "refused": 0, "non_2xx": 0, "samples": [], "reasons": {}}
    deadline = time.monotonic() + args.duration

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        while time.monotonic() < deadline:
            with lock:
                if not queue:
                    return
                index = queue.pop(0)
            body = bodies[index]
            conn.request("POST", BATCH_PATH, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            with lock:
                totals["batches"] += 1
                if not 200 <= response.status < 300:
                    totals["non_2xx"] += 1
                    if len(totals["samples"]) < 3:
                        totals["samples"].append(f"{response.status} {payload[:300]!r}")
                    continue
                accepted, refused, reasons = count_batch_results(json.loads(payload))
                totals["accepted"] += accepted
                totals["refused"] += refused
                for reason, n in reasons.items():
                    totals["reasons"][reason] = totals["reasons"].get(reason, 0) + n
        conn.close()

    started = time.monotonic()
    profilers = profile_start(server, "batches", args) if args.profile else []
    cpu_before, db_cpu_before = server.cpu_seconds(), database_cpu_seconds(args.current_db)
    workers = [threading.Thread(target=client) for _ in range(args.batch_clients)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    rows = max(totals["accepted"] + totals["refused"], 1)
    cpu_us = 1e6 * (server.cpu_seconds() - cpu_before) / rows
    db_cpu_us = 1e6 * (database_cpu_seconds(args.current_db) - db_cpu_before) / rows
    totals["rows_per_s"] = totals["accepted"] / elapsed
    profile_report(profilers, "batches")
    totals["seconds"] = elapsed
    log(
        f"batches    {totals['rows_per_s']:9.0f} rows/s accepted  ({totals['batches']} batches of "
        f"{args.batch_size} from {args.batch_clients} clients in {elapsed:.1f} s: {totals['accepted']} accepted, "
        f"{totals['refused']} refused {totals['reasons'] or ''}, {totals['non_2xx']} non-2xx answers; "
        f"CPU/row: server {cpu_us:.0f} µs, database {db_cpu_us:.0f} µs)"
    )
    for sample in totals["samples"]:
        log(f"batches    non-2xx answer: {sample}")
    return totals


def count_batch_results(payload: dict) -> tuple[int, int, dict]:
    """(accepted, refused, refusal reasons) of one batch answer: per-item results with a status."""
    results = payload.get("results", payload.get("items", []))
    accepted = refused = 0
    reasons: dict[str, int] = {}
    for item in results:
        status = item.get("status")
        if status == "accepted":
            accepted += 1
        else:
            refused += 1
            reason = (item.get("error") or {}).get("code") if isinstance(item.get("error"), dict) else item.get("code")
            reasons[str(reason or status)] = reasons.get(str(reason or status), 0) + 1
    return accepted, refused, reasons


# --- Set-up inside Django (run in a child process with the database's environment) -----------------


@dataclass
class SetupData:
    device_token: str
    code_token: str
    tokens_file: Path


def django_child(env: dict[str, str], *arguments: str) -> dict:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--internal", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        raise RuntimeError(f"set-up step {arguments[0]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def internal_setup(work_dir: Path, people: int) -> dict:
    """Venue, code, device, people with personal QR codes, and the raw_insert table, through the services."""
    import django

    django.setup()
    from django.db import connection, transaction

    from phongdich.accounts.models import Official
    from phongdich.accounts.services import official_create
    from phongdich.checkins.services import scanner_device_create
    from phongdich.core.bench_views import RAW_TABLE_DDL
    from phongdich.geo.services import area_upsert
    from phongdich.people.personal_qr import personal_qr_issue
    from phongdich.people.services import person_create
    from phongdich.venues.services import venue_create

    with connection.cursor() as cursor:
        cursor.execute(RAW_TABLE_DDL[connection.vendor])
    province = area_upsert(code="38", name="Tỉnh Thanh Hóa", kind="province")
    commune = area_upsert(code="15085", name="Xã Thạch Lập", kind="commune", parent=province)
    official, _ = official_create(
        username="bench-admin", password=uuid.uuid4().hex, role=Official.Role.PROVINCE_ADMIN, area_code=province.path
    )
    admin = official.user
    # A province administrator's venue is verified at once, with one code ("Cổng chính").
    venue = venue_create(actor=admin, name="Chợ Thạch Lập (benchmark)", venue_type="market", area=commune,
                         street_address="Thôn 1")  # fmt: skip
    code = venue.codes.filter(revoked_at__isnull=True).first()
    _device, device_token = scanner_device_create(venue=venue, name="Máy quét benchmark", created_by=admin)

    tokens = []
    with transaction.atomic():  # one commit for all: set-up time is not what is measured
        for n in range(people):
            person = person_create(
                actor=admin,
                full_name=f"Người Thử Nghiệm {n}",
                birth_year=1950 + n % 60,
                phone=f"+8491{n:07d}",
                address_area=commune,
                created_via="official",
            )
            tokens.append(personal_qr_issue(person=person))
    tokens_file = work_dir / "personal_qr_tokens.txt"
    tokens_file.write_text("\n".join(tokens) + "\n")
    output = {"device_token": device_token, "code_token": code.token, "tokens_file": str(tokens_file)}
    (work_dir / "setup.json").write_text(json.dumps(output))  # for profiling by hand (--keep)
    return output


def internal_count() -> dict:
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count

    from phongdich.checkins.models import CheckIn

    by_source = dict(CheckIn.objects.values_list("source").annotate(n=Count("id")).values_list("source", "n"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_raw_checkin")
        raw_rows = cursor.fetchone()[0]
    return {"by_source": by_source, "raw_rows": raw_rows}


# --- One database ----------------------------------------------------------------------------------


def postgres_answers() -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def postgres_recreate(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def postgres_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_database(db: str, args: argparse.Namespace, wrk: str, work_dir: Path) -> tuple[str, list[str]]:
    log(f"=== {db}")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "SQLITE_PATH", "REDIS_URL", "CELERY_BROKER_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="phongdich.config.settings",
        PHONGDICH_VAR_DIR=str(work_dir / "var"),
        BENCH_ENDPOINTS="1",
        DEBUG="0",
        LOG_LEVEL="ERROR",
        DB_POOL_MIN=str(min(args.threads, args.pool_max)),
        DB_POOL_MAX=str(args.pool_max),
        PYTHONDONTWRITEBYTECODE="1",
    )
    if db == "postgresql":
        postgres_recreate(PG_BENCH_DB)
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
    else:
        env["SQLITE_PATH"] = str(work_dir / "bench.sqlite3")

    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "phongdich", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )
    wants_app = bool({"checkins", "batches"} & set(args.phases))
    if wants_app:
        raw = django_child(env, "setup", str(work_dir), str(args.people))
        data = SetupData(raw["device_token"], raw["code_token"], Path(raw["tokens_file"]))
    else:
        django_child(env, "raw_table")
        tokens_file = work_dir / "personal_qr_tokens.txt"
        tokens_file.write_text("not-a-token\n")
        data = SetupData("not-a-token", "not-a-code", tokens_file)
    log(f"migrated and set up in {time.monotonic() - started:.1f} s ({args.people if wants_app else 0} people)")

    server = Server(env, args, work_dir / f"server-{db}.log")
    results: dict[str, WrkResult] = {}
    try:
        server.start()
        log(f"server up on {server.base}, processes {server.pids()}")
        if "bare" in args.phases:
            results["bare"] = measure(wrk, server, "bare", "/bench/bare", args, data)
        if "raw_insert" in args.phases:
            results["raw_insert"] = measure(wrk, server, "raw_insert", "/bench/raw_insert", args, data)
        if "checkins" in args.phases:
            results["checkins"] = measure(wrk, server, "check-ins", CHECKIN_PATH, args, data)
        batches = run_batches(server, args, data) if "batches" in args.phases else None
        rss_mb = server.peak_rss_mb()
    finally:
        server.stop()

    # What was answered 2xx must be in the database. A few more rows are allowed: wrk stops at its deadline
    # with one request in flight per connection, which the server may still have committed.
    counts = django_child(env, "count")
    problems = []
    in_flight = 2 * args.connections  # warm-up and measured run

    def compare(name: str, answered: int, stored: int) -> None:
        if stored < answered:
            problems.append(f"{name}: {answered} answered 2xx but only {stored} in the database")
        elif stored > answered + in_flight:
            problems.append(f"{name}: {answered} answered 2xx but {stored} in the database")
        else:
            log(f"{name}: {answered} answered 2xx, {stored} in the database ({stored - answered} in flight at the end)")

    if "checkins" in results:
        compare(
            "check-ins",
            results["checkins"].ok + results["checkins"].warmup_ok,
            counts["by_source"].get("staff_scan", 0),
        )
    if "raw_insert" in results:
        compare("raw_insert", results["raw_insert"].ok + results["raw_insert"].warmup_ok, counts["raw_rows"])
    if batches is not None:
        stored = counts["by_source"].get("offline_batch", 0)
        if stored != batches["accepted"]:
            problems.append(f"batches: {batches['accepted']} items accepted, {stored} in the database")
        else:
            log(f"batches: {stored} items accepted, {stored} in the database")
    non_2xx = sum(r.not_ok + r.warmup_not_ok for r in results.values()) + (batches or {}).get("non_2xx", 0)
    log(f"non-2xx answers in all phases: {non_2xx}")
    for problem in problems:
        log(f"MISMATCH {problem}")

    def figure(name: str) -> str:
        return f"{results[name].per_s:.0f}" if name in results else "na"

    checkins = results.get("checkins")
    batch_rows = f"{batches['rows_per_s']:.0f}" if batches else "na"
    line = (
        f"RESULT db={db} checkins_per_s={figure('checkins')}"
        f" p50_ms={f'{checkins.p50_ms:.1f}' if checkins else 'na'}"
        f" p99_ms={f'{checkins.p99_ms:.1f}' if checkins else 'na'}"
        f" bare_per_s={figure('bare')} raw_insert_per_s={figure('raw_insert')}"
        f" batch_rows_per_s={batch_rows} rss_mb={rss_mb:.0f}"
    )
    return line, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--duration", type=int, default=10, help="seconds measured per phase (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up before each phase (default 2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk's concurrent connections (default 32)")
    parser.add_argument(
        "--people", type=int, default=20000, help="people with personal QR codes (default 20000: few repeat scans)"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="granian workers (default: cores)")
    parser.add_argument("--threads", type=int, default=4, help="granian blocking threads per worker (default 4)")
    parser.add_argument("--backpressure", type=int, default=None, help="requests per worker at once (default: threads)")
    parser.add_argument("--pool-max", type=int, default=None, help="PostgreSQL pool size per worker (default: threads)")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--batch-count", type=int, default=400, help="batches prepared (default 400)")
    parser.add_argument("--batch-clients", type=int, default=4)
    parser.add_argument(
        "--phases", default="bare,raw_insert,checkins,batches", help="comma-separated subset to run (profiling)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory (server logs) and the PostgreSQL database"
    )
    parser.add_argument("--profile", metavar="DIR", help="record each measured phase with py-spy into DIR")
    args = parser.parse_args(argv)
    args.phases = [phase.strip() for phase in args.phases.split(",") if phase.strip()]
    args.backpressure = args.backpressure or args.threads
    args.pool_max = args.pool_max or args.threads

    wrk = ensure_wrk()
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    work_root = Path(tempfile.mkdtemp(prefix="phongdich-bench-"))
    lines = []
    problems = []
    # Ctrl-C and SIGTERM unwind through the servers' finally blocks.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        for db in databases:
            if db == "postgresql" and not postgres_answers():
                log("PostgreSQL does not answer on 127.0.0.1:5432: skipped (.ci/run shows how to start it)")
                continue
            args.current_db = db
            work_dir = work_root / db
            work_dir.mkdir()
            try:
                line, db_problems = bench_database(db, args, wrk, work_dir)
            finally:
                if db == "postgresql" and not args.keep:
                    postgres_drop(PG_BENCH_DB)
            lines.append(line)
            problems += [f"{db}: {problem}" for problem in db_problems]
    finally:
        if args.keep:
            log(f"kept {work_root}")
        else:
            shutil.rmtree(work_root, ignore_errors=True)
    print()
    for problem in problems:
        print(f"MISMATCH {problem}")
    for line in lines:
        print(line, flush=True)
    # A 2xx that is not in the database fails the run (the RESULT lines stay the last ones).
    return 0 if lines and not problems else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--internal":
        sys.path.insert(0, str(ROOT))
        step = sys.argv[2]
        if step == "setup":
            output = internal_setup(Path(sys.argv[3]), int(sys.argv[4]))
        elif step == "raw_table":
            import django

            django.setup()
            from django.db import connection

            from phongdich.core.bench_views import RAW_TABLE_DDL

            with connection.cursor() as cursor:
                cursor.execute(RAW_TABLE_DDL[connection.vendor])
            output = {}
        else:
            output = internal_count()
        print(json.dumps(output))
        sys.exit(0)
    sys.exit(main())
