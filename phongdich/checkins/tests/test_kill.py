"""SIGKILL during a load: every check-in that was answered 2xx is in the database afterwards.

The real production server (granian, WSGI, two workers) runs against the suite's database: on PostgreSQL
the live test database (this test is transactional, so its set-up is committed and the server sees it);
on SQLite a file database of its own, since the suite's SQLite test database lives in memory. Threads send
staff scans with distinct Idempotency-Keys; the server's whole process group is killed with SIGKILL in the
middle; then each acknowledged check-in is looked up by its id and its nonce.
"""

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
CHECKIN_PATH = "/api/v1/checkins/scan/"
CLIENTS = 8
KILL_AFTER_ACKS = 150  # kill once this many check-ins were acknowledged (or after KILL_AFTER_SECONDS)
KILL_AFTER_SECONDS = 8.0

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "SQLITE_PATH")}
    env.update(
        DJANGO_SETTINGS_MODULE="phongdich.config.settings",
        PHONGDICH_VAR_DIR=str(tmp_path / "var"),
        LOG_LEVEL="ERROR",
    )
    db = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        # The live test database (test_<name>), not the one DATABASE_URL names.
        auth = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
        env["DATABASE_URL"] = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    else:
        env["SQLITE_PATH"] = str(tmp_path / "kill.sqlite3")
    return env


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done.stdout


def _prepare(env: dict[str, str]) -> dict:
    """Give the server a migrated database and create the venue, device and people in it. On SQLite the file is a
    copy of the suite's own test database, migrated already: running the 146 migrations again into the file took
    30 to 55 seconds of the test's 75 (pytest-django migrated PostgreSQL's live test database, which the server
    uses as it is)."""
    if "SQLITE_PATH" in env:
        connection.ensure_connection()
        with sqlite3.connect(env["SQLITE_PATH"]) as copy:
            connection.connection.backup(copy)
        copy.close()
    output = _run(env, "-m", "phongdich.checkins.tests.test_kill", "setup")
    return json.loads(output.strip().splitlines()[-1])


def _setup_main() -> None:
    """Runs in a child process with the server's environment; prints the tokens as JSON."""
    import django

    django.setup()
    from phongdich.accounts.models import Official
    from phongdich.accounts.services import official_create
    from phongdich.checkins.services import scanner_device_create
    from phongdich.geo.services import area_upsert
    from phongdich.people.personal_qr import personal_qr_issue
    from phongdich.people.services import person_create
    from phongdich.venues.models import VenueType
    from phongdich.venues.services import venue_create

    # Earlier transactional tests flush every table, the seeded venue types with them.
    VenueType.objects.get_or_create(code="market", defaults={"name_vi": "Chợ", "name_en": "Market"})
    province = area_upsert(code="38", name="Tỉnh Thanh Hóa", kind="province")
    commune = area_upsert(code="15085", name="Xã Thạch Lập", kind="commune", parent=province)
    official, _ = official_create(
        username="kill-admin", password="kill-test-password-1", role=Official.Role.PROVINCE_ADMIN, area_code="38/"
    )
    venue = venue_create(
        actor=official.user, name="Chợ Thạch Lập", venue_type="market", area=commune, street_address="Thôn 1"
    )
    _device, device_token = scanner_device_create(venue=venue, name="Máy quét", created_by=official.user)
    tokens = []
    for n in range(50):
        person = person_create(
            actor=official.user, full_name=f"Người Thử {n}", phone=f"+8491{n:07d}", address_area=commune,
            created_via="official",
        )  # fmt: skip
        tokens.append(personal_qr_issue(person=person))
    print(json.dumps({"device_token": device_token, "code_token": venue.codes.first().token, "tokens": tokens}))


class _Server:
    def __init__(self, env: dict[str, str], log_path: Path):
        self.port = _free_port()
        self.log = open(log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "granian"), "--interface", "wsgi", "--host", "127.0.0.1",
                "--port", str(self.port), "--workers", "2", "--blocking-threads", "4", "--no-ws",
                "phongdich.config.wsgi:application",
            ],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the server exited with {self.proc.returncode}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("the server did not answer /healthz")

    def kill(self) -> None:
        """SIGKILL to the whole process group: granian's main process and every worker."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None or _group_alive(self.proc.pid):
            self.kill()
        self.log.close()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _stored(env: dict[str, str], ids: list[int]) -> dict[int, tuple[str, str]]:
    """{id: (nonce_scope, nonce)} of these check-ins as the database has them after the kill."""
    if not ids:
        return {}
    placeholders = ",".join(["%s"] * len(ids))
    query = f"SELECT id, nonce_scope, nonce FROM checkins_checkin WHERE id IN ({placeholders})"
    if "SQLITE_PATH" in env:
        with sqlite3.connect(env["SQLITE_PATH"]) as db:
            rows = db.execute(query.replace("%s", "?"), ids).fetchall()
    else:
        with connection.cursor() as cursor:
            cursor.execute(query, ids)
            rows = cursor.fetchall()
    return {row[0]: (row[1], row[2]) for row in rows}


def test_every_acknowledged_checkin_survives_sigkill(tmp_path):
    env = _server_env(tmp_path)
    data = _prepare(env)
    server = _Server(env, tmp_path / "server.log")
    acknowledged: list[tuple[str, dict]] = []  # (Idempotency-Key, answer) of every 2xx
    failures: list[str] = []  # answers that were neither 2xx nor a broken connection
    lock = threading.Lock()
    stop = threading.Event()

    def client(number: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        sent = 0
        deadline = time.monotonic() + KILL_AFTER_SECONDS + 20
        while not stop.is_set() and time.monotonic() < deadline:
            sent += 1
            key = f"kill-{number}-{sent}"
            body = json.dumps({"personal_qr": data["tokens"][(number * 7 + sent) % len(data["tokens"])]})
            headers = {
                "Content-Type": "application/json",
                "Authorization": f"Bearer {data['device_token']}",
                "Idempotency-Key": key,
            }
            try:
                conn.request("POST", CHECKIN_PATH, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException):
                return  # the server is gone: this request's fate is unknown, and that is allowed
            with lock:
                if 200 <= response.status < 300:
                    acknowledged.append((key, json.loads(payload)))
                else:
                    failures.append(f"{response.status} {payload[:300]!r}")

    try:
        server.wait_ready()
        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        kill_deadline = time.monotonic() + KILL_AFTER_SECONDS
        while time.monotonic() < kill_deadline:
            with lock:
                if len(acknowledged) >= KILL_AFTER_ACKS:
                    break
            time.sleep(0.01)
        server.kill()  # in the middle of the load: every client has a request in flight
        acknowledged_at_kill = len(acknowledged)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        server.stop()

    assert not failures, f"non-2xx answers before the kill: {failures[:5]}"
    assert acknowledged_at_kill >= 20, f"too few check-ins before the kill ({acknowledged_at_kill}); see server.log"
    ids = [answer["id"] for _key, answer in acknowledged]
    stored = _stored(env, ids)
    missing = [(key, answer["id"]) for key, answer in acknowledged if answer["id"] not in stored]
    assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged check-ins are not in the database"
    for key, answer in acknowledged:
        assert stored[answer["id"]][1] == key, "each stored check-in carries its request's Idempotency-Key"


if __name__ == "__main__" and sys.argv[1:] == ["setup"]:
    _setup_main()
