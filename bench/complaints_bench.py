#!/usr/bin/env python3
"""Load benchmark and SIGKILL durability check for the complaints service.

Starts gunicorn (4 sync workers by default) on SQLite and/or PostgreSQL with rate limits
off, posts submissions from concurrent clients, and reports submissions/s, latency
percentiles and lost submissions (a 201 whose tracking number is not in the database).
With ``--kill`` it SIGKILLs the whole server halfway through a run, restarts it, and checks
every acknowledged submission again.

    .venv/bin/python bench/complaints_bench.py                      # both backends
    .venv/bin/python bench/complaints_bench.py --backend sqlite --requests 300 --kill --json

Budgets (issue 6): ≥ 200 submissions/s, p99 ≤ 200 ms, zero lost, on SQLite and PostgreSQL.
``run(...)`` returns the same figures as a dict for ``bench/run.py``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG_BASE = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
BUDGET = {"rate": 200.0, "p99_ms": 200.0}
BODY = {"kind": "complaint", "category": "amount", "subject": "补贴金额有误",
        "body": "压测提交：我家承包12亩，只发了700元，请核实。", "name": "压测", "phone": "13800138000"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_county(tmp: Path, data: Path | None = None) -> Path:
    """``data``, else the repository's data/ when present, else a small fixture county."""
    if data is not None:
        return data
    data = ROOT / "data"
    if (data / "county.yml").exists():
        return data
    sys.path.insert(0, str(ROOT))
    from tests.complaints.county_fixture import write_county
    return write_county(tmp / "data")


def first_program(data: Path) -> str | None:
    programs = sorted((data / "programs").glob("*.yml"))
    return programs[0].stem if programs else None


