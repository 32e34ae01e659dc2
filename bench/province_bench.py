"""Province budgets: executors, incremental rebuild, cross-county checks, province search.

``python -m bench.province_bench [--counties 8] [--records 25000] [--check-records 2000000]
[--search-counties 80] [--only executors|checks|search] [--shard-target BYTES] [--chunk K]`` (``bench/run.py --only province``)

1. **executors** — a sample province (N counties × R records), built with ``--executor sync``
   and ``--executor local:2`` from the same starting data, one after the other in one run
   (budget: local:2 ≥ 1.6× faster on 2 cores). Printed: wall seconds of each, and from the
   build's own timings the CPU split — county tasks (parallel) vs the province steps that
   run one after another (serial) — and the Amdahl bound that split allows on 2 workers.
   Then a rebuild after one county's change (local:2; budget ≤ 25 % of the full build),
   wall and CPU, with the same split.
2. **checks** — cross-county checks alone over digest files totalling ``--check-records``
   rows (synthetic digests, the same code as the build), in a fresh process so the peak
   memory is the checks' own: wall, CPU and peak RSS (budget ≤ 60 s, ≤ 4 GiB); the time to
   write the synthetic inputs is printed apart.
3. **search** — the province search at ``--search-counties`` × R records: the county
   search rows of the executor run's counties, each copied as several invented counties,
   indexed by the province's own code; then queries (full names, masked names, pinyin,
   initials, each with and without the shown ID digits) run through the real client core
   (``tests/js/check_shards.js``, lunr.js): the bytes one query fetches, gzipped (manifest
   + chunks of a two-level manifest + shards; budget ≤ 100 KB), by kind of query, and the
   manifest's parts, chunk and shard sizes, for the growth formula. ``--shard-target`` and
   ``--chunk`` override the index's shard size and chunk length (to tune them).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("YIKATONG_BENCH_PROVINCE", ROOT / "bench" / "out" / "province"))
AS_OF = "2026-11-20"


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _build(data: Path, out: Path, executor: str) -> tuple[float, float, Any]:
    """Wall seconds, CPU seconds (this process and its children: a local cluster's worker
    processes are its children, their CPU counted when they exit), the summary."""
    from generator.province.build import build_province

    t, cpu = time.perf_counter(), _cpu()
    summary = build_province(data, out, as_of=dt.date.fromisoformat(AS_OF), executor=executor)
    wall, cpu = time.perf_counter() - t, _cpu() - cpu
    return wall, cpu, summary


def _sample(counties: int, records: int) -> Path:
    from generator.province.sample import write_province_sample

    base = WORK / f"p-{counties}x{records}"
    if not (base / "province.yml").exists():
        write_province_sample(base, counties=counties, records=records, seed=7, as_of=dt.date.fromisoformat(AS_OF))
    return base


def bench_executors(counties: int, records: int) -> None:
    base = _sample(counties, records)
    times: dict[str, float] = {}
    print("| executor | province | wall | CPU (all processes) |\n|---|---|---|---|")
    splits = {}
    for executor in ("sync", "local:2"):
        work = WORK / f"run-{executor.replace(':', '')}"
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(base, work / "data")
        times[executor], cpu, summary = _build(work / "data", work / "out", executor)
        splits[executor] = summary.timing_lines()
        print(f"| {executor} | {counties} × {records} | {times[executor]:.1f} s | {cpu:.1f} s |", flush=True)
    for executor, lines in splits.items():
        print(f"\n{executor} timings (inside the build):\n  " + "\n  ".join(lines))
    print(f"\nspeed-up local:2 / sync (wall, same run): {times['sync'] / times['local:2']:.2f}× (budget ≥ 1.6×)")
    work = WORK / "run-local2"
    batch = next(p for p in sorted((work / "data").glob("*/batches/*/*/records.csv"))
                 if "成功".encode() in p.read_bytes())
    batch.write_bytes(batch.read_bytes().replace("成功".encode(), "失败".encode(), 1))
    again, cpu, summary = _build(work / "data", work / "out", "local:2")
    print(f"\nrebuild after one county's change (local:2): {again:.1f} s wall = {again / times['local:2']:.0%} "
          f"of the full local:2 build (budget ≤ 25 %), {cpu:.1f} s CPU; rebuilt {summary.rebuilt}\n  "
          + "\n  ".join(summary.timing_lines()))


# --- cross-county checks -----------------------------------------------------------------------

def bench_checks(total: int, counties: int = 120) -> None:
    folder = WORK / f"digests-{total}"
    if not folder.exists():
        t = time.perf_counter()
        _write_digests(folder, total, counties)
        print(f"synthetic digest files for {total:,} records written in {time.perf_counter() - t:.1f} s "
              "(not part of the checks)")
    # a fresh process: its peak RSS is the checks' own, not the generator's
    subprocess.run([sys.executable, "-m", "bench.province_bench", "--only", "checks-run",
                    "--check-records", str(total)], check=True, cwd=ROOT)


def _write_digests(folder: Path, total: int, counties: int) -> None:
    """Digest files as county tasks write them: each county's own people, about 3 payments
    each; 0.1 % of rows a neighbour's person."""
    from generator.province.checks import DIGEST_COLUMNS

    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    rng = np.random.default_rng(1)
    per = total // counties
    for n in range(counties):
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
        frame.to_parquet(tmp / f"{n:03d}.parquet", index=False)
    tmp.rename(folder)


