"""``yikatong province build``: every county's site, the province portal and search, and the
cross-county checks, as one atomic publication.

1. One task per county (on the executor): a county whose data, the code and ``--as-of`` are
   unchanged since the last build (same *fingerprint*) keeps its previous output byte for
   byte (hard links); any other is built by ``generator.build.build_site`` into the new
   tree's ``<county code>/``, with its ledger and snapshots held back. The same task writes
   the county's keyed digests (``checks.county_digests``) and the rows its search shows.
2. Cross-county checks on ``dask.dataframe`` over the digests (``checks``).
3. The portal (``OUT/index.html``) and the province-wide search (``OUT/search/``).
4. The leak scan over every byte of the new tree, then the swap: ``OUT`` is replaced only
   when every county built and nothing leaked; then the held-back ledgers and snapshots are
   written and the fingerprints recorded. A failing county leaves ``OUT`` untouched.

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
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.core.errors import LeakFound, YikatongError
from generator.core.paths import PACKAGE_DIR
from generator.province import checks
from generator.province.executor import open_executor
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
    out: Path = Path("site")
    audit_out: Path | None = None

    def line(self) -> str:
        found = "，".join(f"{k} {v}" for k, v in self.findings.items())
        return (f"省级构建完成：{self.counties} 个县（重新生成 {len(self.rebuilt)} 个，沿用 {len(self.kept)} 个），"
                f"{self.records} 条记录，跨县核对：{found}，{self.seconds:.1f} 秒 → {self.out}")


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
    summary = ProvinceSummary(counties=len(province.counties), out=out, audit_out=audit_out)
    out.parent.mkdir(parents=True, exist_ok=True)
    state_dir = out.parent / f".{out.name}.province"
    state_dir.mkdir(exist_ok=True)
    previous = _read_state(state_dir)
    version = code_version(key)
    staging = out.parent / f".{out.name}.building-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        with open_executor(executor) as ex:
            jobs = [(c.code, str(c.data_dir), str(staging / c.code), str(out / c.code),
                     previous.get(c.code, ""), as_of, version, key, str(state_dir))
                    for c in province.counties]
            results = ex.map(county_task, jobs)
            failures = [(province.county(r["code"]), r["error"]) for r in results if r["error"]]
            if failures:
                raise CountyFailed(failures)
            t = time.perf_counter()
            with ex.dataframes():
                found = checks.cross_county_frames([Path(r["digests"]) for r in results])
            tables = checks.report_tables(found)
            summary.check_seconds = time.perf_counter() - t
        summary.records = sum(int(r["checked"]) for r in results)
        summary.findings = {k: checks.case_count(t) for k, t in tables.items()}
        log.info(checks.summary_line(tables))
        from generator.province.portal import write_portal
        from generator.province.search import write_province_search

        write_portal(province, staging, as_of)
        write_province_search(province, staging, [Path(r["listed"]) for r in results])
        from generator.privacy.scan import scan_site

        leaks = scan_site(staging)
        if leaks:
            raise LeakFound([str(f) for f in leaks])
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    from generator.publish.ledger import write_text_atomic

    for r in results:
        for path, text in sorted(r["pending"].items()):
            write_text_atomic(Path(path), text)
        (summary.rebuilt if r["rebuilt"] else summary.kept).append(r["code"])
    _write_state(state_dir, {r["code"]: r["fingerprint"] for r in results}, results)
    if audit_out is not None:
        checks.write_report(tables, audit_out, province.name, summary.records)
    summary.seconds = time.perf_counter() - started
    return summary


def county_task(code: str, data_dir: str, site: str, old_site: str, previous: str, as_of: dt.date,
                version: str, key: bytes, state_dir: str) -> dict[str, Any]:
    """Build (or keep) one county's site and write its digests; never raises."""
    started = time.perf_counter()
    result: dict[str, Any] = {"code": code, "error": "", "rebuilt": False, "pending": {}, "checked": 0}
    try:
        state = Path(state_dir)
        now = fingerprint(Path(data_dir), as_of, version)
        digests, listed = state / f"{code}-{now[:20]}.digests.parquet", state / f"{code}-{now[:20]}.listed.parquet"
        if now == previous and Path(old_site).is_dir() and digests.exists() and listed.exists():
            _link_tree(Path(old_site), Path(site))
            result.update(fingerprint=now)
        else:
            from generator.build import build_site

            tmp_listed = state / f".{code}-{os.getpid()}.listed.parquet"
            built = build_site(Path(data_dir), Path(site), as_of=as_of, record=False, listed_out=tmp_listed)
            after = fingerprint(Path(data_dir), as_of, version, overlay=built.pending)
            digests = state / f"{code}-{after[:20]}.digests.parquet"
            listed = state / f"{code}-{after[:20]}.listed.parquet"
            os.replace(tmp_listed, listed)
            frame = checks.county_digests(code, Path(data_dir), key, as_of)
            frame.to_parquet(digests, index=False)
            result.update(fingerprint=after, rebuilt=True, pending=built.pending)
        import pyarrow.parquet as pq

        result.update(digests=str(digests), listed=str(listed), checked=pq.ParquetFile(digests).metadata.num_rows,
                      seconds=time.perf_counter() - started)
    except YikatongError as exc:
        result["error"] = _first_lines(str(exc) or exc.__class__.__name__)
        problems = getattr(exc, "problems", None)
        if problems:
            result["error"] = _first_lines("\n".join(str(p) for p in problems))
    except Exception as exc:  # a county's failure is reported with its name, never half-published
        result["error"] = f"{exc.__class__.__name__}: {_first_lines(str(exc))}"
    return result


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
    """The generator's own files (code, templates, assets) and the audit key's tag."""
    h = hashlib.sha256(hmac.new(key, b"yikatong-province", hashlib.sha256).digest())
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            h.update(str(path.relative_to(PACKAGE_DIR)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _link_tree(src: Path, dst: Path) -> None:
    def link(a: str, b: str) -> None:
        try:
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)

    shutil.copytree(src, dst, copy_function=link)


def _read_state(state_dir: Path) -> dict[str, str]:
    path = state_dir / STATE_FILE
    try:
        return dict(json.loads(path.read_text(encoding="utf-8"))["fingerprints"])
    except (OSError, ValueError, KeyError):
        return {}


def _write_state(state_dir: Path, fingerprints: dict[str, str], results: list[dict[str, Any]]) -> None:
    keep = {Path(r["digests"]).name for r in results} | {Path(r["listed"]).name for r in results}
    for path in state_dir.glob("*.parquet"):
        if path.name not in keep:
            path.unlink(missing_ok=True)
    tmp = state_dir / f".{STATE_FILE}.{os.getpid()}"
    tmp.write_text(json.dumps({"fingerprints": fingerprints}, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, state_dir / STATE_FILE)


def _swap(tmp: Path, out: Path) -> None:
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)


__all__ = ["build_province", "ProvinceSummary", "Province"]
