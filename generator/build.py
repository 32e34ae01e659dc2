"""``yikatong build``: the one place that runs the stages in order.

load → validate → cross-check → mask → render → index → site → scan, then an atomic swap:
on any failure the previous ``--out`` is left untouched and nothing is half-published.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from generator.checks.audit import audit_findings
from generator.core import urls
from generator.core.county import County
from generator.core.errors import InvalidInput, LeakFound, YikatongError
from generator.core.paths import MKDOCS_CONFIG
from generator.core.reuse import Reuse, record_path
from generator.core.workdays import WorkCalendar
from generator.ingest.load import Batch
from generator.ingest.validate import ValidationResult, validate_data
from generator.privacy.mask import mask_records
from generator.privacy.provenance import locate_finding
from generator.privacy.scan import scan_site
from generator.publish.ledger import (
    Publication,
    format_ledger,
    ledger_path,
    plan_publication,
    read_ledger,
    write_ledger,
)
from generator.publish.retention import drop_small_groups, hidden_in_old_versions, small_groups
from generator.publish.revisions import (
    SnapshotStore,
    old_version,
    revision_notes,
)
from generator.publish.timeliness import (
    batch_rows,
    calendar_warnings,
    complaint_href,
    due_batches,
    notice_state,
)
from generator.render.downloads import download_files, write_downloads
from generator.render.env import environment
from generator.render.govsite import mkdocs_extra
from generator.render.notices import (
    render_notice_banner,
    render_revision_notice,
    render_timeliness_page,
)
from generator.render.pages import (
    BatchView,
    PageWriter,
    RenderStats,
    narrative_pages,
    render_data_pages,
    render_old_version,
)
from generator.render.statistics import build_stats, stats_json
from generator.render.stats import render_budget_page, render_stats_page
from generator.render.template import render_guide, write_templates
from generator.search.index import build_search_index
from generator.site.mkdocs import extract_shells, mkdocs_build, write_docs

log = logging.getLogger(__name__)



@dataclass
class BuildSummary:
    batches: int = 0
    records: int = 0
    pages: int = 0
    bytes: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    out: Path = Path("site")
    pending: dict[str, str] = field(default_factory=dict)  # record=False: files still to write
    reused: int = 0  # files taken unchanged from the previous build (inputs and bytes the same)

    def line(self) -> str:
        reused = f"（{self.reused} 个文件未变，沿用上次构建）" if self.reused else ""
        return (f"构建完成：{self.batches} 个批次，{self.records} 条记录，{self.pages} 个页面{reused}，"
                f"{self.bytes / 1e6:.1f} MB，{self.seconds:.1f} 秒，{len(self.warnings)} 个警告 → {self.out}")


def build_site(data_dir: Path, out: Path, as_of: dt.date | None = None, src_dir: Path | None = None,
               record: bool = True, listed_out: Path | None = None,
               on_validated: Callable[[ValidationResult], None] | None = None,
               previous: Path | None = None, reuse_record: Path | None = None,
               on_listed: Callable[[], None] | None = None) -> BuildSummary:
    """Build the whole site from `data_dir` into `out` (atomically).

    `src_dir` (tests only) keeps the mkdocs sources somewhere else; by default they are in
    the build's temporary directory and removed with it.

    Also keeps ``data/ledger.csv`` and the masked snapshots under ``data/published/`` —
    written only after the new site is in place. With ``record=False`` they are not written
    but returned in ``summary.pending`` ({path: text}) for a caller that publishes several
    sites at once (``yikatong province build``), which also asks for the rows the search
    index holds (masked, as pages show them) in `listed_out` (parquet). Intermediate files (the mkdocs sources) go
    to a fresh temporary directory unless `src_dir` is given, so builds never collide.
    `on_validated` is called with the validation result (the province's cross-county digests
    are made from it, so a county's data is read and validated once); `on_listed`, once
    `listed_out` is written, before any page is rendered (the province search starts on it).

    Files whose inputs did not change are taken from the `previous` tree (default: `out`, when
    it exists) instead of being rendered (``generator.core.reuse``): data and print pages,
    downloads, the Excel templates. `reuse_record` is the file describing the previous tree
    (input digest and sha256 of each such file) and, once the build succeeded, the new one
    (default ``.<out name>.reuse.json`` beside `out`; with ``record=False`` there is no default:
    nothing is reused or recorded unless the caller says where, since `out` may lie inside a
    tree the caller publishes). The output is byte for byte a cold build's; ``summary.reused``
    counts the files taken.
    """
    started = time.perf_counter()
    as_of = as_of or dt.date.today()
    data_dir, out = Path(data_dir), Path(out)
    previous = Path(previous) if previous is not None else out
    if reuse_record is None and record:
        reuse_record = record_path(out)
    summary = BuildSummary(out=out)
    result = validate_data(data_dir, as_of=as_of)
    if result.problems:
        raise InvalidInput(result.problems)
    county = result.county
    assert county is not None  # no problems means the county loaded
    summary.warnings.extend(result.warnings)
    if on_validated is not None:
        on_validated(result)
    _log_findings(result.records, county, as_of, result.batches)

    calendar = WorkCalendar.from_data(data_dir, strict=False)
    publication = plan_publication(result.batches, read_ledger(data_dir), as_of, county=county)
    log.info(publication.summary())
    public_all = mask_records(result.records, county)
    store = SnapshotStore(data_dir, county)
    store.stage_current(result.batches, public_all, publication.snapshot_ids)
    state = _PublishState(result.batches, publication, store, county, calendar, as_of, public_all)
    summary.batches, summary.records = len(state.visible_ids), len(state.shown)
    if listed_out is not None:
        state.listed.to_parquet(listed_out, index=False)
        if on_listed is not None:  # before the pages are rendered
            on_listed()

    out.parent.mkdir(parents=True, exist_ok=True)
    # every intermediate file (mkdocs sources, the site being built) lives in one temporary
    # directory beside `out`: a refused or failed build removes it whole, nothing is left over
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    tmp, src = work / "site", Path(src_dir) if src_dir is not None else work / "src"
    try:
        reuse = Reuse.open(tmp, previous, reuse_record, context=[county])
        _render_all(state, data_dir, src, tmp, summary, reuse)
        findings = scan_site(tmp, sensitive=result.sensitive_values)
        if findings:
            raise LeakFound([locate_finding(f, tmp, result) for f in findings])
        swap_into_place(tmp, out)
        if reuse_record is not None:
            reuse.save(reuse_record)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if record:
        store.commit()
        write_ledger(data_dir, publication.ledger)
    else:
        summary.pending = {**store.pending(), str(ledger_path(data_dir)): format_ledger(publication.ledger)}
    summary.warnings.extend(calendar_warnings(calendar))
    summary.seconds = time.perf_counter() - started
    for warning in summary.warnings:
        log.warning("警告：%s", warning)
    return summary


class _PublishState:
    """Everything the pages need about what is published today, computed once."""

    def __init__(self, batches: list[Batch], publication: Publication, store: SnapshotStore, county: County,
                 calendar: WorkCalendar, as_of: dt.date, public_all: pd.DataFrame):
        self.county, self.calendar, self.as_of, self.store = county, calendar, as_of, store
        self.publication = publication
        self.batches = {b.id: b for b in batches}
        self.visible_ids = set(publication.visible)
        self.shown = public_all[public_all["batch_id"].isin(self.visible_ids)]
        self.rows = batch_rows(batches, publication.ledger, county, calendar, as_of)
        self.views = {b: self._view(self.batches[b]) for b in sorted(self.visible_ids)}
        self.revisions = {b: revision_notes(b, publication.ledger, store, county, calendar)
                          for b in sorted(self.visible_ids)}
        # a group small in any version (today's or an earlier one) shows totals only in every
        # version: a correction that shrinks it must not leave its old full list readable
        self.hidden = small_groups(self.shown, county) | hidden_in_old_versions(store, self.revisions, county)
        self.listed = drop_small_groups(self.shown, self.hidden)  # search and downloads
        self.due = due_batches(batches, publication.ledger, county, calendar, as_of)

    def _view(self, batch: Batch) -> BatchView:
        program = self.county.programs[batch.program]
        title = str(batch.meta.get("title") or f"{batch.meta.get('period', '')} {program.name}发放名单")
        produced = batch.date("produced_on")
        first = self.publication.ledger.first_published(batch.id) or self.as_of
        notice = notice_state(batch, self.calendar, self.as_of)
        return BatchView(id=batch.id, program=batch.program, title=title,
                         produced_on=produced.isoformat() if produced else "",
                         published_on=first.isoformat(), status=str(batch.meta.get("status", "paid")),
                         notice_period=(notice.start.isoformat(), notice.end.isoformat()) if notice else None)

    def place_extras(self, batch_id: str, township: str, village: str, url: str) -> tuple[str, str]:
        """Notice banner and 更正说明 for one batch on one village's page."""
        batch = self.batches[batch_id]
        program = self.county.programs[batch.program]
        department = self.county.departments[program.department]
        notice = render_notice_banner(
            notice_state(batch, self.calendar, self.as_of),
            complaint_href(urls.relative(url, urls.COMPLAINT_URL), program.code, township, village),
            program_name=program.name, department_name=department.short_name, phone=department.phone)
        revisions = [r.for_place(township, village) for r in self.revisions.get(batch_id, [])]
        revision = render_revision_notice(revisions, hidden=self.hidden, program_name=program.name,
                                          version_href=lambda r: f"v/{r.old_hash}/") if revisions else ""
        return notice, revision


def _render_all(state: _PublishState, data_dir: Path, src: Path, tmp: Path, summary: BuildSummary,
                reuse: Reuse) -> None:
    county, as_of = state.county, state.as_of
    env = environment()
    downloads = download_files(state.listed, county)
    stats = build_stats(state.shown, county, state.rows)
    pages = narrative_pages(env, state.shown, county, state.views, as_of, downloads,
                            deadlines=[d.line() for d in state.due])
    pages.update(_service_pages(env, county))
    pages["timeliness/index.md"] = ("公开及时性", _raw(render_timeliness_page(state.rows, county)))
    pages["stats/index.md"] = ("统计", _raw(render_stats_page(stats, county)))
    pages["stats/budget/index.md"] = ("预算执行", _raw(render_budget_page(stats, county)))
    pages["guide/index.md"] = ("报送指南", render_guide(county, "templates/"))
    t = time.perf_counter()
    write_docs(src / "docs", pages)
    mkdocs_build(MKDOCS_CONFIG, src / "docs", tmp, county.title, _nav(county, pages),
                 extra=mkdocs_extra(county, pages, state.views, as_of))
    shells = extract_shells(tmp)
    log.info("主题页面：%d 个（mkdocs-material，%.1f 秒）", len(pages), time.perf_counter() - t)
    t = time.perf_counter()
    render_stats = RenderStats()
    writer = PageWriter(tmp, shells, render_stats, reuse)
    render_data_pages(env, writer, state.shown, county, state.views, state.hidden, state.place_extras)
    _render_old_versions(env, writer, state)
    log.info("数据页面：%d 个（其中 %d 个未变，沿用上次构建；%.1f 秒）", render_stats.pages,
             render_stats.reused_pages, time.perf_counter() - t)
    t = time.perf_counter()
    write_downloads(state.listed, county, tmp, reuse)
    write_templates(data_dir, tmp / "guide" / "templates", reuse)
    _write_json(tmp / "data" / "batches.json", state.rows)
    (tmp / "data" / "stats.json").write_text(stats_json(stats), encoding="utf-8")
    log.info("下载和数据文件：%.1f 秒", time.perf_counter() - t)
    search = build_search_index(state.listed, county, tmp, reuse=reuse)
    summary.pages = render_stats.pages + len(pages)
    summary.reused = reuse.reused
    summary.bytes = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())
    log.info("搜索：%d 个分片", search.shards)


