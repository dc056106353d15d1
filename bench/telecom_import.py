"""Telecom import benchmark: a synthetic operator file of N subscriber location records through the real service.

For each size it starts a fresh process (so that each peak of memory is that size's own) which migrates a fresh
database (SQLite: a file under /tmp; PostgreSQL: the database `telecom_import_bench` on 127.0.0.1, dropped and
made again), creates a health department official and Viettel's cell list (500 cells), writes a CSV of N rows as
an operator exports them (semicolons, `84…` numbers, `dd/mm/yyyy hh:mm:ss`; one stay of 5–90 minutes after another
for each phone, 20 rows a phone, so no row overlaps another and every row is imported), then uploads it with
`telecom_import_create` (the file read in 64 KB chunks, as an upload is) and runs `telecom_import_run` (the task's
body) in the process. It prints, per size:

    RESULT db=<sqlite|postgresql> rows=<n> file_mb=<n> upload_s=<n> import_s=<n> rows_per_s=<n>
           base_rss_mb=<n> peak_rss_mb=<n> growth_mb=<n> holes_s=<n> holes=<n>  (on one line)

`base_rss_mb` is the process's resident memory once Django, the database and the cell list are ready, before the
upload; `peak_rss_mb` its peak (VmHWM) at the end; `growth_mb` the difference: what the import itself held.
`rows_per_s` counts the import's run (check and write), not the upload. `holes_s` is the scan for holes inside the
file (services._import_holes: the import's records read in order of start, streamed) run once more after the import,
alone: the import's own run includes it; `holes` how many it found (the synthetic file has none).

Usage: .venv/bin/python bench/telecom_import.py [--db sqlite|postgresql|both] [--rows 100000,1000000]
docs/benchmarks.md, "Telecom imports", has the runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "telecom_import_bench"
CELLS = 500
ROWS_PER_PHONE = 20
SEED = 20210915


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", file=sys.stderr, flush=True)


def rss_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def write_cells(path: Path) -> None:
    rng = random.Random(SEED)
    with path.open("w", encoding="utf-8") as out:
        out.write("Mã trạm,Vĩ độ,Kinh độ,Bán kính (m)\n")
        for n in range(CELLS):
            out.write(f"BENCH-{n:04d},{rng.uniform(19.5, 20.5):.6f},{rng.uniform(105.0, 106.0):.6f},800\n")


def write_locations(path: Path, rows: int) -> None:
    """`rows` records, ROWS_PER_PHONE a phone, each phone's stays one after another from 14/09/2021."""
    rng = random.Random(SEED)
    first = dt.datetime(2021, 9, 14, 0, 0)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\ufeffSố thuê bao;Mã trạm;Bắt đầu;Kết thúc\r\n")
        written, phone = 0, 0
        while written < rows:
            number = f"8491{phone:07d}" if phone < 10_000_000 else f"8498{phone - 10_000_000:07d}"
            at = first + dt.timedelta(minutes=rng.randrange(0, 600))
            for _ in range(min(ROWS_PER_PHONE, rows - written)):
                end = at + dt.timedelta(minutes=rng.randrange(5, 90))
                out.write(
                    f"{number};BENCH-{rng.randrange(CELLS):04d};{at:%d/%m/%Y %H:%M:%S};{end:%d/%m/%Y %H:%M:%S}\r\n"
                )
                at = end + dt.timedelta(minutes=rng.randrange(0, 30))
                written += 1
            phone += 1


def child(db: str, rows: int) -> None:
    """One size, in this process: set up, import, print the RESULT line."""
    workdir = Path(tempfile.mkdtemp(prefix="telecom-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "phongdich.config.settings"
    os.environ["PHONGDICH_VAR_DIR"] = str(workdir / "var")
    os.environ["TELECOM_MAX_UPLOAD_MB"] = "4096"  # an operator's province file is hundreds of MB
    if db == "sqlite":
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    else:
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
    import django

    django.setup()
    from django.core.management import call_command

    from phongdich.accounts.models import Official
    from phongdich.core.testing import make_area, make_official
    from phongdich.telecom.services import _import_holes, _records_period, telecom_import_create, telecom_import_run

    call_command("migrate", verbosity=0)
    province = make_area("38", "Tỉnh Thanh Hóa", "province")
    actor = make_official(Official.Role.HEALTH_DEPT, province, "bench_soyte")

    def upload(path: Path, kind: str):
        def chunks():
            with path.open("rb") as handle:
                yield from iter(lambda: handle.read(64 * 1024), b"")

        return telecom_import_create(
            actor=actor, operator="viettel", kind=kind, file_name=path.name, chunks=chunks(), enqueue=False
        )

    cells_path = workdir / "cells.csv"
    write_cells(cells_path)
    cells = telecom_import_run(import_id=upload(cells_path, "cells").pk)
    assert cells.status == "done", cells.errors[:3]
    data = workdir / "locations.csv"
    log(f"{db}: writing {rows:,} rows")
    write_locations(data, rows)
    size_mb = data.stat().st_size / 1e6
    base = rss_mb("VmRSS")
    log(f"{db}: uploading {size_mb:.1f} MB (RSS {base:.0f} MB)")
    started = time.perf_counter()
    record = upload(data, "locations")
    uploaded = time.perf_counter()
    shown = [0]

    def progress(done, total):
        if done - shown[0] >= 200_000:
            shown[0] = done
            log(f"{db}: {done:,} rows checked, RSS {rss_mb('VmRSS'):.0f} MB")

    record = telecom_import_run(import_id=record.pk, progress=progress)
    finished = time.perf_counter()
    assert record.status == "done" and record.rows_imported == rows, (record.status, record.rows_imported)
    peak = rss_mb("VmHWM")
    import_s = finished - uploaded
    log(f"{db}: scanning for holes")
    scan_started = time.perf_counter()
    holes, _least = _import_holes(record.pk, records=rows, period=_records_period(record.pk))
    holes_s = time.perf_counter() - scan_started
    print(
        f"RESULT db={db} rows={rows} file_mb={size_mb:.1f} upload_s={uploaded - started:.1f} import_s={import_s:.1f} "
        f"rows_per_s={rows / import_s:.0f} base_rss_mb={base:.0f} peak_rss_mb={peak:.0f} growth_mb={peak - base:.0f} "
        f"holes_s={holes_s:.1f} holes={len(holes)}",
        flush=True,
    )


def recreate_postgres() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_BENCH_DB}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="postgresql")
    parser.add_argument("--rows", default="100000,1000000", help="sizes, comma-separated (default 100000,1000000)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(size.replace("_", "")) for size in args.rows.split(",") if size]
    if args.child:
        child(args.db, sizes[0])
        return
    for db in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
        for rows in sizes:
            if db == "postgresql":
                recreate_postgres()
            command = [sys.executable, __file__, "--child", "--db", db, "--rows", str(rows)]
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            subprocess.run(command, env=env, check=True)


if __name__ == "__main__":
    main()
