"""``yikatong province build``: every county's site, the province portal and search, and the
cross-county checks, as one atomic publication.

1. One task per county (on the executor): a county whose data, the code and ``--as-of`` are
   unchanged since the last build (same *fingerprint*) keeps its previous tree, untouched;
   any other is built by ``generator.build.build_site``, with its ledger and snapshots held
   back. The same task writes the county's keyed digests (``checks.county_digests``) and,
   before its pages, its part of the province search (``search.county_part``).
2. The province-wide search (``OUT/search/``), one task per term range on the executor
   (``search.search_range``): on a cluster they start once every county's part is written,
   while the last counties still render. Cross-county checks on ``dask.dataframe`` over the
   digests (``checks``) beside them; the portal (``OUT/index.html``) is written here.
3. The leak scan over every byte of the new tree, then the swap: ``OUT`` is replaced only
   when every county built and nothing leaked; then the held-back ledgers and snapshots are
   written and the fingerprints recorded. A failing county leaves ``OUT`` untouched.

**Layout.** A county's site is a tree named by its content digest in a store beside OUT,
``.<OUT name>.counties/<code>-<digest>/``, and ``OUT/<code>`` is a relative symbolic link to
it. A kept county costs one link, not a copy of its thousands of files; the swap replaces
only the portal, the search and the links; a county's superseded tree is removed after it.
Serve OUT with a server that follows links (nginx and Apache do by default) or copy it
with ``rsync -aL`` / ``cp -rL``.

Per-build state (fingerprints, digest and search caches) lives next to ``OUT`` in
``.<OUT name>.province/``, never inside it. Output bytes do not depend on the executor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import resource
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.build import swap_into_place
from generator.core.errors import LeakFound, YikatongError
from generator.core.parallel import ENV as WORKERS_ENV
from generator.province import checks
from generator.province.executor import WORKER_ID_ENV, open_executor
from generator.province.model import CountyEntry, Province, load_province

log = logging.getLogger(__name__)

STATE_FILE = "state.json"


class CountyFailed(YikatongError):
    def __init__(self, failures: list[tuple[CountyEntry, str]]):
        lines = [f"{c.name}（{c.code}）构建失败：{message}" for c, message in failures]
        super().__init__("\n".join(lines + ["省级网站未更新：上一版网站保持不变。请修改上述县的数据后重新构建。"]))
        self.failures = failures


@dataclass
class ProvinceSummary:
    counties: int = 0
    rebuilt: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    records: int = 0
    findings: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    check_seconds: float = 0.0
    # phase → (wall seconds, CPU seconds of this process and its children); "counties" is
    # the county tasks' own CPU (summed over workers), the rest runs here, one after another
    timings: dict[str, tuple[float, float]] = field(default_factory=dict)
    out: Path = Path("site")
    audit_out: Path | None = None
    executor: str = "sync"
    idle: float = 0.0  # share of the workers' time between the first task's start and the last's end spent idle
    search_reused: int = 0  # province search shards taken from the last build
    search_built: int = 0
    search_head_start: float = 0.0  # seconds the search's ranges ran before the last county task ended

    def timing_lines(self) -> list[str]:
        """The CPU split: the county and search-range tasks' own CPU (they run side by side on
        the executor's workers) and the province steps here, one after another (serial). The
        cross-county checks run on the executor beside the search's ranges: their wall time
        overlaps those steps (their CPU here is inside the steps' CPU)."""
        t = dict(self.timings)
        parallel = t.pop("counties", (0.0, 0.0))[1]
        executor, tasks = t.pop("executor", (0.0, 0.0)), t.pop("county tasks (wall)", (0.0, 0.0))
        checks_ = t.pop("cross-county checks", (0.0, 0.0))
        ranges = t.pop("search ranges", (0.0, 0.0))[1]  # the term ranges' tasks' own CPU
        here = t.pop("search ranges (here)", (0.0, 0.0))  # sync: they ran in this process
        inside = [t.get(name, (0.0, 0.0)) for name in _INSIDE_EXECUTOR] + [here]
        overhead = executor[1] - tasks[1] - sum(cpu for _, cpu in inside)
        if self.executor != "sync":  # the workers' CPU is this process's children's CPU once they exit
            overhead -= parallel + ranges
        t["executor start and stop"] = (executor[0] - tasks[0] - sum(wall for wall, _ in inside), overhead)
        serial = sum(cpu for _, cpu in t.values()) + (tasks[1] if self.executor != "sync" else 0.0)
        parallel += ranges
        lines = [f"county tasks: {tasks[0]:.1f} s wall, {parallel - ranges:.1f} s CPU in the tasks"
                 + (f" (+{tasks[1]:.1f} s CPU here: client and scheduler)" if self.executor != "sync" else "")]
        lines.append(f"province search, term ranges: {ranges:.1f} s CPU in their tasks"
                     + (f", {here[0]:.1f} s wall here after the county tasks" if self.executor == "sync" else
                        f", the first started {self.search_head_start:.1f} s before the last county task ended"))
        lines += [f"{name}: {wall:.1f} s wall, {cpu:.1f} s CPU" for name, (wall, cpu) in t.items()]
        lines.append(f"cross-county checks (beside the portal and search): {checks_[0]:.1f} s wall, "
                     f"{checks_[1]:.1f} s CPU of the client thread")
        lines.append(f"county tasks: the workers were idle {self.idle:.0%} of the time from the first task's start "
                     "to the last one's end (imbalance, the tail)")
        lines.append(f"province search shards: {self.search_reused} taken from the last build, {self.search_built} built")
        share = serial / (serial + parallel) if serial + parallel else 0.0
        bound = 1 / (share + (1 - share) / 2) if serial + parallel else 0.0
        lines.append(f"CPU split: county and search-range tasks {parallel:.1f} s (parallel), province steps {serial:.1f} s "
                     f"(serial, {share:.0%}): Amdahl bound on 2 workers {bound:.2f}×")
        return lines

    def line(self) -> str:
        found = "，".join(f"{k} {v}" for k, v in self.findings.items())
        return (f"省级构建完成：{self.counties} 个县（重新生成 {len(self.rebuilt)} 个，沿用 {len(self.kept)} 个），"
                f"{self.records} 条记录，跨县核对：{found}，{self.seconds:.1f} 秒 → {self.out}")


_INSIDE_EXECUTOR = ("portal", "province search", "leak scan (portal, search)",
                    "cross-county checks (after the search)")


class _Clock:
    """Wall and CPU seconds (this process and its waited-for children) of each phase."""

    def __init__(self, timings: dict[str, tuple[float, float]]):
        self.timings = timings

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), _cpu_seconds()
        try:
            yield
        finally:
            self.timings[name] = (time.perf_counter() - wall, _cpu_seconds() - cpu)


