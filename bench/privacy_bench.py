"""Issue 11 budgets: validation plus the stricter scan against the code before them.

  python bench/privacy_bench.py --old-src DIR [--records 100000] [--rounds 2] [--scan-records 1000000]
  python bench/run.py --only privacy      (the same, with the old tree made from aef6e55)

`--old-src` is a plain copy of the earlier tree (``git archive aef6e55 | tar -x -C DIR``); it
runs with this checkout's virtualenv, its own ``generator`` package first on the path. Both
build the same sample data (written by this checkout's generator), alternately, so that a
busy machine slows both alike; wall and CPU seconds (user + sys of the build process and its
workers) are printed. Then the two stages this issue changed are timed alone, old and new
side by side: ``validate`` on the same data, and the leak scan on the same (new) site, with
the input's values loaded first; the scan's CPU seconds include its forked workers. With
``--scan-records`` the new scan is also timed on a site built from that many records
(the budget: ≤ 15 s).
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


# the two stages alone, in a fresh process with `src` first on the path (old: generator.validate and
# generator.scan; new: generator.ingest.validate and generator.privacy.scan)
STAGES = """
import datetime as dt, resource, sys, time
from pathlib import Path
try:
    from generator.ingest.validate import validate_data
    from generator.privacy.scan import scan_site
except ImportError:
    from generator.validate import validate_data
    from generator.scan import scan_site
def cpu():
    return sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))
c = cpu(); result = validate_data(Path(sys.argv[2]), as_of=dt.date.fromisoformat(sys.argv[3])); validate = cpu() - c
c, t = cpu(), time.perf_counter(); found = scan_site(Path(sys.argv[1]), sensitive=result.sensitive_values)
print(validate, cpu() - c, time.perf_counter() - t, len(found), len(result.problems))
"""


def stages(site: Path, data: Path, src: Path | None) -> tuple[float, float, float]:
    """validate CPU s, scan CPU s, scan wall s (the scan: every file of `site`)."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    out = subprocess.run([str(PY), "-c", STAGES, str(site), str(data), AS_OF], check=True, capture_output=True,
                         text=True, cwd=WORK, env=env)
    validate, cpu, wall, found, problems = out.stdout.split()
    assert found == "0" and problems == "0", f"{found} findings, {problems} problems"
    return float(validate), float(cpu), float(wall)


def site_mb(site: Path) -> float:
    return sum(p.stat().st_size for p in site.rglob("*") if p.is_file()) / 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old-src", type=Path, required=True)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--scan-records", type=int, default=0)
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    data = sample(args.records)
    times: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
    for _ in range(args.rounds):
        for label, src in (("old", args.old_src.resolve()), ("new", None)):
            times[label].append(build(data, WORK / f"site-{label}", src))
            print(f"build {label}: {times[label][-1][0]:.1f} s wall, {times[label][-1][1]:.1f} s CPU", flush=True)
    for label, values in times.items() if args.rounds else ():  # --rounds 0: the stages of an existing site-new
        print(f"{label}: best {min(w for w, _ in values):.1f} s wall, best {min(c for _, c in values):.1f} s CPU "
              f"({args.records} records)")
    if args.rounds:
        old_cpu, new_cpu = min(c for _, c in times["old"]), min(c for _, c in times["new"])
        print(f"new / old (CPU): {new_cpu / old_cpu:.3f}")
    best: dict[str, list[tuple[float, float, float]]] = {"old": [], "new": []}
    for _ in range(2):  # alternately (the first run also warms the page cache for both)
        for label, src in (("old", args.old_src.resolve()), ("new", None)):
            best[label].append(stages(WORK / "site-new", data, src))
            validate, cpu, wall = best[label][-1]
            print(f"stages {label}: validate {validate:.1f} s CPU; scan {cpu:.1f} s CPU ({wall:.1f} s wall) "
                  f"over the new site ({site_mb(WORK / 'site-new'):.0f} MB, {args.records} records)", flush=True)
    for label, runs in best.items():
        print(f"stages {label}, best: validate {min(r[0] for r in runs):.1f} s CPU; scan {min(r[1] for r in runs):.1f} s CPU")
    if args.scan_records:
        big = sample(args.scan_records)
        if not (WORK / "site-big").exists():
            build(big, WORK / "site-big", None)
        _, cpu, wall = stages(WORK / "site-big", big, None)
        print(f"scan at {args.scan_records}: {cpu:.1f} s CPU, {wall:.1f} s wall, {site_mb(WORK / 'site-big'):.0f} MB "
              f"(budget ≤ 15 s)")


if __name__ == "__main__":
    sys.exit(main())
