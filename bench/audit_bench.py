"""Benchmark of ``yikatong audit``: 100,000 and 1,000,000 records.

Loading (``validate_data``: read every CSV/XLSX and check it), checking (``audit_findings``)
and writing the Excel report are timed separately; each size runs in its own process so its
peak memory (max RSS) is its own. Samples are generated once (``yikatong sample``, not
timed) and cached under ``$YIKATONG_BENCH_DIR`` (default ``/tmp/yikatong-bench``).

    .venv/bin/python bench/audit_bench.py            # both sizes
    .venv/bin/python bench/audit_bench.py --sizes 100000

Targets (issue 5): the audit over 100,000 records ≤ 15 s; over 1,000,000 ≤ 60 s and ≤ 4 GiB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

AS_OF = dt.date(2026, 11, 20)
SIZES = (100_000, 1_000_000)
SECONDS_LIMIT = {100_000: 15.0, 1_000_000: 60.0}
MEMORY_LIMIT_MIB = 4096


def bench_dir() -> Path:
    return Path(os.environ.get("YIKATONG_BENCH_DIR", "/tmp/yikatong-bench"))


def ensure_sample(records: int) -> tuple[Path, int]:
    """A sample county with at least `records` records (generated once, then reused)."""
    from generator.dev.sample import write_sample

    folder = bench_dir() / f"audit-{records}"
    marker = folder / "records.txt"
    if marker.exists():
        return folder / "data", int(marker.read_text())
    asked = records
    for _ in range(3):  # the generator lands a few per cent short of what it is asked for
        summary = write_sample(folder / "data", records=asked, seed=230521, as_of=AS_OF)
        if summary.records >= records:
            break
        asked = int(asked * records / summary.records * 1.01) + 1
    marker.write_text(str(summary.records))
    return folder / "data", summary.records


def measure(data_dir: Path, report: Path) -> dict[str, Any]:
    """One audit run in this process: seconds per stage and peak memory."""
    from generator.checks.audit import audit_findings
    from generator.checks.audit_report import ReportContext, write_report
    from generator.ingest.validate import validate_data

    cpu = [time.process_time()]
    started = time.perf_counter()
    result = validate_data(data_dir, AS_OF)
    loaded = time.perf_counter()
    cpu.append(time.process_time())
    assert result.county is not None, "the sample county did not load"
    findings = audit_findings(result.records, result.county, AS_OF, batches=result.batches)
    checked = time.perf_counter()
    cpu.append(time.process_time())
    write_report(findings, report, ReportContext(str(data_dir), len(result.records), len(result.batches),
                                                 len(result.problems), result.county.name))
    written = time.perf_counter()
    cpu.append(time.process_time())
    return {
        "load_cpu_s": round(cpu[1] - cpu[0], 2), "check_cpu_s": round(cpu[2] - cpu[1], 2),
        "report_cpu_s": round(cpu[3] - cpu[2], 2), "load_avg": round(os.getloadavg()[0], 1),
        "records": len(result.records), "problems": len(result.problems),
        "load_s": round(loaded - started, 2), "check_s": round(checked - loaded, 2),
        "report_s": round(written - checked, 2), "total_s": round(written - started, 2),
        "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "summary": findings.summary_line(),
    }


def run_size(records: int) -> dict[str, Any]:
    data_dir, _ = ensure_sample(records)
    report = bench_dir() / f"audit-{records}" / "audit.xlsx"
    child = subprocess.run([sys.executable, __file__, "--measure", str(data_dir), "--report", str(report)],
                           check=True, capture_output=True, text=True)
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    limit = SECONDS_LIMIT.get(records)
    figures["limit_s"] = limit
    figures["ok"] = (limit is None or figures["total_s"] <= limit) and (
        records < 1_000_000 or figures["peak_mib"] <= MEMORY_LIMIT_MIB)
    return figures


def describe(size: int, f: dict[str, Any]) -> str:
    limit = f"（目标 ≤ {f['limit_s']:.0f} 秒" + ("、≤ 4 GiB）" if size >= 1_000_000 else "）")
    return (f"audit {f['records']:,} 条：读取校验 {f['load_s']:.1f} 秒 + 核对 {f['check_s']:.1f} 秒 + "
            f"写报告 {f['report_s']:.1f} 秒 = {f['total_s']:.1f} 秒，峰值内存 {f['peak_mib']:,} MiB"
            f"{limit} {'通过' if f['ok'] else '未达标'}\n"
            f"  CPU 时间：读取校验 {f['load_cpu_s']:.1f} 秒，核对 {f['check_cpu_s']:.1f} 秒，写报告 {f['report_cpu_s']:.1f} 秒；"
            f"系统负载 {f['load_avg']}\n  {f['summary']}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; print one line per size and return the figures by size."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--report", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        figures = measure(args.measure, args.report)
        print(json.dumps(figures, ensure_ascii=False))
        return figures
    results = {}
    for size in args.sizes:
        results[f"audit_{size}"] = figures = run_size(size)
        print(describe(size, figures), flush=True)
    return results


if __name__ == "__main__":
    outcome = main()
    sys.exit(0 if all(f.get("ok", True) for f in outcome.values() if isinstance(f, dict)) else 1)