def _cpu_seconds() -> float:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def build_province(data_dir: Path, out: Path, as_of: dt.date | None = None, executor: str = "sync",
                   audit_out: Path | None = None) -> ProvinceSummary:
    started = time.perf_counter()
    key = checks.audit_key()
    as_of = as_of or dt.date.today()
    data_dir, out = Path(data_dir).resolve(), Path(out).resolve()
    if audit_out is not None:
        audit_out = Path(audit_out).resolve()
        if audit_out == out or out in audit_out.parents:
            raise YikatongError(f"--audit-out {audit_out} 在网站目录 {out} 之内：核对报告只给财政、审计人员，不能公开，请换一个位置。")
    province = load_province(data_dir)
    summary = ProvinceSummary(counties=len(province.counties), out=out, audit_out=audit_out, executor=executor)
    clock = _Clock(summary.timings)
    out.parent.mkdir(parents=True, exist_ok=True)
    state_dir = out.parent / f".{out.name}.province"
    state_dir.mkdir(exist_ok=True)
    store = county_store(out)
    store.mkdir(exist_ok=True)
    with clock.phase("state"):
        _clear_temporaries(state_dir)  # a build that was killed left them
        previous, previous_search = _read_state(state_dir)
        version = code_version(key)
        # trees the last build superseded (a changed county's previous tree) are removed
        # while the county tasks run, not on the swap's path
        cleaner = threading.Thread(target=_remove_all, args=(_retire(store, _trees(previous)),), daemon=True)
        cleaner.start()
    staging = out.parent / f".{out.name}.building-{os.getpid()}"
    shared = out.parent / f".{out.name}.shared-{os.getpid()}"
    for path in (staging, shared):
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir()
    results: list[dict[str, Any]] = []
    try:
        with clock.phase("fingerprints"), ThreadPoolExecutor(2) as pool:  # hashing releases the GIL
            prints = list(pool.map(lambda c: fingerprint(c.data_dir, as_of, version), province.counties))
        keep = [_keepable(c.code, now, previous.get(c.code, {}), store, state_dir)
                for c, now in zip(province.counties, prints, strict=True)]
        early = {c.code: state_dir / f".{c.code}-{os.getpid()}.search.json" for c in province.counties}
        with clock.phase("executor"), open_executor(executor) as ex, ThreadPoolExecutor(1) as side:
            from generator.core.county import load_county
            from generator.province import search as province_search

            models = side.submit(lambda: [load_county(c.data_dir) for c in province.counties])
            # the biggest counties first, so that the last to finish are small ones; then the
            # counties that are kept (their trees checked against the recorded digest)
            todo = sorted((n for n in range(len(keep)) if not keep[n]),
                          key=lambda n: (-_data_size(province.counties[n].data_dir), n))
            order = todo + [n for n in range(len(keep)) if keep[n]]
            shares = task_shares(len(todo), ex.slots, ex.cores) + [1] * (len(order) - len(todo))
            jobs = [(c.code, str(c.data_dir), str(store), previous.get(c.code, {}), as_of, version, key,
                     str(state_dir), prints[n], keep[n], share, str(early[c.code]))
                    for n, share in zip(order, shares, strict=True) for c in [province.counties[n]]]
            # a county's search part is written before its pages (``county_task``): on a
            # cluster the province search's term ranges start once every part is there,
            # on the workers the first counties to finish leave
            parts = [early[c.code] if not keep[n] else _part_path(state_dir, c.code, prints[n])
                     for n, c in enumerate(province.counties)]
            handles: list[Any] = []
            ranges: list[Any] = []
            try:
                with clock.phase("county tasks (wall)"):
                    handles = [ex.submit(county_task, job, PRELOAD) for job in jobs]
                    if ex.client is not None:
                        while not all(p.exists() for p in parts) and not all(h.done() for h in handles):
                            ex.wait([h for h in handles if not h.done()], timeout=0.2)
                        if all(p.exists() for p in parts):
                            ranges = _search_ranges(ex, shared, parts, province, previous_search, out)
                            started_ranges = time.perf_counter()
                            side.submit(province_search.load_parts, [str(p) for p in parts],
                                        [c.code for c in province.counties])
                    done = ex.gather(handles)
                if ranges:
                    summary.search_head_start = time.perf_counter() - started_ranges
                results = [r for _, r in sorted(zip(order, done, strict=True), key=lambda pair: pair[0])]
                failures = [(province.county(r["code"]), r["error"]) for r in results if r["error"]]
                if failures:
                    raise CountyFailed(failures)
                if not ranges:  # sync (or a part that was not there): the ranges run now
                    parts = [Path(r["part"]) for r in results]
                    with clock.phase("search ranges (here)"):
                        ranges = _search_ranges(ex, shared, parts, province, previous_search, out)
                # the checks run on the executor beside the search's ranges; the portal is written here
                checking = side.submit(_cross_county_checks, ex, [Path(r["digests"]) for r in results])
                from generator.province.portal import write_portal

                with clock.phase("portal"):
                    write_portal(province, shared, as_of, [r["figures"] for r in results])
                with clock.phase("province search"):
                    found = ex.gather(ranges)
                    if ex.client is not None:  # a long-lived cluster's workers keep no parts
                        ex.client.run(province_search.forget_parts)
                    summary.timings["search ranges"] = (0.0, sum(float(f["cpu"]) for f in found))
                    searched = province_search.finish_province_search(province, shared, parts,
                                                                      [f["shards"] for f in found],
                                                                      counties=models.result())
                    province_search.forget_parts()
            except BaseException:
                # a failed task does not stop the others: they end before the build removes
                # what they write into (the shared folder, the store, the state)
                ex.settle(handles + ranges)
                raise
            with clock.phase("leak scan (portal, search)"):
                _scan_shared(shared, searched.scanned)
            with clock.phase("cross-county checks (after the search)"):
                tables, summary.timings["cross-county checks"] = checking.result()
        summary.timings["counties"] = (0.0, sum(float(r["cpu"]) for r in results))
        summary.idle = _idle_share(results)
        first = min((r["span"][0] for r in results), default=0.0)
        for r in sorted(results, key=lambda r: r["span"][0]):
            log.debug("县任务 %s（%s）：%.1f–%.1f 秒，CPU %.1f 秒%s", r["code"], r["worker"], r["span"][0] - first,
                      r["span"][1] - first, r["cpu"], "，重新生成" if r["rebuilt"] else "")
        summary.check_seconds = summary.timings["cross-county checks"][0]
        summary.records = sum(int(r["checked"]) for r in results)
        summary.findings = {k: checks.case_count(t) for k, t in tables.items()}
        summary.search_reused, summary.search_built = searched.reused, searched.built
        log.info(checks.summary_line(tables))
        for entry in sorted(shared.iterdir()):
            entry.rename(staging / entry.name)
        for r in results:  # OUT/<code> → the county's tree in the store
            (staging / r["code"]).symlink_to(os.path.relpath(store / r["tree"], staging))
        with clock.phase("swap"):
            swap_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_all([store / t for t in {r.get("tree", "") for r in results if r.get("tree")} - _trees(previous)])
        raise
    finally:
        shutil.rmtree(shared, ignore_errors=True)
        _clear_temporaries(state_dir)  # the early parts; what a killed task left
        cleaner.join()
    from generator.publish.ledger import write_text_atomic

    with clock.phase("ledgers, state, report"):
        for r in results:
            for path, text in sorted(r["pending"].items()):
                write_text_atomic(Path(path), text)
            (summary.rebuilt if r["rebuilt"] else summary.kept).append(r["code"])
        _write_state(state_dir, results, searched.shards)
        if audit_out is not None:
            checks.write_report(tables, audit_out, province.name, summary.records)
    summary.seconds = time.perf_counter() - started
    for line in summary.timing_lines():
        log.info("省级构建用时：%s", line)
    return summary