def run_checks(total: int) -> None:
    import dask

    from generator.province.checks import cross_county_frames, report_tables, write_report

    folder = WORK / f"digests-{total}"
    parts = sorted(folder.glob("*.parquet"))
    t, cpu = time.perf_counter(), _cpu()
    with dask.config.set(scheduler="synchronous"):
        found = cross_county_frames(parts, npartitions=16)
    tables = report_tables(found)
    check_wall, check_cpu = time.perf_counter() - t, _cpu() - cpu
    write_report(tables, WORK / "checks-report.xlsx", "样例省", total)
    wall, cpu = time.perf_counter() - t, _cpu() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"cross-county checks over {total:,} records ({len(parts)} counties): checks {check_wall:.1f} s wall, "
          f"{check_cpu:.1f} s CPU; with the Excel report {wall:.1f} s wall, {cpu:.1f} s CPU; peak RSS {peak:.2f} GiB "
          f"(budget ≤ 60 s, ≤ 4 GiB); rows found " + ", ".join(f"{k} {len(v):,}" for k, v in tables.items()))


# --- province search ----------------------------------------------------------------------------

def bench_search(counties: int, records: int, copies_of: int, records_each: int) -> None:
    """The province search at `counties` × `records_each`: the executor run's county search
    rows (`copies_of` counties) copied as invented counties."""
    from generator.core.county import load_county
    from generator.province.model import CountyEntry, Province, load_province
    from generator.province.search import read_part, write_part, write_province_search

    run = next((WORK / f"run-{e}" for e in ("local2", "sync") if (WORK / f"run-{e}" / "out" / "index.html").exists()),
               None)  # a finished run
    if run is None:
        bench_executors(copies_of, records_each)
        run = WORK / "run-local2"
    data, state = run / "data", run / ".out.province"
    province = load_province(data)
    listed = {c.code: next(state.glob(f"{c.code}-*.listed.parquet")) for c in province.counties}
    parts = {c.code: read_part(next(state.glob(f"{c.code}-*.search.json"))) for c in province.counties}
    models = {c.code: load_county(c.data_dir) for c in province.counties}
    out = WORK / f"search-{counties}"
    folder = WORK / f"search-{counties}-parts"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    entries, county_models, paths, part_files = [], [], [], []
    for n in range(counties):
        source = province.counties[n % len(province.counties)]
        model = models[source.code]
        code, name = f"29{n // 100:02d}{n % 100:02d}", f"{model.name[:-1]}{n}县"
        towns = tuple(dataclasses.replace(t, code=f"{code}{t.code[6:]}") if len(t.code) > 6 else t
                      for t in model.townships)
        entries.append(CountyEntry(code, name, source.data_dir))
        county_models.append(dataclasses.replace(model, name=name, code=code, townships=towns))
        paths.append(listed[source.code])
        # the source county's part of the search, as this invented county's
        part = dict(parts[source.code], county=name)
        part["towns"] = [[t, f"{code}{c[6:]}" if len(c) > 6 else c, *rest] for t, c, *rest in part["towns"]]
        part_files.append(folder / f"{code}.search.json")
        write_part(part_files[-1], part)
    big = Province("样例省", "290000", tuple(entries), data)
    rows = sum(len(pd.read_parquet(p, columns=["batch_id"])) for p in paths)
    t, cpu = time.perf_counter(), _cpu()
    summary = write_province_search(big, out, part_files, counties=county_models).summary
    print(f"province search index: {counties} counties, {rows:,} records, {summary.persons:,} persons, "
          f"{summary.shards:,} shards, {len(summary.files):,} files, "
          f"built in {time.perf_counter() - t:.0f} s wall, {_cpu() - cpu:.0f} s CPU")
    search_budget(out, rows, paths)


