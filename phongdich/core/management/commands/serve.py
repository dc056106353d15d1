"""Start the production server: granian (WSGI) plus a Celery worker (TASK_WORKER_PROCESSES) with the beat scheduler.

granian serves /static/ itself from STATIC_ROOT (run `collectstatic` first; `phongdich demo` does). The
worker runs the periodic tasks of config/celery.py (roll-up and retention purge, auto check-out); with
REDIS_URL unset it uses the file-system broker under PHONGDICH_VAR_DIR. SIGINT/SIGTERM are forwarded to
both children; if either dies, the other is stopped too.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from phongdich.core.cachedb import cache_table_create
from phongdich.core.demo import DEMO_LOGIN, demo_password


def served_address(host: str, port: int) -> str:
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"


def children_environment(address: str) -> dict[str, str]:
    """The server's and the worker's environment. With SITE_URL unset, the links in SMS, QR posters and result slips
    name the address served, not 127.0.0.1:8000 (`PORT=8080 make demo`); a province sets its public address
    (docs/configuration.md)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE}
    if not os.environ.get("SITE_URL"):
        env["SITE_URL"] = address
    return env


class Command(BaseCommand):
    help = "Run granian (WSGI) on 127.0.0.1:$PORT with a Celery worker+beat; print the address and a login."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=0, help="granian workers (default: the number of cores)")
        parser.add_argument("--no-worker", action="store_true", help="Do not start the Celery worker and beat.")
        parser.add_argument("--startup-timeout", type=float, default=60.0)

    def handle(self, *args, host, port, workers, no_worker, startup_timeout, **options):
        workers = workers or os.cpu_count() or 1
        static_root = Path(settings.STATIC_ROOT)
        static_url = "/" + settings.STATIC_URL.strip("/")
        address = served_address(host, port)
        env = children_environment(address)
        server_cmd = [
            sys.executable, "-m", "granian",
            "--interface", "wsgi",
            "--host", host,
            "--port", str(port),
            "--workers", str(workers),
            # A few threads per worker, matching the database pool (DB_POOL_MAX): requests wait in granian's
            # queue rather than in the pool, which keeps p99 low (docs/benchmarks.md).
            "--blocking-threads", str(settings.SERVER_THREADS),
            "--backpressure", str(settings.SERVER_THREADS * 2),
            "--static-path-route", static_url,
            "--static-path-mount", str(static_root),
            "--no-access-log",
            "phongdich.config.wsgi:application",
        ]  # fmt: skip
        # The rate limits' table when they count in the cache database (no Redis): created once here, before the
        # workers that share it start.
        cache_table_create()
        children: list[subprocess.Popen] = []
        if not static_root.is_dir():
            self.stderr.write(f"warning: {static_root} is missing; run `phongdich collectstatic` for /static/")
        children.append(subprocess.Popen(server_cmd, env=env))
        if not no_worker:
            queue = settings.VAR_DIR / "queue"
            queue.mkdir(parents=True, exist_ok=True)
            (settings.VAR_DIR / "queue-done").mkdir(parents=True, exist_ok=True)
            worker_cmd = [
                sys.executable, "-m", "celery", "-A", "phongdich", "worker", "--beat",
                "--concurrency", str(settings.TASK_WORKER_PROCESSES), "--loglevel", "WARNING",
                "--schedule", str(settings.CELERY_BEAT_SCHEDULE_FILENAME),
            ]  # fmt: skip
            children.append(subprocess.Popen(worker_cmd, env=env))

        stopping = False

        def forward(signum, frame):
            nonlocal stopping
            stopping = True
            for child in children:
                if child.poll() is None:
                    child.send_signal(signum)

        signal.signal(signal.SIGINT, forward)
        signal.signal(signal.SIGTERM, forward)

        if not self._wait_healthy(address, children[0], startup_timeout):
            forward(signal.SIGTERM, None)
            self._reap(children)
            raise CommandError(f"the server did not answer {address}/healthz within {startup_timeout:.0f} s")
        self.stdout.write(
            "\n".join(
                [
                    "",
                    f"Phòng Dịch is running at {address}/",
                    f"  API schema: {address}/api/schema/",
                    f"  API docs:   {address}/api/docs/",
                    f"  Log in as an official: {DEMO_LOGIN} / {demo_password()}  (demo data; see docs/statistics.md)",
                    f"  granian workers: {workers}; task worker: "
                    + ("off" if no_worker else f"celery worker ({settings.TASK_WORKER_PROCESSES} process(es)) + beat"),
                    "  Ctrl+C stops everything.",
                    "",
                ]
            )
        )
        self.stdout.flush()
        while not stopping:
            if any(child.poll() is not None for child in children):
                break
            time.sleep(0.5)
        forward(signal.SIGTERM, None)
        codes = self._reap(children)
        if not stopping and any(codes):
            raise CommandError(f"a child process stopped (exit codes {codes})")

    def _wait_healthy(self, address: str, server: subprocess.Popen, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{address}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        return False

    def _reap(self, children, grace: float = 10.0) -> list[int]:
        deadline = time.monotonic() + grace
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        return [child.returncode for child in children]