PRELOAD = ("generator.build", "generator.province.search", "generator.province.portal", "pyarrow.parquet")


def _search_ranges(ex: Any, shared: Path, parts: list[Path], province: Province,
                   previous: dict[str, list[Any]], previous_out: Path) -> list[Any]:
    """The province search's term ranges, started on the executor (``search.search_range``)."""
    from generator.province.search import load_parts, range_jobs, search_range

    codes = [c.code for c in province.counties]
    jobs = range_jobs(shared, parts, codes, previous, previous_out)
    warm = (load_parts, ([str(p) for p in parts], codes))  # read once per worker
    return [ex.submit(range_task, (search_range, *job), PRELOAD, warm=warm) for job in jobs]


def range_task(fn: Any, *job: Any) -> dict[str, Any]:
    """A term range of the province search (`fn`: ``search.search_range``), with its CPU."""
    cpu = _cpu_seconds()
    shards = fn(*job)
    return {"shards": shards, "cpu": _cpu_seconds() - cpu}


def _clear_temporaries(state_dir: Path) -> None:
    """A build's temporary files in its state folder (``.<name>``): the counties' early
    search parts, and what a task that was killed left. Only one build runs per OUT."""
    for path in state_dir.glob(".*"):
        if path.is_file():
            path.unlink(missing_ok=True)