def search_budget(out: Path, records: int, paths: list[Path]) -> None:
    from generator.search.index import chunk_files, shard_files

    search = out / "search"
    manifest = json.loads((search / "manifest.json").read_text(encoding="utf-8"))
    parts = {k: len(gzip.compress(json.dumps(v, ensure_ascii=False, separators=(",", ":")).encode(), 6))
             for k, v in manifest.items()}
    whole = len(gzip.compress((search / "manifest.json").read_bytes(), 6))
    shard_gz = [len(gzip.compress(p.read_bytes(), 6)) for p in shard_files(out)]
    key = "shards" if "shards" in manifest else "index"
    print(f"manifest {whole / 1024:.1f} KB gz: shard boundaries ({key}) {parts[key] / 1024:.1f} KB "
          f"({len(manifest[key]):,} of {len(shard_gz):,} shards), townships {parts['towns'] / 1024:.1f} KB "
          f"({len(manifest['towns']):,}), the rest {(whole - parts[key] - parts['towns']) / 1024:.1f} KB")
    print(f"shards: {len(shard_gz):,}, {sum(shard_gz) / 1e6:.1f} MB gz in all, median "
          f"{np.median(shard_gz) / 1024:.1f} KB, largest {max(shard_gz) / 1024:.1f} KB gz")
    if key == "index":
        chunk_gz = [len(gzip.compress(p.read_bytes(), 6)) for p in chunk_files(out)]
        print(f"chunks: {len(chunk_gz):,} of k = {manifest['chunk']} boundaries, median "
              f"{np.median(chunk_gz) / 1024:.2f} KB, largest {max(chunk_gz) / 1024:.2f} KB gz")
    queries = _queries(paths)
    spec = WORK / "search-queries.json"
    spec.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(["node", str(ROOT / "tests" / "js" / "check_shards.js"), str(out), str(spec)],
                          capture_output=True, text=True, check=True, env={**os.environ, "LAZY": "1"})
    result = json.loads(done.stdout)
    sizes = [q["gzipBytes"] for q in result["queries"]]
    print("| query | kind | chunks | shards | found | truncated | KB gz: chunks | shards | all (with the manifest) |\n"
          "|---|---|---|---|---|---|---|---|---|")
    by_kind: dict[str, list[int]] = {}
    for q, kind in zip(result["queries"], (k for _, k in _KINDS), strict=False):
        by_kind.setdefault(kind, []).append(q["gzipBytes"])
        print(f"| {q['q']} | {kind} | {len(q['chunks'])} | {len(q['shards'])} | {q['persons']} | "
              f"{'yes' if q['truncated'] else ''} | {q['chunkGzip'] / 1024:.1f} | {q['shardGzip'] / 1024:.1f} | "
              f"{q['gzipBytes'] / 1024:.1f} |")
    print("by kind (KB gz, median / worst): " + "; ".join(
        f"{kind} {np.median(v) / 1024:.1f} / {max(v) / 1024:.1f}" for kind, v in by_kind.items()))
    print(f"province search at {records:,} records: {len(sizes)} queries, median {np.median(sizes) / 1024:.1f} KB, "
          f"worst {max(sizes) / 1024:.1f} KB gz per query (budget ≤ 100 KB); "
          f"every query found someone: {all(q['persons'] > 0 for q in result['queries'])}")


