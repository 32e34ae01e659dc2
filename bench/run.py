"""``make bench``: speed and size of the whole product, printed as tables.

Figures, not pass/fail: the budgets live in the issues and the numbers go in the notes.
  python bench/run.py                 quick: 100,000 records (build, Lighthouse, search, audit), complaints
  python bench/run.py --full          also 1,000,000 records (build, search, audit)
  python bench/run.py --only build    one part: build | lighthouse | slow3g | search | audit | complaints | province | notify | privacy
  python bench/run.py --only slow3g   the search page's first result on slow 3G, against the code before issue 12
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
WORK = ROOT / "bench" / "out"
AS_OF = "2026-11-20"
LIGHTHOUSE = "lighthouse@12.2.3"
sys.path.insert(0, str(ROOT))


def run(cmd: list[str], **kwargs: object) -> tuple[float, int]:
    """Run a command; wall seconds and the peak RSS (MiB) of the largest child so far."""
    started = time.perf_counter()
    subprocess.run(cmd, check=True, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024


def gz(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 6))


def bench_build(records: int) -> dict[str, object]:
    data, site = WORK / f"data-{records}", WORK / f"site-{records}"
    shutil.rmtree(data, ignore_errors=True)
    t_sample, _ = run([str(BIN / "yikatong"), "-q", "sample", "--out", str(data), "--records", str(records),
                       "--as-of", AS_OF], stdout=subprocess.DEVNULL)
    # As a user runs it: `yikatong build` on the freshly sampled tree, then again with the
    # ledger and the masked snapshots the first build wrote (the everyday rebuild after a push).
    first = _timed_build(data, site)
    again = _timed_build(data, site)
    files = [p for p in site.rglob("*") if p.is_file()]
    record_pages = list(site.glob("t/*/*/*/index.html"))
    page_gz = sorted(gz(p) for p in record_pages)
    return {
        "records": records, "sample_s": round(t_sample, 1),
        "build_s": first["wall"], "build_cpu_s": first["cpu"], "rebuild_s": again["wall"],
        "rebuild_cpu_s": again["cpu"], "peak_mib": max(first["peak_mib"], again["peak_mib"]),
        "files": len(files), "record_pages": len(record_pages),
        "site_mb": round(sum(p.stat().st_size for p in files) / 1e6, 1),
        "record_page_gz_kb_max": round(page_gz[-1] / 1024, 1) if page_gz else 0,
        "record_page_gz_kb_p50": round(page_gz[len(page_gz) // 2] / 1024, 1) if page_gz else 0,
        "home_first_load_gz_kb": round(home_first_load(site) / 1024, 1),
    }


def _timed_build(data: Path, site: Path) -> dict[str, float]:
    """`yikatong build` in a child process of its own: wall and CPU seconds, peak RSS.

    CPU seconds (user + system of the build and its workers) next to wall seconds show how
    much of the machine the build used: on 2 cores most of the pipeline runs on one.
    """
    probe = ("import resource,subprocess,sys,time;t=time.perf_counter();"
             "subprocess.run(sys.argv[1:],check=True);"
             "r=resource.getrusage(resource.RUSAGE_CHILDREN);"
             "print(time.perf_counter()-t, r.ru_utime+r.ru_stime, r.ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", probe, str(BIN / "yikatong"), "-q", "build", "--data", str(data),
                          "--out", str(site), "--as-of", AS_OF], check=True, capture_output=True, text=True,
                         cwd=WORK)
    wall, cpu, rss_kb = out.stdout.split()[-3:]
    return {"wall": round(float(wall), 1), "cpu": round(float(cpu), 1), "peak_mib": int(rss_kb) // 1024}


def home_first_load(site: Path) -> int:
    """Gzipped bytes of the home page and every script, style and image it loads."""
    html = (site / "index.html").read_text(encoding="utf-8")
    total = len(gzip.compress(html.encode(), 6))
    for ref in re.findall(r'(?:src|href)="([^"#?]+\.(?:js|css|png|svg|ico))"', html):
        path = site / ref.lstrip("./").lstrip("/")
        if path.exists():
            total += gz(path)
    return total


def _static_server(site: Path) -> tuple[object, str]:
    """The site as production serves it (nginx ``gzip on``): text types gzip-compressed."""
    import functools
    import http.server
    import threading

    from bench.search_bench import GzipHandler

    class Handler(GzipHandler):
        # GzipHandler says no-store (for cold timings); a web server lets pages be cached
        def send_header(self, keyword: str, value: str) -> None:
            if keyword.lower() != "cache-control":
                super().send_header(keyword, value)

        def end_headers(self) -> None:
            super().send_header("Cache-Control", "public, max-age=600")
            super().end_headers()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def bench_lighthouse(site: Path) -> list[dict[str, object]]:
    """Lighthouse 12.2.3 (npm) against Debian's Chromium, mobile preset.

    The site is served gzip-compressed, as the deployment (nginx) serves it: uncompressed,
    Lighthouse would mostly measure the missing compression, which a static server adds.
    """
    if not (ROOT / "node_modules" / "lighthouse").exists():
        subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund", LIGHTHOUSE], cwd=ROOT, check=True)
    server, base = _static_server(site)
    record = sorted(site.glob("t/*/*/*/index.html"))[0].relative_to(site).parent.as_posix()
    township = sorted(site.glob("t/*/index.html"))[0].relative_to(site).parent.as_posix()
    results: list[dict[str, object]] = []
    env = {**os.environ, "CHROME_PATH": "/usr/bin/chromium"}
    pages = (("home", ""), ("township", township + "/"), ("record", record + "/"),
             ("search", "search/?q=%E7%8E%8B"),  # a shared link: search/?q=王
             # 长辈模式: ?elder=1 switches it on (and remembers it) before the first paint
             ("home elder", "?elder=1"), ("township elder", township + "/?elder=1"),
             ("record elder", record + "/?elder=1"), ("search elder", "search/?q=%E7%8E%8B&elder=1"))
    for label, path in pages:
        report = WORK / f"lighthouse-{label.replace(' ', '-')}.json"
        subprocess.run([str(ROOT / "node_modules" / ".bin" / "lighthouse"), base + path, "--quiet",
                        "--output=json", f"--output-path={report}", "--only-categories=performance,accessibility,best-practices",
                        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-background-networking "
                        "--disable-component-update --disable-sync --no-first-run"],
                       check=True, env=env, cwd=ROOT)
        got = json.loads(report.read_text())
        audits = got["audits"]
        results.append({"page": label, **{k: round(v["score"] * 100) for k, v in got["categories"].items()},
                        "FCP s": round(audits["first-contentful-paint"]["numericValue"] / 1000, 1),
                        "LCP s": round(audits["largest-contentful-paint"]["numericValue"] / 1000, 1),
                        "TBT ms": round(audits["total-blocking-time"]["numericValue"]),
                        "CLS": round(audits["cumulative-layout-shift"]["numericValue"], 3),
                        "failing": ", ".join(a for a in _failing(got)) or "-"})
    server.shutdown()  # type: ignore[attr-defined]
    return results


def _failing(report: dict[str, object]) -> list[str]:
    """Accessibility and best-practice audits that failed (what to fix next)."""
    audits = report["audits"]  # type: ignore[index]
    out = []
    for cat in ("accessibility", "best-practices"):
        for ref in report["categories"][cat]["auditRefs"]:  # type: ignore[index]
            audit = audits[ref["id"]]  # type: ignore[index]
            if ref.get("weight") and audit["score"] is not None and audit["score"] < 1:
                out.append(ref["id"])
    return out


def table(rows: list[dict[str, object]]) -> str:
    if not rows:
        return ""
    keys = list(rows[0])
    lines = [" | ".join(keys), " | ".join("---" for _ in keys)]
    lines += [" | ".join(str(r.get(k, "")) for k in keys) for r in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--full", action="store_true", help="also 1,000,000 records")
    parser.add_argument("--only", choices=["build", "lighthouse", "slow3g", "search", "audit", "complaints", "province",
                                           "notify", "privacy"])
    parser.add_argument("--site", type=Path, help="Lighthouse this built site (default: bench/out/site-100000, "
                        "built if missing; rebuild it after changing the site)")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)

    def want(part: str) -> bool:
        return args.only in (None, part)

    if want("build"):
        sizes = [100_000, 1_000_000] if args.full else [100_000]
        print("## Pipeline (yikatong build)\n" + table([bench_build(n) for n in sizes]), flush=True)
    if want("lighthouse"):
        site = args.site or WORK / "site-100000"
        if not site.exists():
            bench_build(100_000)
        print("\n## Lighthouse 12.2.3, mobile preset\n" + table(bench_lighthouse(site)), flush=True)
    sizes = "100000,1000000" if args.full else "100000"
    for part, module, argv in (("slow3g", "bench.slow3g_bench", []),
                               ("search", "bench.search_bench", ["--sizes", sizes]),
                               ("audit", "bench.audit_bench", ["--sizes", *sizes.split(",")]),
                               ("complaints", "bench.complaints_bench", []),
                               ("province", "bench.province_bench", []),
                               ("notify", "bench.notify_bench", [])):
        if want(part):
            print(f"\n## {part}", flush=True)
            __import__(module, fromlist=["main"]).main(argv)
    if want("privacy"):  # issue 11: validate and the leak scan against the code before them (aef6e55)
        old = WORK / "old-aef6e55"
        if not (old / "generator").exists():
            old.mkdir(parents=True, exist_ok=True)
            archive = subprocess.run(["git", "archive", "aef6e55"], cwd=ROOT, check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        print("\n## privacy", flush=True)
        __import__("bench.privacy_bench", fromlist=["main"]).main(
            ["--old-src", str(old), "--rounds", "1"] + (["--scan-records", "1000000"] if args.full else []))
    return 0


if __name__ == "__main__":
    sys.exit(main())
