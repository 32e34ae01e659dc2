#!/usr/bin/env python3
"""Benchmark of the client-side search (issue 3).

For each county size (100,000 and 1,000,000 records by default) it writes a synthetic county
with ``yikatong sample``, masks it, builds the search index and reports build time, shard
count and sizes, and the gzipped bytes one query downloads (manifest + shards, computed by
the client's own planner under node with the real lunr.js) over realistic queries: common
surnames, full names, pinyin, initials, ID suffixes, masked names, name parts.

At 100,000 records it also times the real search page in headless Chromium with 4× CPU
throttling and a slow network (CDP ``Network.emulateNetworkConditions``): from navigation
start to the first ``.result`` for a name query, served gzip-compressed like a production
web server would. The page shell comes from ``build_site`` on a small county, with the big
county's index put in its place.

    .venv/bin/python bench/search_bench.py                   # 100k and 1M
    .venv/bin/python bench/search_bench.py --sizes 100000 --json

Budgets: index build ≤ 20 s at 100k; ≤ 100 KB gzipped per query at 100k, ≤ 150 KB at 1M;
first result ≤ 1.5 s under throttling at 100k. ``run(...)`` returns the figures as a dict.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gzip
import http.server
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

AS_OF = dt.date(2026, 11, 20)
BUDGET_KB = {100_000: 100, 1_000_000: 150}
BUILD_BUDGET_S = 20.0
FIRST_RESULT_BUDGET_MS = 1500
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# name, RTT (ms), down / up (kbit/s)
NETWORKS = [("slow-3G (400 ms, 400 kbit/s)", 400, 400, 400),
            ("slow-4G (150 ms, 1.6 Mbit/s)", 150, 1600, 750)]
GZIP_TYPES = {".html", ".js", ".css", ".json", ".svg"}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --- county and index ---------------------------------------------------------------------

def make_public(records: int, work: Path, seed: int = 230521) -> tuple[Any, Any, Path]:
    """Sample county → masked frame of published rows (as ``build`` passes it)."""
    from generator.dev.sample import write_sample
    from generator.ingest.validate import validate_data
    from generator.privacy.mask import mask_records
    from generator.publish.retention import drop_small_groups, small_groups

    data = work / f"data-{records}"
    if not (data / "county.yml").exists():
        write_sample(data, records=records, seed=seed, as_of=AS_OF)
    result = validate_data(data, as_of=AS_OF)
    assert result.county is not None, result.problems[:3]
    public = mask_records(result.records, result.county)
    public = drop_small_groups(public, small_groups(public, result.county))
    return public, result.county, data


def realistic_queries(public: Any, count: int = 8) -> list[dict[str, str]]:
    """What villagers type: surnames, names, pinyin, initials, ID suffixes, parts."""
    from generator.search.pinyin_keys import name_keys

    full = public.loc[~public["sensitive"].astype(bool), "name_shown"].drop_duplicates()
    names = full.sample(n=min(count, len(full)), random_state=7).tolist()
    masked = public.loc[public["name_shown"].str.contains("*", regex=False), "name_shown"]
    masked = masked[masked.str.len() >= 3].drop_duplicates()
    suffixes = public["id_shown"].str[-4:].drop_duplicates().sample(n=count, random_state=7).tolist()
    queries = ["王", "李", "张", "刘", "wang", "zhang", "li", "明", "秀", "wl", "zs"]
    for name in names:
        keys = name_keys(name)
        pinyin = [k for k in keys.key if k.isascii()]
        queries += [name, name[-2:]] + pinyin[:1] + list(keys.initials[:1])
    queries += masked.sample(n=min(3, len(masked)), random_state=7).tolist()
    queries += suffixes + [f"{names[0]} {suffixes[0]}"]
    return [{"q": q} for q in dict.fromkeys(queries)]


def node_queries(site: Path, queries: list[dict[str, str]], work: Path) -> dict[str, Any]:
    spec = work / "queries.json"
    spec.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(["node", str(ROOT / "tests" / "js" / "check_shards.js"), str(site), str(spec)],
                          capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def bench_index(records: int, work: Path) -> dict[str, Any]:
    from generator.search.index import build_search_index

    log(f"[search] {records:,} 条：生成样例、校验、脱敏 …")
    public, county, data = make_public(records, work)
    site = work / f"site-{records}"
    shutil.rmtree(site, ignore_errors=True)
    log(f"[search] {records:,} 条：建索引 …")
    started = time.perf_counter()
    summary = build_search_index(public, county, site)
    seconds = time.perf_counter() - started
    log(f"[search] {summary.line()}")
    checked = node_queries(site, realistic_queries(public), work)
    per_query = sorted(q["gzipBytes"] for q in checked["queries"])
    sizes = sorted(summary.shard_gzip_sizes.values())
    return {
        "records": len(public), "persons": summary.persons, "build_s": round(seconds, 2),
        "shards": summary.shards, "terms": summary.terms, "postings": summary.postings,
        "shards_raw_mb": round(summary.shard_bytes / 1e6, 1),
        "shards_gzip_mb": round(summary.shard_gzip_bytes / 1e6, 1),
        "shard_gzip_kb_p50": round(_pct(sizes, 50) / 1024, 1),
        "shard_gzip_kb_max": round(sizes[-1] / 1024, 1),
        "manifest_gzip_kb": round(summary.manifest_gzip_bytes / 1024, 1),
        "query_kb_p50": round(_pct(per_query, 50) / 1024, 1),
        "query_kb_p95": round(_pct(per_query, 95) / 1024, 1),
        "query_kb_max": round(per_query[-1] / 1024, 1),
        "worst_query": max(checked["queries"], key=lambda q: q["gzipBytes"])["q"],
        "queries": len(per_query),
        "empty_queries": [q["q"] for q in checked["queries"] if not q["records"]],
        "lunr_problems": len(checked["problems"]),
        "budget_kb": BUDGET_KB.get(records),
        "site": str(site), "data": str(data),
        "sample_name": next(q["q"] for q in checked["queries"]
                            if len(q["q"]) == 3 and not q["q"].isascii() and q["records"]),
        # the first result is also timed for a name under the commonest surname (its shards
        # are the busiest) and for full pinyin
        "timed_names": _timed_names(checked["queries"]),
    }


def _timed_names(queries: list[dict[str, Any]]) -> list[str]:
    found = [q["q"] for q in queries if q["records"]]
    han = [q for q in found if len(q) == 3 and not q.isascii()]
    common = next((q for q in found if len(q) == 3 and q[0] in "王李张刘" and q != han[0]), None)
    pinyin = next((q for q in found if q.isascii() and q.isalpha() and len(q) >= 6), None)
    return [q for q in (han[0], common, pinyin) if q]


def _pct(values: list[int], pct: float) -> float:
    if not values:
        return 0.0
    k = (len(values) - 1) * pct / 100
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


# --- browser timing -----------------------------------------------------------------------

class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, gzip-compressed for text types (as nginx ``gzip on`` would), no caching."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix not in GZIP_TYPES or "gzip" not in self.headers.get("Accept-Encoding", "") \
                or not path.is_file():
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        return io.BytesIO(body)


def page_site(index_site: Path, work: Path) -> Path:
    """A real site shell (build_site on a small county) carrying the big county's index."""
    from generator.build import build_site

    shell = work / "shell"
    if not (shell / "search" / "index.html").exists():
        public_dir = work / "data-shell"
        from generator.dev.sample import write_sample

        write_sample(public_dir, records=500, seed=3, as_of=AS_OF)
        build_site(public_dir, shell, as_of=AS_OF)
    site = work / "page-site"
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(shell, site)
    shutil.rmtree(site / "search" / "s", ignore_errors=True)
    for item in (index_site / "search").iterdir():
        target = site / "search" / item.name
        if item.is_dir():
            shutil.copytree(item, target)
        else:
            shutil.copyfile(item, target)
    from generator.search.index import MANIFEST
    from generator.search.page import inline_client

    manifest = json.loads((site / "search" / MANIFEST).read_text(encoding="utf-8"))
    assert inline_client(site / "search" / "index.html", manifest)
    return site


