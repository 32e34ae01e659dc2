#!/usr/bin/env python3
"""Load benchmark and durability checks for the complaints service.

Starts gunicorn (4 workers, ./gunicorn.conf.py: sync) on SQLite and/or PostgreSQL with
rate limits on and counted in Redis (limits high enough not to refuse the load; ``--no-redis``:
limits off). The throughput run warms every worker up, then loads it with wrk (C, one
thread, ``--concurrency`` connections, ``--seconds``; bench/complaints_wrk.lua sends a
distinct valid submission each time, without Idempotency-Key as the site's form does, so
the duplicate window is checked every time) and reports submissions/s, p50/p95/p99 from
wrk, lost submissions (a 201 whose tracking number is not in the database), and the CPU
per submission of each process doing the work: gunicorn (master and workers), this run's
PostgreSQL backends (by application_name), Redis (INFO; a shared server counts others too);
wrk's own CPU apart, with the load average. Wall-clock figures depend on what else runs;
the CPU figures are what carries over to a quiet machine.
With ``--kill`` it SIGKILLs the whole server halfway through a run, restarts it, and checks
every acknowledged submission again. With ``--pg-restart`` it starts a PostgreSQL of its
own (initdb in a temporary directory, free port; the machine's server is not touched),
restarts it halfway through a burst, and checks that nothing acknowledged is lost and
that no 5xx answer comes after PostgreSQL is back. Both send every other submission with
an Idempotency-Key and the rest without (the duplicate window finds a lost commit).

    .venv/bin/python bench/complaints_bench.py                      # both backends, all runs
    .venv/bin/python bench/complaints_bench.py --backend postgres --throughput-only --seconds 20
    .venv/bin/python bench/complaints_bench.py --backend sqlite --requests 300 --kill --json
    .venv/bin/python bench/complaints_bench.py --pg-restart --requests 600 --json

Budgets (issue 13): 4 workers, limits in Redis: ≥ 400 submissions/s, p99 ≤ 100 ms; zero
lost across a SIGKILL and across a PostgreSQL restart.
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
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
BUDGET = {"rate": 400.0, "p99_ms": 100.0}
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

    def __init__(self, env: dict[str, str], workers: int, log: Path, worker_class: str | None = None):
        self.port = free_port()
        self.env, self.workers, self.log = env, workers, log
        self.worker_class = worker_class
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
        # the settings of ./gunicorn.conf.py (read by gunicorn from the working directory),
        # as the README's command gets them; -k overrides the worker class when asked
        cmd = [gunicorn, "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}", "--backlog", "2048",
               "--log-level", "warning"]
        if self.worker_class:
            cmd += ["-k", self.worker_class]
        cmd.append("complaints_api:create_app()")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, start_new_session=True,
                                     stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        deadline = time.time() + 120  # a busy machine starts 4 workers slowly
        while time.time() < deadline:
            try:
                status, _ = request(self.port, "GET", "/healthz")
                if status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start; see {self.log}")

    def cpu_seconds(self) -> float:
        """User + system CPU of the gunicorn master and its workers so far (Linux /proc)."""
        if self.proc is None:
            return 0.0
        return process_cpu(lambda pid, ppid: self.proc is not None and self.proc.pid in (pid, ppid))

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


def cpu_by_pid(select: Any, fields: tuple[int, ...] = (11, 12)) -> dict[int, float]:
    """CPU seconds (user + system; ``fields=(12,)``: system only) of each live process
    ``select(pid, ppid)`` picks (/proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            stat_fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        if select(pid, int(stat_fields[1])):
            found[pid] = sum(int(stat_fields[i]) for i in fields) / tick
    return found


def process_cpu(select: Any) -> float:
    return sum(cpu_by_pid(select).values())


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def postgres_backends(url: str, application_name: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend serving this run (by application_name)."""
    import psycopg
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        pids = {row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (application_name,))}
    return cpu_by_pid(lambda pid, _ppid: pid in pids)


def redis_cpu() -> float:
    """CPU seconds of the Redis server so far (INFO cpu; the server is shared, so this
    counts any other client's commands too)."""
    import redis as redis_lib
    info = redis_lib.Redis.from_url(REDIS_URL).info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def request(port: int, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class TempPostgres:
    """A PostgreSQL server of our own: initdb in a temporary directory, a free port.

    As root, the server runs as the ``postgres`` user (initdb refuses root)."""

    def __init__(self) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not bins:
            raise RuntimeError("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin")
        self.bin = bins[-1].parent
        self.dir = Path(tempfile.mkdtemp(prefix="ykt-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.dir)

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self._pg_ctl("start")

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=100"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "server.log"),
                  "-w", "-t", "60", *extra, action)

    def restart(self) -> None:
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        try:
            self._pg_ctl("stop", "-m", "fast")
        except (subprocess.CalledProcessError, FileNotFoundError):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class Load:
    """Closed-loop load: ``concurrency`` clients share ``total`` submissions, each with a
    body of its own. ``keys``: "mixed" (every other one sends an Idempotency-Key, the
    others rely on the duplicate window, as the site's form does), "all" or "none"."""

    def __init__(self, port: int, total: int, concurrency: int, program: str | None, keys: str = "mixed"):
        self.port, self.total, self.concurrency, self.keys = port, total, concurrency, keys
        self.body = dict(BODY, program=program) if program else dict(BODY, category="other")
        self.nonce = secrets.token_hex(4)
        self.lock = threading.Lock()
        self.next = 0
        self.latencies: list[float] = []
        self.acknowledged: list[str] = []
        self.statuses: dict[str, int] = {}
        self.server_errors: list[float] = []  # when each 5xx answer arrived (perf_counter)

    def _take(self) -> int | None:
        with self.lock:
            if self.next >= self.total:
                return None
            self.next += 1
            return self.next

    def _client(self) -> None:
        while (i := self._take()) is not None:
            headers = {"Content-Type": "application/json", "Accept": "application/json"}
            if self.keys == "all" or (self.keys == "mixed" and i % 2 == 0):
                headers["Idempotency-Key"] = secrets.token_hex(16)
            body = dict(self.body, body=f"{self.body['body']}（{self.nonce}-{i}）")
            payload = json.dumps(body, ensure_ascii=False).encode()
            started = time.perf_counter()
            try:
                status, raw = request(self.port, "POST", "/api/v1/submissions", payload, headers)
            except (OSError, http.client.HTTPException) as exc:  # a SIGKILL can cut an answer short
                self._count(type(exc).__name__)
                continue
            elapsed = time.perf_counter() - started
            with self.lock:
                self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1
                if status >= 500:
                    self.server_errors.append(time.perf_counter())
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
    # application_name: the bench finds this run's backends (and their CPU) by it
    return f"{PG_BASE}?options=-csearch_path%3D{schema}&application_name={schema}", drop


def limit_env(redis: bool) -> tuple[dict[str, str], Any]:
    """Limits on and counted in Redis (high enough for the load), or limits off."""
    if not redis:
        return {"RATELIMIT_ENABLED": "false"}, None
    prefix = f"ykt-bench-{secrets.token_hex(4)}"

    def drop() -> None:
        import redis as redis_lib
        client = redis_lib.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"*{prefix}*"))
        if keys:
            client.delete(*keys)
    return {"RATELIMIT_ENABLED": "true", "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix,
            "RATELIMIT_SUBMIT": "1000000 per minute", "RATELIMIT_LOOKUP": "1000000 per minute"}, drop


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk not found: the throughput run needs it (Debian: apt-get install -y wrk); "
                           "use --loader python for a Python load generator (it takes CPU from the server)")
    return found


def wrk_load(port: int, seconds: float, connections: int, program: str | None, tmp: Path,
             idempotency: bool = False) -> dict[str, Any]:
    """Closed-loop load from wrk (C, one thread): ``connections`` clients for ``seconds``,
    each request a distinct valid submission (bench/complaints_wrk.lua). Returns wrk's
    figures, the tracking numbers answered 201, the statuses, and wrk's own CPU seconds."""
    out = tmp / "wrk.out"
    env = dict(os.environ, WRK_OUT=str(out), WRK_PROGRAM=program or "",
               WRK_IDEMPOTENCY="1" if idempotency else "0")
    cmd = [wrk_binary(), "-t", "1", "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "10s",
           "-s", str(ROOT / "bench" / "complaints_wrk.lua"), f"http://127.0.0.1:{port}"]
    before = os.times()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, cwd=tmp)
    after = os.times()
    summary = json.loads((tmp / "wrk.out.summary").read_text())
    numbers: list[str] = []
    statuses: dict[str, int] = {}
    for line in out.read_text().splitlines() if out.exists() else []:
        if line.startswith("status "):
            _, code, count = line.split()
            statuses[code] = statuses.get(code, 0) + int(count)
        elif line:
            numbers.append(line)
    summary.update(numbers=numbers, statuses=statuses,
                   cpu=(after.children_user - before.children_user) + (after.children_system - before.children_system))
    return summary


def run(backend: str = "sqlite", requests: int = 2000, concurrency: int = 8, workers: int = 4,
        kill: bool = False, data_dir: Path | None = None, redis: bool = True,
        pg_restart: bool = False, seconds: float = 15.0, loader: str = "wrk",
        worker_class: str | None = None, idempotency: bool = False) -> dict[str, Any]:
    """One benchmark run; returns the figures (and ``kill`` or ``pg_restart`` figures when asked).

    The throughput run (neither ``kill`` nor ``pg_restart``) loads the service with wrk for
    ``seconds`` (``loader="python"``: ``requests`` from Python threads instead) after a
    warm-up, and counts the CPU of every process doing the work: gunicorn (master and
    workers), this run's PostgreSQL backends, and Redis (shared: any other client's
    commands count too); wrk's own CPU is reported apart."""
    with tempfile.TemporaryDirectory(prefix="ykt-bench-") as tmp_name:
        tmp = Path(tmp_name)
        data = bench_county(tmp, data_dir)
        own_pg = None
        if pg_restart:
            own_pg = TempPostgres()
            own_pg.start()
            url, cleanup = own_pg.url, own_pg.stop
            backend = "postgres (own server)"
        else:
            url, cleanup = database_for(backend, tmp)
        limits, drop_keys = limit_env(redis)
        env = dict(os.environ, DATABASE_URL=url, YIKATONG_DATA=str(data), SECRET_KEY="bench",
                   SESSION_COOKIE_SECURE="false", PYTHONPATH=str(ROOT), **limits)
        server = Server(env, workers, tmp / "gunicorn.log", worker_class)
        try:
            server.start()
            request(server.port, "GET", "/healthz")
            if kill:
                return _kill_run(server, Load(server.port, requests, concurrency, first_program(data)), url, backend)
            if own_pg is not None:
                result = _pg_restart_run(own_pg, Load(server.port, requests, concurrency, first_program(data)), url)
                log = (tmp / "gunicorn.log").read_text(errors="replace")
                result["retries_logged"] = log.count("database unreachable")
                result["unavailable_logged"] = log.count("database unavailable")
                return result
            return _throughput_run(server, url, backend, data, tmp, requests, concurrency, seconds,
                                   loader, redis, idempotency)
        finally:
            server.stop()
            if cleanup:
                cleanup()
            if drop_keys:
                drop_keys()


def _throughput_run(server: Server, url: str, backend: str, data: Path, tmp: Path, requests: int,
                    concurrency: int, seconds: float, loader: str, redis: bool,
                    idempotency: bool) -> dict[str, Any]:
    program = first_program(data)
    Load(server.port, 40 * server.workers, concurrency, program).run()  # warm-up: every worker, both paths
    app_name = url.rsplit("application_name=", 1)[1] if "application_name=" in url else None

    def ours(pid: int, ppid: int) -> bool:
        return server.proc is not None and server.proc.pid in (pid, ppid)

    def snapshot() -> tuple[dict[int, float], dict[int, float], float]:
        pg = postgres_backends(url, app_name) if app_name else {}
        return cpu_by_pid(ours), pg, redis_cpu() if redis else 0.0

    g0, p0, r0 = snapshot()
    kernel0 = cpu_by_pid(ours, (12,))
    if loader == "wrk":
        figures = wrk_load(server.port, seconds, concurrency, program, tmp, idempotency)
        acknowledged, elapsed = figures["numbers"], figures["duration_us"] / 1e6
        statuses, load_cpu = figures["statuses"], figures["cpu"]
        p50, p95, p99 = (figures[k] / 1000 for k in ("p50_us", "p95_us", "p99_us"))
        mean = figures["mean_us"] / 1000
        sent = figures["requests"]
        transport_errors = sum(figures[k] for k in ("errors_connect", "errors_read", "errors_write", "errors_timeout"))
    else:
        load = Load(server.port, requests, concurrency, program, "all" if idempotency else "none")
        before = os.times()
        elapsed = load.run()
        after = os.times()
        acknowledged, statuses, sent = load.acknowledged, load.statuses, requests
        load_cpu = (after.user - before.user) + (after.system - before.system)
        lat = [x * 1000 for x in load.latencies]
        p50, p95, p99 = (percentile(lat, q) for q in (0.50, 0.95, 0.99))
        mean = statistics.fmean(lat) if lat else 0.0
        transport_errors = sum(v for k, v in statuses.items() if not k.isdigit())
    g1, p1, r1 = snapshot()
    kernel1 = cpu_by_pid(ours, (12,))
    load_avg = os.getloadavg()[0]
    stored = stored_numbers(url)
    n = max(len(acknowledged), 1)
    gunicorn_ms, pg_ms, redis_ms = cpu_delta(g0, g1) * 1000 / n, cpu_delta(p0, p1) * 1000 / n, (r1 - r0) * 1000 / n
    result = {"backend": backend, "workers": server.workers, "worker_class": server.worker_class or "gunicorn.conf.py",
              "loader": loader, "concurrency": concurrency, "limits": "redis" if redis else "off",
              "requests": sent, "acknowledged": len(acknowledged), "statuses": statuses,
              "transport_errors": transport_errors, "seconds": round(elapsed, 3),
              "rate": round(len(acknowledged) / elapsed, 1) if elapsed else 0.0,
              "p50_ms": round(p50, 1), "p95_ms": round(p95, 1), "p99_ms": round(p99, 1), "mean_ms": round(mean, 1),
              "lost": len(set(acknowledged) - stored),
              # machine-independent: CPU per submission of each process doing the work
              "server_cpu_ms": round(gunicorn_ms, 2), "postgres_cpu_ms": round(pg_ms, 2),
              "server_kernel_cpu_ms": round(cpu_delta(kernel0, kernel1) * 1000 / n, 2),
              "redis_cpu_ms": round(redis_ms, 2), "system_cpu_ms": round(gunicorn_ms + pg_ms + redis_ms, 2),
              "load_generator_cpu_ms": round(load_cpu * 1000 / n, 2), "load_avg": round(load_avg, 1)}
    refused = sum(v for k, v in statuses.items() if k.isdigit() and k != "201")
    result["ok"] = (result["rate"] >= BUDGET["rate"] and result["p99_ms"] <= BUDGET["p99_ms"]
                    and result["lost"] == 0 and refused == 0 and transport_errors == 0)
    return result


def _pg_restart_run(pg: TempPostgres, load: Load, url: str) -> dict[str, Any]:
    runner = threading.Thread(target=load.run)
    runner.start()
    while len(load.acknowledged) < load.total // 3 and runner.is_alive():
        time.sleep(0.005)
    restarted_at = time.perf_counter()
    pg.restart()  # fast shutdown: open connections are cut, the server comes back
    back_at = time.perf_counter()
    runner.join()
    acknowledged = set(load.acknowledged)
    stored = stored_numbers(url)
    after_back = [t for t in load.server_errors if t > back_at]
    return {"backend": "postgres (own server)", "mode": "pg-restart", "requests": load.total,
            "acknowledged": len(acknowledged), "statuses": load.statuses,
            "restart_seconds": round(back_at - restarted_at, 2),
            "server_errors_after_back": len(after_back),
            "lost": len(acknowledged - stored),
            "ok": not (acknowledged - stored) and not after_back and len(acknowledged) == load.total}


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
    if result.get("mode") == "pg-restart":
        return (f"{result['backend']}: PostgreSQL restarted ({result['restart_seconds']} s) mid-burst; "
                f"{result['acknowledged']}/{result['requests']} acknowledged, statuses {result['statuses']}, "
                f"{result['server_errors_after_back']} 5xx after it was back, {result['lost']} lost "
                f"({'OK' if result['ok'] else 'FAIL'})")
    if result.get("mode") == "sigkill":
        return (f"{result['backend']}: SIGKILL after {result['acknowledged_before_kill']} acknowledged; "
                f"{result['acknowledged']} acknowledged in all, {result['lost']} lost after restart "
                f"({'OK' if result['ok'] else 'FAIL'})")
    return (f"{result['backend']} ({result['workers']} × {result['worker_class']}, limits {result['limits']}, "
            f"{result['loader']} × {result['concurrency']}): {result['acknowledged']}/{result['requests']} answered 201 "
            f"in {result['seconds']} s = {result['rate']}/s; statuses {result['statuses']}, "
            f"{result['transport_errors']} transport errors; p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
            f"p99 {result['p99_ms']} ms; lost {result['lost']}\n"
            f"  CPU per submission: gunicorn {result['server_cpu_ms']} ms (kernel {result['server_kernel_cpu_ms']}) "
            f"+ PostgreSQL {result['postgres_cpu_ms']} ms "
            f"+ Redis {result['redis_cpu_ms']} ms = {result['system_cpu_ms']} ms (load generator "
            f"{result['load_generator_cpu_ms']} ms apart); load average {result['load_avg']} "
            f"→ {2000 / max(result['system_cpu_ms'], 0.01):.0f}/s on 2 idle cores at this cost\n"
            f"  {'OK' if result['ok'] else 'FAIL'}: budget ≥ {BUDGET['rate']:.0f}/s, p99 ≤ {BUDGET['p99_ms']:.0f} ms, "
            f"0 lost, no refusals")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--kill", action="store_true", help="only the SIGKILL durability run")
    parser.add_argument("--no-kill", action="store_true", help="skip the SIGKILL durability run")
    parser.add_argument("--pg-restart", action="store_true",
                        help="only the PostgreSQL restart run (on a server of its own)")
    parser.add_argument("--no-pg-restart", action="store_true", help="skip the PostgreSQL restart run")
    parser.add_argument("--no-redis", action="store_true", help="limits off instead of counted in Redis")
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    parser.add_argument("--data", type=Path, default=None, help="county data directory (default: ./data)")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of the wrk throughput run")
    parser.add_argument("--loader", choices=("wrk", "python"), default="wrk",
                        help="load generator of the throughput run (python: --requests from threads, "
                             "taking CPU from the server it measures)")
    parser.add_argument("--worker-class", default=None, help="gunicorn -k (default: gunicorn.conf.py's)")
    parser.add_argument("--idempotency-key", action="store_true",
                        help="send an Idempotency-Key with each submission (default: none, as the site's form)")
    parser.add_argument("--throughput-only", action="store_true", help="skip the SIGKILL and PostgreSQL restart runs")
    args = parser.parse_args(argv)
    if args.throughput_only:
        args.no_kill = args.no_pg_restart = True
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    redis = not args.no_redis
    results = []
    if args.pg_restart:
        backends = ()
    for backend in backends:
        if not args.kill:
            results.append(run(backend, args.requests, args.concurrency, args.workers, data_dir=args.data,
                               redis=redis, seconds=args.seconds, loader=args.loader,
                               worker_class=args.worker_class, idempotency=args.idempotency_key))
            print(describe(results[-1]), flush=True)
        if not args.no_kill:
            kill_requests = args.requests if args.kill else max(args.requests // 3, 100)
            results.append(run(backend, kill_requests, args.concurrency, args.workers,
                               kill=True, data_dir=args.data, redis=redis))
            print(describe(results[-1]), flush=True)
    if args.pg_restart or (not args.kill and not args.no_pg_restart and args.backend != "sqlite"):
        pg_requests = args.requests if args.pg_restart else max(args.requests // 3, 300)
        results.append(run("postgres", pg_requests, args.concurrency, args.workers, data_dir=args.data,
                           redis=redis, pg_restart=True))
        print(describe(results[-1]), flush=True)
    ok = all(r["ok"] for r in results)
    if args.json:
        print(json.dumps({"ok": ok, "results": results}, ensure_ascii=False, sort_keys=True))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
