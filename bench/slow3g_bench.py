"""Slow 3G, a shared search link: the first result now against the site before issue 12.

Issue 12's budget: "the search page's first result on slow 3G is no slower than today", where
today is the code before the issue (commit ``BASELINE``). Both sites are built from one sample
county (``yikatong sample``): the current code as installed, the baseline from a ``git archive``
of that commit under bench/out/slow3g/ run by the same interpreter (``PYTHONPATH`` first, so its
``generator`` package is the one imported). Both are served as production serves them
(gzip-compressed, bench.search_bench.GzipHandler, no caching).

Each run is a fresh headless Chromium context at 360 × 740 with the cache disabled, CPU throttled
4× and the network emulated with CDP ``Network.emulateNetworkConditions``; the time is from the
navigation of ``search/?q=…`` to the paint of the first result card (Element Timing on the first
``.result-name``, bench.search_bench._one_run). Old and new runs alternate, so a busy machine
slows both alike. Networks:

- Lighthouse 12's 3G (``mobileRegular3G``: 300 ms RTT × 3.75 = 1125 ms request latency,
  700 kbit/s × 0.9 = 630 kbit/s down and up, CPU 4×, as DevTools throttling applies it);
- the slow 3G of bench/search_bench.py (400 ms, 400 kbit/s), the figure issue 3 reported.

    .venv/bin/python bench/run.py --only slow3g                      # 20,000 records, 5 runs each
    .venv/bin/python bench/slow3g_bench.py --records 100000 --runs 7

It prints, per network and query, the median and every run (ms) for old and new, the
difference, the KB each page load transferred, and the renderer's main-thread time until the
first result was painted (CDP Performance.getMetrics; with CPU 4× these are throttled ms, and
on a busy machine they grow for both sites alike).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.search_bench import CHROMIUM, CHROMIUM_ARGS, GzipHandler, _one_run  # noqa: E402

BASELINE = "aef6e55"  # the code before issue 12
WORK = ROOT / "bench" / "out" / "slow3g"
AS_OF = "2026-11-20"
# name, request latency (ms), down / up (kbit/s)
NETWORKS = [("Lighthouse 3G (1125 ms, 630 kbit/s)", 1125, 630, 630),
            ("slow-3G (400 ms, 400 kbit/s)", 400, 400, 400)]


def baseline_source(commit: str = BASELINE) -> Path:
    """The code at ``commit``, unpacked once (git archive) under bench/out/slow3g/."""
    target = WORK / f"src-{commit}"
    if not (target / "generator" / "__init__.py").exists():
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        archive = WORK / f"src-{commit}.tar"
        subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", "-o", str(archive), commit], check=True)
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="tar")
        archive.unlink()
    return target


def build(source: Path | None, data: Path, site: Path) -> float:
    """`yikatong build` with the code in ``source`` (None: the current code); CPU seconds."""
    env = dict(os.environ)
    cwd = ROOT
    if source is not None:
        env["PYTHONPATH"] = str(source)
        cwd = source
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", "import sys; from generator.cli import main; sys.exit(main())",
                    "-q", "build", "--data", str(data), "--out", str(site), "--as-of", AS_OF],
                   check=True, env=env, cwd=cwd, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1)


def full_name(site: Path) -> str:
    """A full (unmasked) name from a record page: a villager looking herself up."""
    from bs4 import BeautifulSoup

    for page in sorted(site.glob("t/*/*/*/index.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for cell in soup.select("table.yk-records td.yk-name"):
            name = cell.get_text().strip()
            if "*" not in name and len(name) >= 2:
                return name
    raise SystemExit("no full name in the sample")


class _Server:
    def __init__(self, site: Path) -> None:
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                     functools.partial(GzipHandler, directory=str(site)))
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def page_gzip_kb(site: Path) -> float:
    return round(len(gzip.compress((site / "search" / "index.html").read_bytes(), 6, mtime=0)) / 1024, 1)


def compare(old: Path, new: Path, queries: list[str], runs: int) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    servers = {"old": _Server(old), "new": _Server(new)}
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for label, latency, down, up in NETWORKS:
                for query in queries:
                    got: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
                    busy: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
                    for n in range(runs):
                        for which in (("old", "new") if n % 2 == 0 else ("new", "old")):
                            url = f"{servers[which].base}search/?q={quote(query)}"
                            busy[which].append({})
                            got[which].append(_one_run(browser, url, latency, down, up, busy[which][-1]))
                    med = {k: statistics.median(ms for ms, _ in v) for k, v in got.items()}
                    rows.append({"network": label, "query": query,
                                 "old ms (median)": round(med["old"]), "new ms (median)": round(med["new"]),
                                 "new − old ms": round(med["new"] - med["old"]),
                                 "old runs": [round(ms) for ms, _ in got["old"]],
                                 "new runs": [round(ms) for ms, _ in got["new"]],
                                 "old KB": round(statistics.median(kb for _, kb in got["old"]), 1),
                                 "new KB": round(statistics.median(kb for _, kb in got["new"]), 1),
                                 # the renderer's main thread until that paint (CPU 4×): all tasks,
                                 # and style + layout
                                 "main thread ms old/new": f"{_busy(busy['old'], 'TaskDuration')} / {_busy(busy['new'], 'TaskDuration')}",
                                 "style+layout ms old/new":
                                     f"{_busy(busy['old'], 'RecalcStyleDuration', 'LayoutDuration')} / "
                                     f"{_busy(busy['new'], 'RecalcStyleDuration', 'LayoutDuration')}"})
                    print(f"[slow3g] {label}, {query}: old {rows[-1]['old ms (median)']} ms, "
                          f"new {rows[-1]['new ms (median)']} ms", file=sys.stderr, flush=True)
            browser.close()
    finally:
        for server in servers.values():
            server.close()
    return rows


def _busy(runs: list[dict[str, float]], *kinds: str) -> int:
    """Median over runs of the main-thread ms of these kinds."""
    return round(statistics.median(sum(b[k] for k in kinds) for b in runs) * 1000)


def run(records: int, runs: int, rebuild: bool = False) -> dict[str, Any]:
    WORK.mkdir(parents=True, exist_ok=True)
    data, old, new = WORK / f"data-{records}", WORK / f"site-old-{records}", WORK / f"site-new-{records}"
    if rebuild or not (data / "county.yml").exists():
        shutil.rmtree(data, ignore_errors=True)
        subprocess.run([sys.executable, "-c", "import sys; from generator.cli import main; sys.exit(main())",
                        "-q", "sample", "--out", str(data), "--records", str(records), "--as-of", AS_OF],
                       check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    cpu = {}
    # the current site is always rebuilt (it is what changes); the baseline once
    if rebuild or not (old / "search" / "index.html").exists():
        cpu["old build CPU s"] = build(baseline_source(), data, old)
    cpu["new build CPU s"] = build(None, data, new)
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"{CHROMIUM} is needed (make chromium)")
    queries = ["王", full_name(new)]
    return {"records": records, "baseline": BASELINE, **cpu,
            "old page gz KB": page_gzip_kb(old), "new page gz KB": page_gzip_kb(new),
            "rows": compare(old, new, queries, runs)}


def table(result: dict[str, Any]) -> str:
    head = {k: v for k, v in result.items() if k != "rows"}
    lines = [", ".join(f"{k}: {v}" for k, v in head.items()), "",
             "First result card painted after navigating to search/?q=… (headless Chromium, 360 × 740, "
             "CPU 4×, cache off; old and new runs alternate)", ""]
    rows = result["rows"]
    if rows:
        keys = list(rows[0])
        lines += [" | ".join(keys), " | ".join("---" for _ in keys)]
        lines += [" | ".join(str(r[k]) for k in keys) for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000, help="sample county size")
    parser.add_argument("--runs", type=int, default=5, help="runs per site, network and query")
    parser.add_argument("--rebuild", action="store_true", help="new sample and both sites")
    args = parser.parse_args(argv)
    print(table(run(args.records, args.runs, args.rebuild)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