def _part_path(state_dir: Path, code: str, fingerprint: str) -> Path:
    return state_dir / f"{code}-{fingerprint[:20]}.search.json"


def _idle_share(results: list[dict[str, Any]]) -> float:
    spans = [r["span"] for r in results if "span" in r]
    if not spans:
        return 0.0
    workers = {r["worker"] for r in results}
    whole = (max(end for _, end in spans) - min(start for start, _ in spans)) * len(workers)
    busy = sum(end - start for start, end in spans)
    return max(0.0, 1 - busy / whole) if whole > 0 else 0.0


def _keepable(code: str, now: str, previous: dict[str, str], store: Path, state_dir: Path) -> bool:
    """Same fingerprint as the last build, and its tree and cached task results are there
    (the task then checks the tree's bytes against the recorded digest)."""
    stem = state_dir / f"{code}-{now[:20]}"
    return (now == previous.get("fingerprint") and (store / f"{code}-{previous.get('output', '')[:16]}").is_dir()
            and Path(f"{stem}.digests.parquet").exists() and Path(f"{stem}.search.json").exists())


def _data_size(data_dir: Path) -> int:
    return sum(p.stat().st_size for p in Path(data_dir).rglob("*") if p.is_file())


def task_shares(tasks: int, slots: int, cores: int) -> list[int]:
    """How many processes each county build may fork into, in the order the tasks start.

    Counties built side by side share the cores (one each when there are more counties
    than workers). The last ``slots - 1`` tasks start while the other workers are finishing
    their last counties and run on alone after them: they may fork into every core, so the
    build's tail is not one county on one core while the others idle.
    """
    if tasks <= 0:
        return []
    if tasks <= slots:
        return [max(1, cores // tasks)] * tasks
    tail = slots - 1
    return [max(1, cores // slots)] * (tasks - tail) + [cores] * tail


def county_store(out: Path) -> Path:
    """Where the counties' trees live: beside OUT, one directory per content digest."""
    return out.parent / f".{out.name}.counties"


def _trees(state: dict[str, dict[str, str]]) -> set[str]:
    return {f"{code}-{entry['output'][:16]}" for code, entry in state.items() if entry.get("output")}


def _retire(store: Path, live: set[str]) -> list[Path]:
    """Rename every tree of the store that OUT does not link to (superseded, or left by a
    build that failed) out of the way; → the directories to remove."""
    doomed = []
    for entry in sorted(store.iterdir()):
        if entry.name.startswith(".trash-"):
            doomed.append(entry)
        elif entry.name not in live:
            trash = store / f".trash-{entry.name}-{os.getpid()}"
            entry.rename(trash)
            doomed.append(trash)
    return doomed


def _remove_all(paths: list[Path]) -> None:
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


def _cross_county_checks(ex: Any, digests: list[Path]) -> tuple[dict[str, Any], tuple[float, float]]:
    """The checks and their (wall, CPU of the thread) seconds."""
    wall, cpu = time.perf_counter(), time.thread_time()
    with ex.dataframes():
        tables = checks.report_tables(checks.cross_county_frames(digests))
    return tables, (time.perf_counter() - wall, time.thread_time() - cpu)


def _scan_shared(shared: Path, taken: set[Path]) -> None:
    """The leak scan over what the province step wrote (portal, search). Each county's tree
    was scanned by its own build (with that county's input values) or, kept, is the tree a
    scan passed: same content digest (``county_task``); so are the search shards taken from
    the last build (same sha256 as recorded then) — so every byte of OUT is scanned."""
    from generator.privacy.scan import scan_site

    leaks = scan_site(shared, skip=taken)
    if leaks:
        raise LeakFound([str(f) for f in leaks])


def county_task(code: str, data_dir: str, store: str, previous: dict[str, str], as_of: dt.date,
                version: str, key: bytes, state_dir: str, now: str, keep: bool, workers: int,
                early: str = "") -> dict[str, Any]:
    """Keep or build one county's site and write its digests; never raises.

    `keep`: the county's fingerprint `now` (inputs, code, ``--as-of``) equals the last
    build's (``_keepable``); it is kept if its tree in the store still has the content digest
    recorded when that tree was built and scanned, so nothing changed it since. Otherwise it
    is built, into a new tree of the store named by its digest, forking into up to `workers`
    processes (``YIKATONG_WORKERS``; ``task_shares``). Everything the province steps need
    later (digests, search part, the portal's figures) is made here, in parallel with the
    other counties. A built county's search part is written to `early` as soon as its rows
    are known, before its pages: the province search may start on it meanwhile.
    """
    cpu, began = _cpu_seconds(), time.time()
    result: dict[str, Any] = {"code": code, "error": "", "rebuilt": False, "pending": {}, "checked": 0,
                              "worker": os.environ.get(WORKER_ID_ENV) or f"{socket.gethostname()}:{os.getpid()}"}
    try:
        state, trees = Path(state_dir), Path(store)
        digests, part = state / f"{code}-{now[:20]}.digests.parquet", _part_path(state, code, now)
        tree = f"{code}-{previous.get('output', '')[:16]}"
        kept = keep and tree_digest(trees / tree) == previous.get("output")
        if kept:
            result.update(fingerprint=now, output=previous["output"])
        else:
            import pandas as pd

            from generator.build import build_site
            from generator.province.search import county_part, write_part

            site = trees / f".{code}-building-{os.getpid()}"
            shutil.rmtree(site, ignore_errors=True)
            tmp_listed = state / f".{code}-{os.getpid()}.listed.parquet"
            tmp_digests = state / f".{code}-{os.getpid()}.digests.parquet"

            tmp_part = Path(early) if early else state / f".{code}-{os.getpid()}.search.json"
            county: list[Any] = []

            def write_digests(validated: Any) -> None:  # raw numbers stay in this task
                county.append(validated.county)
                checks.county_digests(code, validated, key).to_parquet(tmp_digests, index=False)

            def write_search_part() -> None:  # the rows the county's own search holds
                write_part(tmp_part, county_part(county[0], pd.read_parquet(tmp_listed)))

            # files whose inputs did not change are taken from the county's last tree
            # (``core.reuse``; the record says which, and with what bytes)
            last = trees / f"{code}-{previous.get('output', '')[:16]}"
            with _worker_processes(max(1, workers)):
                built = build_site(Path(data_dir), site, as_of=as_of, record=False, listed_out=tmp_listed,
                                   on_validated=write_digests, previous=last if last.is_dir() else None,
                                   reuse_record=state / f"{code}.reuse.json", on_listed=write_search_part)
            after = fingerprint(Path(data_dir), as_of, version, overlay=built.pending)
            digests = state / f"{code}-{after[:20]}.digests.parquet"
            part = _part_path(state, code, after)
            _link(tmp_part, part)  # the early part may be being read: it stays until the build ends
            if not early:
                tmp_part.unlink()
            os.replace(tmp_listed, state / f"{code}-{after[:20]}.listed.parquet")  # the rows the part was made from
            os.replace(tmp_digests, digests)
            output = tree_digest(site)
            tree = f"{code}-{output[:16]}"
            if (trees / tree).is_dir():  # the same bytes as a tree already there (a revert)
                shutil.rmtree(trees / tree)
            site.rename(trees / tree)
            result.update(fingerprint=after, rebuilt=True, pending=built.pending, output=output)
        import pyarrow.parquet as pq

        from generator.province.portal import county_figures

        result.update(digests=str(digests), part=str(part), tree=tree,
                      checked=pq.ParquetFile(digests).metadata.num_rows, figures=county_figures(trees / tree))
    except YikatongError as exc:
        result["error"] = _first_lines(str(exc) or exc.__class__.__name__)
        problems = getattr(exc, "problems", None)
        if problems:
            result["error"] = _first_lines("\n".join(str(p) for p in problems))
    except Exception as exc:  # a county's failure is reported with its name, never half-published
        result["error"] = f"{exc.__class__.__name__}: {_first_lines(str(exc))}"
    result["cpu"] = _cpu_seconds() - cpu
    result["span"] = (began, time.time())
    return result


def _link(source: Path, target: Path) -> None:
    """`target` becomes a second name of `source` (a copy where links are not supported)."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        os.link(source, tmp)
    except OSError:
        shutil.copyfile(source, tmp)
    os.replace(tmp, target)


@contextmanager
def _worker_processes(n: int) -> Iterator[None]:
    before = os.environ.get(WORKERS_ENV)
    os.environ[WORKERS_ENV] = str(n)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(WORKERS_ENV, None)
        else:
            os.environ[WORKERS_ENV] = before


def tree_digest(root: Path) -> str:
    """Content digest of a tree: every file's relative path and bytes."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        with path.open("rb") as fh:
            h.update(str(path.relative_to(root)).encode() + b"\0" + hashlib.file_digest(fh, "sha256").digest())
    return h.hexdigest()


def _first_lines(text: str, n: int = 5) -> str:
    lines = text.strip().splitlines()
    more = f"\n（另有 {len(lines) - n} 行）" if len(lines) > n else ""
    return "\n".join(lines[:n]) + more


def fingerprint(data_dir: Path, as_of: dt.date, version: str, overlay: dict[str, str] | None = None) -> str:
    """What a county's output depends on: every file of its data tree, ``--as-of``, the code."""
    overlay = {str(Path(p).resolve()): t for p, t in (overlay or {}).items()}
    h = hashlib.sha256(f"{version}\n{as_of.isoformat()}\n".encode())
    files = {str(p.resolve()): p for p in sorted(data_dir.rglob("*")) if p.is_file()}
    for path in sorted(set(files) | set(overlay)):
        data = overlay[path].encode("utf-8") if path in overlay else Path(path).read_bytes()
        h.update(os.path.relpath(path, data_dir.resolve()).encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


def code_version(key: bytes) -> str:
    """The generator's own files (code, templates, assets, followed through their links) and
    the libraries that shape its output (``core.reuse.code_digest``), and the audit key's tag."""
    from generator.core.reuse import code_digest

    return hashlib.sha256(hmac.new(key, b"yikatong-province", hashlib.sha256).digest()
                          + code_digest().encode()).hexdigest()


def _read_state(state_dir: Path) -> tuple[dict[str, dict[str, str]], dict[str, list[Any]]]:
    """{county code: {"fingerprint": …, "output": content digest of its scanned tree}}, and
    the province search's shards (``ProvinceSearch.shards``) of the last build."""
    path = state_dir / STATE_FILE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        counties = {str(code): {str(k): str(v) for k, v in entry.items()} for code, entry in state["counties"].items()}
    except (OSError, ValueError, KeyError, AttributeError):
        return {}, {}
    shards = state.get("search") if isinstance(state.get("search"), dict) else {}
    return counties, shards


def _write_state(state_dir: Path, results: list[dict[str, Any]], search: dict[str, list[Any]]) -> None:
    keep = {name for r in results for name in (Path(r["digests"]).name, Path(r["part"]).name,
                                                Path(r["part"]).name.replace(".search.json", ".listed.parquet"))}
    for path in [*state_dir.glob("*.parquet"), *state_dir.glob("*.search.json")]:
        if path.name not in keep:
            path.unlink(missing_ok=True)
    counties = {r["code"]: {"fingerprint": r["fingerprint"], "output": r["output"]} for r in results}
    tmp = state_dir / f".{STATE_FILE}.{os.getpid()}"
    tmp.write_text(json.dumps({"counties": counties, "search": search}, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, state_dir / STATE_FILE)


__all__ = ["build_province", "ProvinceSummary", "Province"]
