"""Tracing benchmark: F1 and F2 of cases from check-ins in a synthetic province (issue 4, item 3).

For each database it builds two provinces, one of the full size and one of a tenth (PostgreSQL: databases
`h_tracing_bench` and `h_tracing_bench_tenth`, their sizes appended to the name when not the default ones, loaded
with COPY, indexes built after loading, then ANALYZE; SQLite: files under /tmp named the same way, a tenth of the
PostgreSQL sizes, loaded with executemany). A province has
people with a home commune, venues of the 13 venue types with a realistic skew (markets, supermarkets,
schools and factories busy; most shops and restaurants quiet; popularity log-normal within a type), and
check-ins over `--days` days at the hours each kind of place is visited, 30% of them without a check-out: first
the routines (pupils at one school, workers at one workplace on a fixed shift), then errands.
The data are dated September 2021, so cases fall under QĐ 3638/QĐ-BYT (RULES.md §1.2): windows of 3 days
before onset, or 14 days before the sample, and no minimum overlap: the most tracing of all the rules.

Then, in a fresh process per province: `--cases` random cases (a random check-in's person, sampled 1-4 days
later, symptomatic 60% of the time) are traced one by one with `case_trace_checkins` (p50, p95); the
contacts are deleted; `--batch` other cases are traced as a batch run: with `--batch-workers` N > 1 (the
default on PostgreSQL when Redis answers: one per core) through Redis to a Celery worker of N processes, the
run split into N parts (TRACING_BATCH_PARTS), as in production; with 1, and on SQLite (one writer at a time), by
`tracing_run_task` in-process.
growth_10x = p50 at full size / p50 at a tenth. Its last lines are, per database:

    RESULT db=<...> checkins=<n> trace_one_p50_ms=<n> trace_one_p95_ms=<n> trace_1000_cases_s=<n>
           growth_10x=<n> peak_rss_mb=<n>                                      (on one line)

Usage: .venv/bin/python bench/tracing.py [--db postgresql|sqlite|both] [--scale 1] [--people 1000000]
       [--venues 100000] [--checkins 10000000] [--days 21] [--cases 200] [--batch 1000] [--keep]
       [--batch-workers N]
docs/benchmarks.md, "Tracing", says what each figure means, the targets and the latest run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgres://postgres@127.0.0.1:5432/{name}"
SEED = 20210914
BENCH_BROKER = "redis://127.0.0.1:6379/14"  # a database of its own, emptied before each batch

# code: share of venues, popularity of one venue, local arrival windows (from h, to h, weight), stay minutes.
VENUE_KINDS = {
    "market": (0.006, 60.0, [(5, 11, 3), (15, 18, 1)], (20, 90)),
    "supermarket": (0.004, 50.0, [(8, 21, 1)], (20, 80)),
    "school": (0.010, 25.0, [(6.5, 7.5, 1)], (240, 480)),
    "factory": (0.003, 40.0, [(5.5, 6.5, 1), (17.5, 18.5, 1)], (600, 720)),
    "industrial_park": (0.0005, 80.0, [(5.5, 6.5, 1), (17.5, 18.5, 1)], (600, 720)),
    "health_facility": (0.005, 15.0, [(7, 16, 1)], (30, 240)),
    "transport_station": (0.002, 30.0, [(5, 20, 1)], (10, 60)),
    "checkpoint": (0.003, 20.0, [(0, 24, 1)], (1, 10)),
    "vaccination_site": (0.002, 15.0, [(7, 16, 1)], (30, 120)),
    "office": (0.060, 3.0, [(7.5, 8.5, 1)], (420, 540)),
    "restaurant": (0.150, 1.5, [(10.5, 13, 1), (17, 20, 1)], (30, 120)),
    "service_business": (0.450, 0.6, [(8, 21, 1)], (10, 90)),
    "other": (None, 0.3, [(7, 21, 1)], (10, 120)),  # the rest
}
PEOPLE_PER_COMMUNE = 7000
LOCAL_SHARE = 0.8  # check-ins in the person's own commune
NO_CHECKOUT = 0.3
# Routines (our assumptions, not from a document): shares of the people who are pupils, and who work at a
# place that scans them in; where those workers work; how often they turn up; night shifts at factories.
STUDENT_SHARE = 0.15
WORKER_SHARE = 0.20
WORKPLACES = {"factory": 0.35, "industrial_park": 0.15, "office": 0.40, "health_facility": 0.10}
ROUTINE_LOCAL = 0.7  # school or workplace in the person's own commune, when it has one
ATTENDANCE = 0.9
SHIFT_WORK = {"factory", "industrial_park"}
NIGHT_SHIFT = 0.3
MON_FRI, MON_SAT = {0, 1, 2, 3, 4}, {0, 1, 2, 3, 4, 5}
# kind: shift -> (arrival window in local minutes, stay in minutes, days of the week). Health facilities are
# here for their staff; patients come as errands (VENUE_KINDS).
ROUTINES = {
    "school": {"day": ((390, 450), (240, 300), MON_FRI)},
    "factory": {"day": ((330, 390), (600, 660), MON_SAT), "night": ((1050, 1110), (600, 660), MON_SAT)},
    "industrial_park": {"day": ((330, 390), (600, 660), MON_SAT), "night": ((1050, 1110), (600, 660), MON_SAT)},
    "office": {"day": ((450, 510), (420, 540), MON_FRI)},
    "health_facility": {"day": ((390, 450), (420, 540), MON_SAT)},
}
ROUTINE_ONLY = {"school", "factory", "industrial_park", "office"}  # nobody goes there on an errand
UTC_OFFSET_MIN = 7 * 60


def log(message: str) -> None:
    # UTC: django.setup() sets the process's TZ to TIME_ZONE, so local time switched zones halfway through a log.
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", file=sys.stderr, flush=True)


# --- Databases ---------------------------------------------------------------------------------------


def postgres_answers() -> bool:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(BENCH_BROKER, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def target_env(db: str, name: str) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "phongdich.config.settings", "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    if db == "postgresql":
        env["DATABASE_URL"] = PG_URL.format(name=name)
    else:
        env["SQLITE_PATH"] = f"/tmp/{name}.sqlite3"
    return env


def exists(db: str, name: str) -> bool:
    if db == "sqlite":
        return Path(f"/tmp/{name}.sqlite3").exists()
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def recreate(db: str, name: str) -> None:
    drop(db, name)
    if db == "postgresql":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')


def drop(db: str, name: str) -> None:
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"/tmp/{name}.sqlite3{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- Loading (child process: `--internal load`) --------------------------------------------------------


class Loader:
    """Bulk rows into a table with its secondary indexes and foreign keys dropped, then rebuilt."""

    def __init__(self, connection):
        self.connection = connection
        self.vendor = connection.vendor

    def load(self, table: str, columns: list[str], chunks, total: int) -> None:
        from tqdm import tqdm

        self.connection.ensure_connection()
        saved = self._drop_indexes(table)
        with tqdm(total=total, desc=f"load {table}", unit="row", file=sys.stderr, mininterval=2) as bar:
            if self.vendor == "postgresql":
                raw = self.connection.connection  # the psycopg connection
                with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for lines in chunks:
                        copy.write("".join(lines))
                        bar.update(len(lines))
            else:
                marks = ", ".join(["?"] * len(columns))
                raw = self.connection.connection
                raw.execute("BEGIN")
                for rows in chunks:
                    raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
                    bar.update(len(rows))
                raw.execute("COMMIT")
        log(f"{table}: rebuilding {len(saved)} indexes and constraints")
        started = time.monotonic()
        with self.connection.cursor() as cursor:
            for statement in saved:
                cursor.execute(statement)
            # VACUUM too on PostgreSQL: it marks the pages all-visible, as autovacuum does in production for
            # visits older than a few hours, so that tracing reads its indexes alone (checkins migration 0005).
            cursor.execute(f"VACUUM ANALYZE {table}" if self.vendor == "postgresql" else f"ANALYZE {table}")
        log(f"{table}: indexes in {time.monotonic() - started:.0f} s")

    def _drop_indexes(self, table: str) -> list[str]:
        recreate = []
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint"
                    " WHERE conrelid = %s::regclass AND contype IN ('f', 'u')",
                    [table],
                )
                for name, definition, kind in cursor.fetchall():
                    cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                    # Foreign keys come back NOT VALID: the generated ids are right by construction.
                    suffix = " NOT VALID" if kind == "f" else ""
                    recreate.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}{suffix}')
                cursor.execute(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s"
                    " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    cursor.execute(f'DROP INDEX "{name}"')
                    recreate.append(definition)
                recreate.insert(0, "SET maintenance_work_mem = '1GB'")
            else:
                cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", [table])
                for name, definition in cursor.fetchall():
                    if definition:  # None: the automatic index of a UNIQUE constraint
                        cursor.execute(f'DROP INDEX "{name}"')
                        recreate.append(definition)
        return recreate


def minute_strings(vendor: str, start, minutes: int) -> list[str]:
    """Every minute of the data as the database's text (a lookup is much faster than formatting 30M times)."""
    import datetime as dt

    out = []
    for m in range(minutes):
        t = start + dt.timedelta(minutes=m)
        out.append(t.strftime("%Y-%m-%d %H:%M:00+00") if vendor == "postgresql" else t.strftime("%Y-%m-%d %H:%M:00"))
    return out