def _render_old_versions(env: Any, writer: PageWriter, state: _PublishState) -> None:
    """Each earlier version of a corrected batch stays readable, village by village."""
    for batch_id, revisions in state.revisions.items():
        for revision in revisions:
            if not revision.available:
                continue
            old = old_version(state.store, batch_id, revision.old_hash)
            if old is None or old.empty:
                continue
            hidden = small_groups(old, state.county) | state.hidden
            banner = (f'<div class="admonition warning"><p class="admonition-title">旧版本</p>'
                      f"<p>这是本批名单在 {revision.changed_on.isoformat()} 更正之前的版本，仅供查阅比对。"
                      f"现行名单以上一级页面为准。</p></div>")
            for (township, village, program, year), frame in old.groupby(["township", "village", "program", "year"]):
                if state.county.township(str(township)) is None:
                    continue
                base = urls.records_url(state.county, str(township), str(village), str(program), str(year))
                render_old_version(env, writer, state.county, frame, state.views[batch_id],
                                   f"{base}v/{revision.old_hash}/", banner,
                                   (str(township), str(village), str(program), str(year)) in hidden)


def _raw(html: str) -> str:
    return f'<div markdown="0">\n{html}\n</div>'


def _service_pages(env: Any, county: County) -> dict[str, tuple[str, str]]:
    """Pages whose bodies come from other parts (search, complaints); a failure fails the build."""
    pages: dict[str, tuple[str, str]] = {}
    for rel, title, template in (
        ("search/index.md", "查询补贴", "search.html.j2"),
        ("complaint/index.md", "我要反映", "complaints/form.html.j2"),
        ("track/index.md", "办理查询", "complaints/status.html.j2"),
    ):
        body = env.get_template(template).render(county=county, programs=county.programs)
        pages[rel] = (title, f'<div markdown="0">\n{body}\n</div>')
    return pages


