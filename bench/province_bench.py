"""Province budgets: executors, incremental rebuild, cross-county checks, province search.

``python -m bench.province_bench [--counties 8] [--records 25000] [--check-records 2000000]``

1. A sample province (N counties × R records): ``province build`` with ``--executor sync``
   and ``--executor local:2`` from the same starting data, in one run (budget: local:2 ≥ 1.6×
   faster on 2 cores), then a rebuild after one county's change (budget ≤ 25 % of full).
2. Cross-county checks alone over digest files totalling ``--check-records`` rows (synthetic
   digests, the same code as the build): seconds and peak memory (budget ≤ 60 s, ≤ 4 GiB).
3. Province search: the largest manifest + three shards a query may read, gzipped, from the
   build's ``OUT/search`` (budget ≤ 100 KB), and how shard size grows with records.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "out" / "province"
AS_OF = "2026-11-20"


def _build(data: Path, out: Path, executor: str) -> tuple[float, object]:
    import datetime as dt

    from generator.province.build import build_province

    t = time.perf_counter()
    summary = build_province(data, out, as_of=dt.date.fromisoformat(AS_OF), executor=executor)
    return time.perf_counter() - t, summary


def bench_executors(counties: int, records: int) -> None:
    import datetime as dt

    from generator.province.sample import write_province_sample

    base = WORK / f"p-{counties}x{records}"
    if not (base / "province.yml").exists():
        write_province_sample(base, counties=counties, records=records, seed=7, as_of=dt.date.fromisoformat(AS_OF))
    times = {}
    for executor in ("sync", "local:2"):
        work = WORK / f"run-{executor.replace(':', '')}"
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(base, work / "data")
        times[executor], summary = _build(work / "data", work / "out", executor)
        print(f"| {executor} | {counties} × {records} | {times[executor]:.1f} s |", flush=True)
    print(f"speed-up local:2 / sync: {times['sync'] / times['local:2']:.2f}× (budget ≥ 1.6×)")
    work = WORK / "run-local2"
    batch = next(p for p in sorted((work / "data").glob("*/batches/*/*/records.csv"))
                 if "成功".encode() in p.read_bytes())
    batch.write_bytes(batch.read_bytes().replace("成功".encode(), "失败".encode(), 1))
    again, summary = _build(work / "data", work / "out", "local:2")
    print(f"rebuild after one county's change: {again:.1f} s = {again / times['local:2']:.0%} of full "
          f"(budget ≤ 25 %), rebuilt {summary.rebuilt}")  # type: ignore[attr-defined]
    search_budget(work / "out" / "search", counties * records)


def bench_checks(total: int, counties: int = 120) -> None:
    """Synthetic digest files as county tasks write them; the dask.dataframe checks over them."""
    from generator.province.checks import DIGEST_COLUMNS, cross_county_frames, report_tables

    folder = WORK / f"digests-{total}"
    if not folder.exists():
        folder.mkdir(parents=True)
        rng = np.random.default_rng(1)
        per = total // counties
        for n in range(counties):
            # each county's own people, about 3 payments each; 0.1 % of rows a neighbour's person
            own = n * per + rng.integers(0, per // 3, size=per)
            shared = rng.random(per) < 0.001
            own[shared] = ((n + 1) % counties) * per + rng.integers(0, per // 3, size=int(shared.sum()))
            ids = pd.Series(own).map("{:032x}".format)
            frame = pd.DataFrame({
                "county": f"2399{n:02d}", "county_name": f"县{n}", "id_d": ids, "card_d": ids.str[::-1],
                "id_k": own + 1, "card_k": own * 7 + 3, "pp_k": own * 31 + 5,
                "program": "gdzl", "program_name": "耕地地力保护补贴", "period": "2025年度",
                "batch_id": "2025-gdzl", "file": "batches/2025/2025-gdzl/records.csv",
                "row": np.arange(per) + 2, "township": "镇", "village": "村", "name_m": "张*",
                "id_m": "239900********1234", "card_m": "****1234", "amount": 100.0, "paid_on": "2025-06-01",
            }, columns=list(DIGEST_COLUMNS))
            frame.to_parquet(folder / f"{n:03d}.parquet", index=False)
    import dask

    t = time.perf_counter()
    cpu = time.process_time()
    with dask.config.set(scheduler="synchronous"):
        found = cross_county_frames(sorted(folder.glob("*.parquet")), npartitions=16)
    tables = report_tables(found)
    seconds = time.perf_counter() - t
    report = WORK / "checks-report.xlsx"
    from generator.province.checks import write_report

    write_report(tables, report, "样例省", total)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    cpu = time.process_time() - cpu
    print(f"cross-county checks over {total:,} records ({counties} counties): {seconds:.1f} s wall, {cpu:.1f} s CPU, "
          f"peak RSS {peak:.2f} GiB (budget ≤ 60 s, ≤ 4 GiB); rows found "
          + ", ".join(f"{k} {len(v):,}" for k, v in tables.items()))


def search_budget(search: Path, records: int) -> None:
    import gzip
    import json
    import re

    page = (search / "index.html").read_text(encoding="utf-8")
    manifest = re.search(r'<script id="yk-manifest" type="application/json">(.*?)</script>', page, re.S)
    manifest_gz = len(gzip.compress(manifest.group(1).encode(), mtime=0)) if manifest else 0
    shards = sorted((search / "s").rglob("*.json"))
    sizes = sorted((len(gzip.compress(p.read_bytes(), mtime=0)) for p in shards), reverse=True)
    worst = manifest_gz + sum(sizes[:3])
    print(f"province search at {records:,} records: {len(shards)} shards, manifest {manifest_gz / 1024:.1f} KB gz, "
          f"worst query (manifest + 3 largest shards) {worst / 1024:.1f} KB gz (budget ≤ 100 KB)")
    del json


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counties", type=int, default=8)
    parser.add_argument("--records", type=int, default=25_000)
    parser.add_argument("--check-records", type=int, default=2_000_000)
    parser.add_argument("--only", choices=["executors", "checks"])
    args = parser.parse_args(argv)
    os.environ.setdefault("YIKATONG_AUDIT_KEY", "bench-key-0123456789abcdef")
    WORK.mkdir(parents=True, exist_ok=True)
    if args.only in (None, "checks"):
        bench_checks(args.check_records)
    if args.only in (None, "executors"):
        bench_executors(args.counties, args.records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
