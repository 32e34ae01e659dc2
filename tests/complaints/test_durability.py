"""Nothing acknowledged with 201 is lost: SIGKILL gunicorn mid-load, restart, count.

Runs bench/complaints_bench.py in its short form (a real gunicorn, 4 workers)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # SIGKILL under load: seconds of real traffic

ROOT = Path(__file__).parents[2]


def run_bench(data_dir: Path, *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "complaints_bench.py"), "--json", "--data", str(data_dir), *args],
        capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_sigkill_mid_load_loses_nothing_on_sqlite(data_dir: Path) -> None:
    report = run_bench(data_dir, "--backend", "sqlite", "--kill", "--requests", "300", "--concurrency", "4")
    (kill,) = report["results"]
    assert kill["restarted"] is True
    assert kill["acknowledged"] >= 150 and kill["acknowledged_before_kill"] >= 150
    assert not [status for status in kill["statuses"] if status.startswith("5")]
    assert kill["lost"] == 0


@pytest.mark.postgres
def test_sigkill_mid_load_loses_nothing_on_postgres(data_dir: Path, pg_url: str) -> None:
    report = run_bench(data_dir, "--backend", "postgres", "--kill", "--requests", "300", "--concurrency", "4")
    (kill,) = report["results"]
    assert kill["restarted"] is True and kill["acknowledged"] >= 150
    assert kill["lost"] == 0


@pytest.mark.skipif(not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")), reason="no PostgreSQL binaries")
def test_postgres_restart_mid_burst_loses_nothing(data_dir: Path) -> None:
    """A PostgreSQL of the test's own (initdb in a temporary directory, free port) is
    restarted a third of the way through a burst: the service recovers by itself (pool
    pre-ping, retried transactions), nothing acknowledged is lost, no 5xx afterwards."""
    report = run_bench(data_dir, "--pg-restart", "--no-redis", "--requests", "300", "--concurrency", "4")
    (restart,) = report["results"]
    assert restart["mode"] == "pg-restart"
    assert restart["acknowledged"] == 300, restart["statuses"]  # what the others got, if any
    assert restart["server_errors_after_back"] == 0
    assert not [status for status in restart["statuses"] if status.startswith("5")]
    assert restart["lost"] == 0