_KINDS: list[tuple[str, str]] = []


def _queries(paths: list[Path]) -> list[dict[str, str]]:
    """Names as the pages show them: full names (with and without the ID digits), their pinyin and
    initials (a surname read as a surname: 朴 piao), and masked names; the common surnames last."""
    from generator.search.pinyin_keys import name_keys

    _KINDS.clear()
    # names from the rows, not from the shards: the same queries whatever the shard layout
    rng = np.random.default_rng(5)
    rows = pd.concat([pd.read_parquet(p, columns=["name_shown", "id_shown"]) for p in dict.fromkeys(paths)])
    picked = rows.iloc[rng.choice(len(rows), size=min(120, len(rows)), replace=False)]
    names = [(str(n), str(i)) for n, i in picked.itertuples(index=False)]
    full = [(n, i) for n, i in names if "＊" not in n and "*" not in n and len(n) in (2, 3)]
    masked = [(n, i) for n, i in names if "＊" in n or "*" in n]
    queries: list[dict[str, str]] = []

    def add(q: str, kind: str) -> None:
        queries.append({"q": q})
        _KINDS.append((q, kind))

    for name, shown in full[:6]:
        digits = shown[-4:] if shown[-4:].isdigit() or shown[-1:] in "Xx" else ""
        add(name, "name")
        if digits:
            add(f"{name} {digits}", "name + ID digits")
        keys = name_keys(name)
        add(next(k for k in keys.key if k.isascii()), "pinyin")
        add(next(k for k in keys.initials if k.isascii()), "initials")
    for name, _ in masked[:3]:
        add(name, "masked name")
    for surname in ("王", "张", "李"):
        add(surname, "surname alone (broad)")
    return queries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counties", type=int, default=8)
    parser.add_argument("--records", type=int, default=25_000)
    parser.add_argument("--check-records", type=int, default=2_000_000)
    parser.add_argument("--search-counties", type=int, default=80)
    parser.add_argument("--only", choices=["executors", "checks", "search", "checks-run"])
    parser.add_argument("--shard-target", type=int, help="search: raw bytes per shard (tuning; default: the index's)")
    parser.add_argument("--chunk", type=int, help="search: boundaries per chunk (tuning; default: the index's)")
    args = parser.parse_args(argv)
    if args.shard_target:
        import generator.province.search as province_search

        province_search.PROVINCE_SHARD_BYTES = args.shard_target
    if args.chunk:
        import generator.province.search as province_search

        province_search.PROVINCE_CHUNK = args.chunk
    os.environ.setdefault("YIKATONG_AUDIT_KEY", "bench-key-0123456789abcdef")
    WORK.mkdir(parents=True, exist_ok=True)
    if args.only == "checks-run":
        run_checks(args.check_records)
        return 0
    if args.only in (None, "executors"):
        bench_executors(args.counties, args.records)
    if args.only in (None, "checks"):
        bench_checks(args.check_records)
    if args.only in (None, "search"):
        bench_search(args.search_counties, args.records, args.counties, args.records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