class Server:
    """gunicorn in its own process group, so SIGKILL takes master and workers at once."""

    def __init__(self, env: dict[str, str], workers: int, log: Path):
        self.port = free_port()
        self.env, self.workers, self.log = env, workers, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
        cmd = [gunicorn, "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}", "--backlog", "2048",
               "--log-level", "warning", "complaints_api:create_app()"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, start_new_session=True,
                                     stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                status, _ = request(self.port, "GET", "/healthz")
                if status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start; see {self.log}")

    def kill(self) -> None:
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def request(port: int, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Load:
    """Closed-loop load: ``concurrency`` clients share ``total`` submissions."""

    def __init__(self, port: int, total: int, concurrency: int, program: str | None):
        self.port, self.total, self.concurrency = port, total, concurrency
        body = dict(BODY, program=program) if program else dict(BODY, category="other")
        self.payload = json.dumps(body, ensure_ascii=False).encode()
        self.lock = threading.Lock()
        self.next = 0
        self.latencies: list[float] = []
        self.acknowledged: list[str] = []
        self.statuses: dict[str, int] = {}

    def _take(self) -> bool:
        with self.lock:
            if self.next >= self.total:
                return False
            self.next += 1
            return True

    def _client(self) -> None:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        while self._take():
            started = time.perf_counter()
            try:
                status, raw = request(self.port, "POST", "/api/v1/submissions", self.payload,
                                      dict(headers, **{"Idempotency-Key": secrets.token_hex(16)}))
            except OSError as exc:
                self._count(type(exc).__name__)
                continue
            elapsed = time.perf_counter() - started
            with self.lock:
                self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1
                if status == 201:
                    self.latencies.append(elapsed)
                    self.acknowledged.append(json.loads(raw)["tracking_no"])

    def _count(self, key: str) -> None:
        with self.lock:
            self.statuses[key] = self.statuses.get(key, 0) + 1

    def run(self) -> float:
        threads = [threading.Thread(target=self._client) for _ in range(self.concurrency)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - started


def stored_numbers(database_url: str) -> set[str]:
    from sqlalchemy import create_engine, text

    from complaints_api.db import normalise_url
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            return {row[0] for row in conn.execute(text("SELECT tracking_no FROM submissions"))}
    finally:
        engine.dispose()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def database_for(backend: str, tmp: Path) -> tuple[str, Any]:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'bench.sqlite3'}", None
    import psycopg
    schema = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")

    def drop() -> None:
        with psycopg.connect(PG_BASE, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return f"{PG_BASE}?options=-csearch_path%3D{schema}", drop


def run(backend: str = "sqlite", requests: int = 2000, concurrency: int = 8, workers: int = 4,
        kill: bool = False, data_dir: Path | None = None) -> dict[str, Any]:
    """One benchmark run; returns the figures (and ``kill`` figures when asked)."""
    with tempfile.TemporaryDirectory(prefix="ykt-bench-") as tmp_name:
        tmp = Path(tmp_name)
        data = bench_county(tmp, data_dir)
        url, cleanup = database_for(backend, tmp)
        env = dict(os.environ, DATABASE_URL=url, YIKATONG_DATA=str(data), RATELIMIT_ENABLED="false",
                   SECRET_KEY="bench", SESSION_COOKIE_SECURE="false", PYTHONPATH=str(ROOT))
        server = Server(env, workers, tmp / "gunicorn.log")
        try:
            server.start()
            request(server.port, "GET", "/healthz")
            load = Load(server.port, requests, concurrency, first_program(data))
            if kill:
                return _kill_run(server, load, url, backend)
            elapsed = load.run()
            stored = stored_numbers(url)
            lat = [x * 1000 for x in load.latencies]
            result = {"backend": backend, "workers": workers, "concurrency": concurrency,
                      "requests": requests, "acknowledged": len(load.acknowledged),
                      "statuses": load.statuses, "seconds": round(elapsed, 3),
                      "rate": round(len(load.acknowledged) / elapsed, 1),
                      "p50_ms": round(percentile(lat, 0.50), 1), "p95_ms": round(percentile(lat, 0.95), 1),
                      "p99_ms": round(percentile(lat, 0.99), 1),
                      "mean_ms": round(statistics.fmean(lat), 1) if lat else 0.0,
                      "lost": len(set(load.acknowledged) - stored)}
            result["ok"] = (result["rate"] >= BUDGET["rate"] and result["p99_ms"] <= BUDGET["p99_ms"]
                            and result["lost"] == 0 and result["acknowledged"] == requests)
            return result
        finally:
            server.stop()
            if cleanup:
                cleanup()


def _kill_run(server: Server, load: Load, url: str, backend: str) -> dict[str, Any]:
    runner = threading.Thread(target=load.run)
    runner.start()
    while len(load.acknowledged) < load.total // 2 and runner.is_alive():
        time.sleep(0.005)
    server.kill()  # SIGKILL master and workers mid-load
    killed_at = len(load.acknowledged)
    runner.join()
    acknowledged = set(load.acknowledged)
    server.start()  # restart on the same database
    status, _ = request(server.port, "GET", "/api/v1/stats")
    stored = stored_numbers(url)
    return {"backend": backend, "mode": "sigkill", "requests": load.total,
            "acknowledged": len(acknowledged), "acknowledged_before_kill": killed_at,
            "statuses": load.statuses, "restarted": status == 200,
            "lost": len(acknowledged - stored), "ok": status == 200 and not (acknowledged - stored)}


def describe(result: dict[str, Any]) -> str:
    if result.get("mode") == "sigkill":
        return (f"{result['backend']}: SIGKILL after {result['acknowledged_before_kill']} acknowledged; "
                f"{result['acknowledged']} acknowledged in all, {result['lost']} lost after restart "
                f"({'OK' if result['ok'] else 'FAIL'})")
    return (f"{result['backend']}: {result['acknowledged']}/{result['requests']} submissions in "
            f"{result['seconds']} s = {result['rate']}/s; p50 {result['p50_ms']} ms, "
            f"p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms; lost {result['lost']} "
            f"({'OK' if result['ok'] else 'FAIL'}: budget ≥ {BUDGET['rate']:.0f}/s, p99 ≤ {BUDGET['p99_ms']:.0f} ms, 0 lost)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--kill", action="store_true", help="only the SIGKILL durability run")
    parser.add_argument("--no-kill", action="store_true", help="skip the SIGKILL durability run")
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    parser.add_argument("--data", type=Path, default=None, help="county data directory (default: ./data)")
    args = parser.parse_args(argv)
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    results = []
    for backend in backends:
        if not args.kill:
            results.append(run(backend, args.requests, args.concurrency, args.workers, data_dir=args.data))
            print(describe(results[-1]), flush=True)
        if not args.no_kill:
            kill_requests = args.requests if args.kill else max(args.requests // 3, 100)
            results.append(run(backend, kill_requests, args.concurrency, args.workers,
                               kill=True, data_dir=args.data))
            print(describe(results[-1]), flush=True)
    ok = all(r["ok"] for r in results)
    if args.json:
        print(json.dumps({"ok": ok, "results": results}, ensure_ascii=False, sort_keys=True))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
