"""Rate limits without Redis are one count for every server process (core.cachedb, core.throttling;
docs/configuration.md "Rate limits without Redis")."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import transaction

from phongdich.core.otp import CacheLimit

ROOT = Path(__file__).resolve().parents[3]
LIMIT = 40
TRIES_EACH = 30  # fewer than the limit: two processes counting apart would allow every try

# A server process: the project's settings without Redis, counting TRIES_EACH requests as soon as the start file
# appears, then printing how many were allowed.
CHILD = """
import os, sys, time
import django
django.setup()
from phongdich.core.otp import CacheLimit
start = sys.argv[1]
while not os.path.exists(start):
    time.sleep(0.005)
limit, tries = int(sys.argv[2]), int(sys.argv[3])
print(sum(CacheLimit("test:shared", limit, 3600).allow_request(None, None) for _ in range(tries)))
"""


def test_two_server_processes_share_one_count(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL", "SQLITE_PATH")}
    env.update(
        DJANGO_SETTINGS_MODULE="phongdich.config.settings",
        PHONGDICH_VAR_DIR=str(tmp_path / "var"),
        CACHE_SQLITE_PATH=str(tmp_path / "var" / "cache.sqlite3"),
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    (tmp_path / "var").mkdir()
    # The cache table, as `phongdich serve` creates it before starting the server processes.
    created = subprocess.run(
        [sys.executable, "-m", "phongdich", "createcachetable", "--database", "cache"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert created.returncode == 0, created.stderr[-3000:]
    start = tmp_path / "start"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(start), str(LIMIT), str(TRIES_EACH)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    time.sleep(0.5)  # so that both usually run side by side; a late one still counts against the same limit
    start.touch()
    allowed = []
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err[-3000:]
        allowed.append(int(out.strip().splitlines()[-1]))
    # One count: exactly the limit in all, however the two interleaved (each alone would have allowed all 30).
    assert sum(allowed) == LIMIT, allowed


@pytest.mark.django_db
def test_a_count_stays_when_the_request_it_limits_is_rolled_back():
    """The cache is not the main database: a request that fails after counting (a wrong ID number, say) has still
    used its try."""
    with pytest.raises(RuntimeError), transaction.atomic():
        assert CacheLimit("test:rollback", 1, 60).allow_request(None, None)
        raise RuntimeError
    assert not CacheLimit("test:rollback", 1, 60).allow_request(None, None)
    assert cache.get("test:rollback")