def time_first_result(site: Path, query: str, runs: int = 3) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    handler = functools.partial(GzipHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/search/?q={quote(query)}"
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for label, rtt, down, up in NETWORKS:
                times, transferred = [], []
                for _ in range(runs):
                    ms, kb = _one_run(browser, url, rtt, down, up)
                    times.append(ms)
                    transferred.append(kb)
                rows.append({"network": label, "first_result_ms": round(statistics.median(times)),
                             "runs_ms": [round(t) for t in times],
                             "page_kb": round(statistics.median(transferred), 1)})
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    return rows


def _one_run(browser: Any, url: str, rtt: int, down_kbit: int, up_kbit: int,
             busy: dict[str, float] | None = None) -> tuple[float, float]:
    """First result painted (ms) and KB transferred; ``busy``, if given, receives the renderer's
    main-thread seconds by kind (CDP Performance.getMetrics: TaskDuration, ScriptDuration,
    RecalcStyleDuration, LayoutDuration) once that result is painted."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    if busy is not None:
        cdp.send("Performance.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": rtt,
        "downloadThroughput": down_kbit * 1000 / 8, "uploadThroughput": up_kbit * 1000 / 8})
    received = [0]
    cdp.on("Network.loadingFinished", lambda e: received.__setitem__(0, received[0] + e["encodedDataLength"]))
    # The result counts when it is painted, not when it is in the DOM (a stylesheet still on
    # its way would keep it off the screen): Element Timing reports the paint of the first
    # result's name, marked as soon as it is inserted.
    page.add_init_script("""
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) {
            if (e.identifier === 'first-result' && window.__firstPaint === undefined) {
              window.__firstPaint = e.renderTime || e.loadTime;
            }
          }
        }).observe({type: 'element', buffered: true});
        new MutationObserver((_, obs) => {
          const name = document.querySelector('#results .result .result-name');
          if (name) {
            window.__firstResult = performance.now();
            name.setAttribute('elementtiming', 'first-result');
            obs.disconnect();
          }
        }).observe(document, {childList: true, subtree: true});""")
    page.goto(url, wait_until="commit")
    page.wait_for_function("() => window.__firstPaint !== undefined", timeout=60_000)
    ms = float(page.evaluate("() => window.__firstPaint"))
    if busy is not None:
        kinds = ("TaskDuration", "ScriptDuration", "RecalcStyleDuration", "LayoutDuration")
        busy.update({m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]
                     if m["name"] in kinds})
    context.close()
    return ms, received[0] / 1024


# --- report -------------------------------------------------------------------------------

def run(sizes: list[int], work: Path | None = None, browser: bool = True) -> dict[str, Any]:
    own = work is None
    work = Path(work or tempfile.mkdtemp(prefix="yk-search-bench-"))
    try:
        out: dict[str, Any] = {"index": [], "browser": []}
        for records in sizes:
            out["index"].append(bench_index(records, work))
        first = out["index"][0] if out["index"] else None
        if browser and first and os.path.exists(CHROMIUM):
            site = page_site(Path(first["site"]), work)
            for query in first["timed_names"]:
                log(f"[search] 浏览器计时（{first['records']:,} 条，查询 {query}）…")
                out["browser"] += [dict(r, records=first["records"], query=query)
                                   for r in time_first_result(site, query)]
        return out
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)


def table(result: dict[str, Any]) -> str:
    lines = ["Search index", "",
             "| records | persons | build s | shards | shard gz KB p50/max | all shards gz MB (raw) "
             "| manifest gz KB | per query gz KB p50/p95/max (budget) | worst query |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in result["index"]:
        lines.append(
            f"| {r['records']:,} | {r['persons']:,} | {r['build_s']} | {r['shards']:,} "
            f"| {r['shard_gzip_kb_p50']} / {r['shard_gzip_kb_max']} "
            f"| {r['shards_gzip_mb']} ({r['shards_raw_mb']}) | {r['manifest_gzip_kb']} "
            f"| {r['query_kb_p50']} / {r['query_kb_p95']} / {r['query_kb_max']} "
            f"(≤ {r['budget_kb']}) | {r['worst_query']} |")
    if result["browser"]:
        lines += ["", "First result in headless Chromium, 4× CPU throttling, median of 3",
                  "", "| records | query | network | first .result painted, ms (budget 1500) | runs | page KB |",
                  "| ---: | --- | --- | ---: | --- | ---: |"]
        for b in result["browser"]:
            lines.append(f"| {b['records']:,} | {b['query']} | {b['network']} | {b['first_result_ms']} "
                         f"| {b['runs_ms']} | {b['page_kb']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="county sizes, comma-separated")
    parser.add_argument("--work", type=Path, help="keep samples and sites here (reused)")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    result = run(sizes, args.work, browser=not args.no_browser)
    print(json.dumps(result, ensure_ascii=False, indent=1) if args.json else table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