def internal_load(people: int, venues: int, checkins: int, days: int) -> dict:
    import datetime as dt

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from phongdich.geo.services import area_upsert

    call_command("migrate", verbosity=0)
    rng = random.Random(SEED)
    vendor = connection.vendor
    loader = Loader(connection)
    null = "\\N" if vendor == "postgresql" else None

    province = area_upsert(code="38", name="Tỉnh Thanh Hóa", kind="province")
    communes = [
        area_upsert(code=f"{15000 + i}", name=f"Xã {i}", kind="commune", parent=province)
        for i in range(max(1, people // PEOPLE_PER_COMMUNE))
    ]
    paths = [c.path for c in communes]
    log(f"{len(communes)} communes; {people:,} people, {venues:,} venues, {checkins:,} check-ins over {days} days")

    # Venues: type by share, popularity log-normal within the type, a commune at random.
    kinds = list(VENUE_KINDS)
    named = sum(share for share, *_ in VENUE_KINDS.values() if share)
    shares = [VENUE_KINDS[k][0] if VENUE_KINDS[k][0] else 1 - named for k in kinds]
    venue_kind = rng.choices(range(len(kinds)), weights=shares, k=venues)
    venue_commune = [rng.randrange(len(communes)) for _ in range(venues)]
    popularity = [VENUE_KINDS[kinds[k]][1] * rng.lognormvariate(0, 0.7) for k in venue_kind]
    now = "2021-09-30 00:00:00+00" if vendor == "postgresql" else "2021-09-30 00:00:00"

    def venue_rows():
        batch = []
        for i in range(venues):
            values = (
                i + 1,
                f"Địa điểm {i + 1}",
                f"dia diem {i + 1}",
                kinds[venue_kind[i]],
                communes[venue_commune[i]].pk,
                paths[venue_commune[i]],
                "",
                "verified",
                "official",
                now,
            )
            batch.append("\t".join(map(str, values)) + "\t\t\t\t\n" if vendor == "postgresql" else values + ("",) * 4)
            if len(batch) == 50_000:
                yield batch
                batch = []
        yield batch

    loader.load(
        "venues_venue",
        [
            "id", "name", "name_folded", "venue_type_id", "area_id", "area_path", "street_address", "status",
            "registered_via", "created_at", "contact_name", "contact_phone", "tax_code", "status_reason",
        ],
        venue_rows(),
        venues,
    )  # fmt: skip

    home = [rng.randrange(len(communes)) for _ in range(people)]

    def people_rows():
        batch = []
        for i in range(people):
            pid = i + 1
            values = (pid, f"bench{pid}", f"Người {pid}", f"nguoi {pid}", "", "VN", paths[home[i]], "import", now, now)
            if vendor == "postgresql":
                batch.append("\t".join(map(str, values)) + "\t\t\t\t\t\n")
            else:
                batch.append(values + ("", "", "", "", ""))
            if len(batch) == 50_000:
                yield batch
                batch = []
        yield batch

    loader.load(
        "people_person",
        [
            "id", "public_id", "full_name", "name_folded", "gender", "nationality", "area_path", "created_via",
            "created_at", "updated_at", "citizen_id", "old_id_number", "passport_number", "phone", "address_street",
        ],
        people_rows(),
        people,
    )  # fmt: skip

    # Check-ins. First the routines: each pupil at one school on school days, each worker at one workplace on
    # working days (a fixed shift at factories and industrial parks), so that the same people meet day after
    # day, as they do. Then errands fill the rest of the check-ins: a person by activity (log-normal), a venue
    # of an errand kind by popularity, 80% in the person's own commune.
    start = dt.datetime(2021, 9, 30, tzinfo=dt.UTC) - dt.timedelta(days=days) - dt.timedelta(minutes=UTC_OFFSET_MIN)
    first_local_day = (start + dt.timedelta(minutes=UTC_OFFSET_MIN)).date()
    weekdays = [(first_local_day + dt.timedelta(days=d)).weekday() for d in range(days)]
    minute_text = minute_strings(vendor, start, (days + 2) * 1440)
    by_commune_kind: dict[tuple[int, int], list[int]] = {}
    by_kind: dict[int, list[int]] = {}
    for v in range(venues):
        by_commune_kind.setdefault((venue_commune[v], venue_kind[v]), []).append(v)
        by_kind.setdefault(venue_kind[v], []).append(v)
    kind_index = {k: i for i, k in enumerate(kinds)}

    cum_of: dict[tuple, list[float]] = {}

    def pick(kind: int, commune: int, local_share: float) -> int | None:
        """A venue of this kind, by popularity: in the commune with `local_share`, else anywhere."""
        key = (commune, kind) if rng.random() < local_share and (commune, kind) in by_commune_kind else kind
        pool = by_commune_kind[key] if isinstance(key, tuple) else by_kind.get(kind)
        if not pool:
            return None
        if key not in cum_of:
            cum_of[key] = list(_cumulative(popularity[v] for v in pool))
        return rng.choices(pool, cum_weights=cum_of[key])[0]

    # Each person's routine: (venue, arrival window in minutes, stay range, days of the week) or None.
    routine: list[tuple | None] = [None] * people
    workplace_kinds = [kind_index[k] for k in WORKPLACES]
    workplace_weights = list(WORKPLACES.values())
    school = kind_index["school"]
    for i in range(people):
        draw = rng.random()
        if draw < STUDENT_SHARE:
            kind, shift = school, "day"
        elif draw < STUDENT_SHARE + WORKER_SHARE:
            kind = rng.choices(workplace_kinds, weights=workplace_weights)[0]
            shift = "night" if kinds[kind] in SHIFT_WORK and rng.random() < NIGHT_SHIFT else "day"
        else:
            continue
        venue = pick(kind, home[i], ROUTINE_LOCAL)
        if venue is not None:
            arrive, stay, week = ROUTINES[kinds[kind]][shift]
            routine[i] = (venue, arrive, stay, week)

    errand_kinds = {i for i, k in enumerate(kinds) if k not in ROUTINE_ONLY}
    errand_venues = [v for v in range(venues) if venue_kind[v] in errand_kinds]
    all_cum = list(_cumulative(popularity[v] for v in errand_venues))
    by_commune: list[list[int]] = [[] for _ in communes]
    for v in errand_venues:
        by_commune[venue_commune[v]].append(v)
    commune_cum = [list(_cumulative(popularity[v] for v in vs)) for vs in by_commune]
    activity = list(_cumulative(rng.lognormvariate(0, 0.5) for _ in range(people)))
    arrivals = []
    for k in kinds:
        windows = VENUE_KINDS[k][2]
        arrivals.append(([(int(a * 60), int(b * 60)) for a, b, _ in windows], [w for *_, w in windows]))
    stays = [VENUE_KINDS[k][3] for k in kinds]

    def row(p: int, v: int, t_in: int, lo: int, hi: int):
        if rng.random() < NO_CHECKOUT:
            t_out, out_kind = None, ""
        else:
            t_out, out_kind = t_in + rng.randint(lo, hi), "person"
        t_text = minute_text[t_in]
        if vendor == "postgresql":
            out_text = "\\N" if t_out is None else minute_text[t_out]
            return (
                f"{p + 1}\t{v + 1}\t{paths[venue_commune[v]]}\t{t_text}\t{out_text}\t{out_kind}"
                f"\t{t_text}\tself_scan\t\n"
            )
        out_text = null if t_out is None else minute_text[t_out]
        return (p + 1, v + 1, paths[venue_commune[v]], t_text, out_text, out_kind, t_text, "self_scan", "")

    def checkin_rows():
        done = 0
        batch = []
        for p in range(people):
            if routine[p] is None:
                continue
            v, (a, b), (lo, hi), week = routine[p]
            for d in range(days):
                if weekdays[d] in week and rng.random() < ATTENDANCE and done < checkins:
                    batch.append(row(p, v, d * 1440 + rng.randrange(a, b) + UTC_OFFSET_MIN, lo, hi))
                    done += 1
            if len(batch) >= 100_000:
                yield batch
                batch = []
        yield batch
        log(f"{done:,} check-ins of routines; {checkins - done:,} of errands")
        while done < checkins:
            n = min(100_000, checkins - done)
            persons = rng.choices(range(people), cum_weights=activity, k=n)
            venue_of = [0] * n
            local: dict[int, list[int]] = {}
            far = []
            for j, p in enumerate(persons):
                if rng.random() < LOCAL_SHARE and by_commune[home[p]]:
                    local.setdefault(home[p], []).append(j)
                else:
                    far.append(j)
            for c, js in local.items():
                for j, v in zip(js, rng.choices(by_commune[c], cum_weights=commune_cum[c], k=len(js)), strict=True):
                    venue_of[j] = v
            for j, v in zip(far, rng.choices(errand_venues, cum_weights=all_cum, k=len(far)), strict=True):
                venue_of[j] = v
            batch = []
            for p, v in zip(persons, venue_of, strict=True):
                kind = venue_kind[v]
                windows, weights = arrivals[kind]
                a, b = windows[0] if len(windows) == 1 else rng.choices(windows, weights=weights)[0]
                batch.append(row(p, v, rng.randrange(days) * 1440 + rng.randrange(a, b) + UTC_OFFSET_MIN, *stays[kind]))
            done += n
            yield batch

    loader.load(
        "checkins_checkin",
        [
            "person_id", "venue_id", "area_path", "checked_in_at", "checked_out_at", "checkout_kind",
            "received_at", "source", "nonce_scope",
        ],
        checkin_rows(),
        checkins,
    )  # fmt: skip
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            for table in ("venues_venue", "people_person"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cursor.execute("VACUUM ANALYZE checkins_checkin")
        else:
            cursor.execute("ANALYZE")
    return {"checkins": checkins}


def _cumulative(values):
    total = 0.0
    for value in values:
        total += value
        yield total


# --- Tracing (child process: `--internal trace`) ----------------------------------------------------


def make_cases(n: int, rng: random.Random, first_number: int):
    """n cases from random check-ins: the person, sampled 1-4 days after that visit (not after the data's
    end), symptomatic (onset 0-2 days before the sample) 60% of the time; windows by case_window."""
    import datetime as dt

    from django.db.models import Max, Min
    from django.utils import timezone

    from phongdich.cases.models import Case
    from phongdich.cases.services import case_window, window_rule_for
    from phongdich.checkins.models import CheckIn

    bounds = CheckIn.objects.aggregate(lo=Min("id"), hi=Max("id"), last=Max("checked_in_at"))
    last_day = timezone.localtime(bounds["last"]).date()
    persons_taken = set(Case.objects.values_list("person_id", flat=True))
    cases = []
    while len(cases) < n:
        row = (
            CheckIn.objects.filter(id__gte=rng.randint(bounds["lo"], bounds["hi"]))
            .order_by("id")
            .values("person_id", "checked_in_at", "person__area_path")[:1]
        )
        row = row[0] if row else None
        if row is None or row["person_id"] in persons_taken:
            continue
        persons_taken.add(row["person_id"])
        visit_day = timezone.localtime(row["checked_in_at"]).date()
        sample = min(visit_day + dt.timedelta(days=rng.randint(1, 4)), last_day)
        onset = sample - dt.timedelta(days=rng.randint(0, 2)) if rng.random() < 0.6 else None
        isolated_at = timezone.make_aware(dt.datetime.combine(sample, dt.time(18, 0)))
        rule = window_rule_for(sample)
        start, end = case_window(
            rule=rule, sample_date=sample, onset_date=onset, source_exposure_date=None, isolated_at=isolated_at
        )
        cases.append(
            Case(
                number=f"BN-38-{first_number + len(cases):06d}",
                person_id=row["person_id"],
                area_path=row["person__area_path"],
                sample_date=sample,
                test_type=Case.TestType.PCR,
                onset_date=onset,
                isolated_at=isolated_at,
                rule=rule,
                window_start=start,
                window_end=end,
            )
        )
    Case.objects.bulk_create(cases)
    return list(Case.objects.filter(number__in=[c.number for c in cases]).select_related("rule").order_by("id"))


def clean_traces() -> None:
    """Empty the tables tracing writes (raw: the ORM's cascade would collect hundreds of thousands of ids)."""
    from django.db import connection

    from phongdich.cases.models import Case, Contact, ContactLink, ExposureNotice, TracingRun
    from phongdich.core.models import AuditLog

    tables = [
        ContactLink._meta.db_table,
        ExposureNotice._meta.db_table,
        TracingRun.cases.through._meta.db_table,
        TracingRun._meta.db_table,
        Contact._meta.db_table,
        Case._meta.db_table,
        AuditLog._meta.db_table,
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")  # and what other apps hang on them
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def start_worker(processes: int) -> subprocess.Popen:
    """A Celery worker with `processes` processes on the bench's broker and database, once it answers."""
    from phongdich.config.celery import app

    app.control.purge()  # nothing left over from an earlier run
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "phongdich", "worker", "--concurrency", str(processes),
         "--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
        cwd=ROOT,
    )  # fmt: skip
    for _ in range(120):
        if app.control.ping(timeout=0.5):
            return worker
        if worker.poll() is not None:
            raise SystemExit(f"the Celery worker exited ({worker.returncode})")
    worker.terminate()
    raise SystemExit("the Celery worker did not answer within a minute")


def internal_trace(cases_n: int, batch_n: int) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from tqdm import tqdm

    from phongdich.cases.models import TracingRun
    from phongdich.cases.tasks import tracing_run_start, tracing_run_task
    from phongdich.cases.tracing import case_trace_checkins
    from phongdich.checkins.models import CheckIn

    rng = random.Random(SEED + 1)
    clean_traces()
    checkins = CheckIn.objects.count()
    warm = make_cases(2, rng, 900_000)
    for case in warm:
        case_trace_checkins(case=case)
    clean_traces()

    singles = make_cases(cases_n, rng, 1)
    times, f1, f2, links = [], [], [], []
    for case in tqdm(singles, desc="trace one by one", file=sys.stderr, mininterval=2):
        started = time.perf_counter()
        outcome = case_trace_checkins(case=case)
        times.append(1000 * (time.perf_counter() - started))
        f1.append(outcome.f1)
        f2.append(outcome.f2)
        links.append(outcome.links_added)
    clean_traces()  # the batch starts from no contacts, as the single runs did

    batch = make_cases(batch_n, rng, 100_000)
    workers = settings.TRACING_BATCH_PARTS
    if workers > 1:
        # The production path: the run's task and its parts through the broker to a worker with one process
        # per part (docs/cases.md, "The batch task").
        worker = start_worker(workers)
        try:
            started = time.perf_counter()
            run = tracing_run_start(actor=None, cases=batch)
            while run.status not in (TracingRun.Status.DONE, TracingRun.Status.FAILED):
                time.sleep(0.2)
                run.refresh_from_db()
            batch_s = time.perf_counter() - started
        finally:
            worker.terminate()
            worker.wait(timeout=60)
    else:
        run = TracingRun.objects.create(total=len(batch))
        run.cases.set(batch)
        started = time.perf_counter()
        tracing_run_task(run.pk)
        batch_s = time.perf_counter() - started
        run.refresh_from_db()
    clean_traces()
    if run.status != TracingRun.Status.DONE:
        raise SystemExit(f"the batch run ended {run.status}: {run.error}")

    def pct(values, q):
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]

    return {
        "checkins": checkins,
        "p50_ms": statistics.median(times),
        "p95_ms": pct(times, 0.95),
        "max_ms": max(times),
        "f1_median": statistics.median(f1),
        "f1_p95": pct(f1, 0.95),
        "f2_median": statistics.median(f2),
        "f2_p95": pct(f2, 0.95),
        "links_median": statistics.median(links),
        "links_max": max(links),
        "batch_s": batch_s,
        "batch_cases": len(batch),
        "batch_workers": workers,
        "batch_links": run.links_added,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# --- Orchestration --------------------------------------------------------------------------------------


def child(step: str, env: dict, *args) -> dict:
    command = [sys.executable, __file__, "--internal", step, *map(str, args)]
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{step} failed ({done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_database(db: str, args: argparse.Namespace) -> str:
    divide = 10 if db == "sqlite" else 1  # SQLite: a tenth of PostgreSQL's province
    results = {}
    for label, factor in (("tenth", 10 * divide), ("full", divide)):
        people, venues, checkins = (
            max(1, round(n * args.scale / factor)) for n in (args.people, args.venues, args.checkins)
        )
        name = "h_tracing_bench" if label == "full" else "h_tracing_bench_tenth"
        if not args.default_province:  # so that --keep never reuses a province of another size
            name += f"_{people}p_{venues}v_{checkins}c_{args.days}d"
        env = target_env(db, name)
        if args.batch_workers > 1 and db == "postgresql":  # SQLite has one writer at a time: in-process
            env.update(CELERY_BROKER_URL=BENCH_BROKER, TRACING_BATCH_PARTS=str(args.batch_workers))
        else:
            env["TRACING_BATCH_PARTS"] = "1"  # the whole run in this process: no part sent to a broker
        if args.keep and exists(db, name):
            log(f"{db} {label}: reusing {name} (--keep), migrated to the code's schema")
            subprocess.run(
                [sys.executable, "-m", "django", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True
            )
        else:
            log(f"{db} {label}: generating {name}")
            recreate(db, name)
            started = time.monotonic()
            child("load", env, people, venues, checkins, args.days)
            log(f"{db} {label}: generated in {time.monotonic() - started:.0f} s")
        log(f"{db} {label}: tracing {args.cases} cases one by one, then {args.batch} in a batch")
        results[label] = child("trace", env, args.cases, args.batch)
        r = results[label]
        log(
            f"{db} {label}: {r['checkins']:,} check-ins; one case p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms,"
            f" max {r['max_ms']:.0f} ms; F1 median {r['f1_median']:.0f} (p95 {r['f1_p95']:.0f}), F2 median"
            f" {r['f2_median']:.0f} (p95 {r['f2_p95']:.0f}), links median {r['links_median']:.0f} (max"
            f" {r['links_max']}); {r['batch_cases']} cases in {r['batch_s']:.1f} s by {r['batch_workers']} process(es)"
            f" ({r['batch_links']:,} links);"
            f" RSS {r['rss_mb']:.0f} MB"
        )
        if not args.keep:
            drop(db, name)
    full, tenth = results["full"], results["tenth"]
    per_1000 = full["batch_s"] * 1000 / max(full["batch_cases"], 1)
    return (
        f"RESULT db={db} checkins={full['checkins']} trace_one_p50_ms={full['p50_ms']:.1f}"
        f" trace_one_p95_ms={full['p95_ms']:.1f} trace_1000_cases_s={per_1000:.1f}"
        f" growth_10x={full['p50_ms'] / tenth['p50_ms']:.2f}"
        f" peak_rss_mb={max(full['rss_mb'], tenth['rss_mb']):.0f}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite", "both"], default="postgresql")
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--venues", type=int, default=100_000)
    parser.add_argument("--checkins", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies people, venues and check-ins")
    parser.add_argument("--cases", type=int, default=200, help="cases traced one by one (p50, p95)")
    parser.add_argument("--batch", type=int, default=1000, help="cases traced by the batch task")
    parser.add_argument("--keep", action="store_true", help="reuse (and keep) the generated databases")
    parser.add_argument(
        "--batch-workers",
        type=int,
        default=None,
        help="PostgreSQL: worker processes for the batch, through Redis; default: the cores if Redis answers, else 1",
    )
    args = parser.parse_args(argv)
    sizes = ("people", "venues", "checkins", "days", "scale")
    args.default_province = all(getattr(args, size) == parser.get_default(size) for size in sizes)
    if args.batch_workers is None:
        args.batch_workers = (os.cpu_count() or 1) if redis_answers() else 1
    log(
        f"batch on PostgreSQL: {args.batch_workers} worker process(es)"
        + (f" through {BENCH_BROKER}" if args.batch_workers > 1 else ", in-process")
    )
    lines = []
    for db in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
        if db == "postgresql" and not postgres_answers():
            log("PostgreSQL does not answer on 127.0.0.1:5432: skipped")
            continue
        lines.append(bench_database(db, args))
    print()
    for line in lines:
        print(line, flush=True)
    return 0 if lines else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--internal":
        sys.path.insert(0, str(ROOT))
        step, rest = sys.argv[2], [int(a) for a in sys.argv[3:]]
        out = internal_load(*rest) if step == "load" else internal_trace(*rest)
        print(json.dumps(out), flush=True)
        sys.exit(0)
    sys.exit(main())