def _nav(county: County, pages: dict[str, tuple[str, str]]) -> list[Any]:
    # program pages are linked from the policy list, not the navigation: every page carries the
    # navigation, so each entry costs bytes on thousands of pages
    nav: list[Any] = [{"首页": "index.md"}, {"查询": "search/index.md"},
                      {"补贴政策": "policies/index.md"},
                      {"乡镇": "t/index.md"}]
    public_pages = [p for p in ("timeliness/index.md", "stats/index.md", "downloads/index.md") if p in pages]
    nav.append({"公开": public_pages})
    nav.append({"我要反映": ["complaint/index.md", "track/index.md"]})
    for extra, label in (("guide/index.md", "报送指南"), ("privacy/index.md", "隐私保护")):
        if extra in pages:
            nav.append({label: extra})
    return nav


def _log_findings(records: pd.DataFrame, county: County, as_of: dt.date, batches: list[Batch]) -> None:
    """Cross-check findings never block publication: one summary line in the log."""
    log.info(audit_findings(records, county, as_of, batches=batches).summary_line())


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n", encoding="utf-8")


def swap_into_place(tmp: Path, out: Path) -> None:
    """Replace `out` by the finished tree `tmp` (same file system): two renames, then the old
    tree is removed; until the second rename the previous `out` is complete."""
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)


__all__ = ["build_site", "BuildSummary", "swap_into_place", "YikatongError", "urls"]
