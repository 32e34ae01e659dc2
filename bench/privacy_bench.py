"""Issue 11 budgets: validation plus the stricter scan against the code before them.

  python bench/privacy_bench.py --old-src DIR [--records 100000] [--rounds 2] [--scan-records 1000000]

`--old-src` is a plain copy of the earlier tree (``git archive 20ee055 | tar -x -C DIR``); it
runs with this checkout's virtualenv, its own ``generator`` package first on the path. Both
build the same sample data (written by this checkout's generator), alternately, so that a
busy machine slows both alike; wall and CPU seconds (user + sys of the build process) are
printed. Then the scan alone is timed on the new site and, with ``--scan-records``, on a site
built from that many records.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
WORK = ROOT / "bench" / "out" / "privacy"
AS_OF = "2026-11-20"
CLI = "import sys; from generator.cli import main; sys.argv[0] = 'yikatong'; main()"


def _run(args: list[str], src: Path | None = None) -> tuple[float, float]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([str(PY), "-c", CLI, *args], check=True, env=env, stdout=subprocess.DEVNULL, cwd=WORK)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def sample(records: int) -> Path:
    data = WORK / f"data-{records}"
    if not (data / "county.yml").exists():
        shutil.rmtree(data, ignore_errors=True)
        _run(["-q", "sample", "--out", str(data), "--records", str(records), "--as-of", AS_OF])
    return data


def build(data: Path, out: Path, src: Path | None) -> tuple[float, float]:
    shutil.rmtree(out, ignore_errors=True)
    fresh = out.parent / f"{out.name}-data"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(data, fresh)  # a build writes the ledger and snapshots: start from the same state
    try:
        return _run(["-q", "build", "--data", str(fresh), "--out", str(out), "--as-of", AS_OF], src)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)


SCAN = ("import sys, time, resource; from pathlib import Path; from generator.privacy.scan import scan_site, input_values;"
        "values = input_values(Path(sys.argv[2])); r0 = resource.getrusage(resource.RUSAGE_SELF);"
        "c0 = resource.getrusage(resource.RUSAGE_CHILDREN); t = time.perf_counter();"
        "found = scan_site(Path(sys.argv[1]), sensitive=values); wall = time.perf_counter() - t;"
        "r1 = resource.getrusage(resource.RUSAGE_SELF); c1 = resource.getrusage(resource.RUSAGE_CHILDREN);"
        "cpu = sum(getattr(b, f) - getattr(a, f) for a, b in ((r0, r1), (c0, c1)) for f in ('ru_utime', 'ru_stime'));"
        "print(wall, cpu, len(found))")


def scan(site: Path, data: Path) -> tuple[float, float, float]:
    """The scan alone (input values loaded first, not timed): wall and CPU seconds, site MB."""
    out = subprocess.run([str(PY), "-c", SCAN, str(site), str(data)], check=True, capture_output=True,
                         text=True, cwd=WORK)
    wall, cpu, found = out.stdout.split()
    assert found == "0", f"{found} findings"
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file()) / 1e6
    return float(wall), float(cpu), size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old-src", type=Path, required=True)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--scan-records", type=int, default=0)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    data = sample(args.records)
    times: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
    for _ in range(args.rounds):
        for label, src in (("old", args.old_src.resolve()), ("new", None)):
            times[label].append(build(data, WORK / f"site-{label}", src))
            print(f"build {label}: {times[label][-1][0]:.1f} s wall, {times[label][-1][1]:.1f} s CPU", flush=True)
    for label, values in times.items():
        print(f"{label}: best {min(w for w, _ in values):.1f} s wall, best {min(c for _, c in values):.1f} s CPU "
              f"({args.records} records)")
    old_cpu, new_cpu = min(c for _, c in times["old"]), min(c for _, c in times["new"])
    print(f"new / old (CPU): {new_cpu / old_cpu:.3f}")
    wall, cpu, size = scan(WORK / "site-new", data)
    print(f"scan at {args.records}: {wall:.1f} s wall, {cpu:.1f} s CPU, {size:.0f} MB")
    if args.scan_records:
        big = sample(args.scan_records)
        build(big, WORK / "site-big", None)
        wall, cpu, size = scan(WORK / "site-big", big)
        print(f"scan at {args.scan_records}: {wall:.1f} s wall, {cpu:.1f} s CPU, {size:.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
