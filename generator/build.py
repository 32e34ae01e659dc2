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
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import urls
from .county import County
from .downloads import download_files, write_downloads
from .errors import InvalidInput, LeakFound, YikatongError
from .load import Batch
from .mask import mask_records
from .render import BatchView, PageWriter, RenderStats, make_env, narrative_pages, render_data_pages
from .scan import scan_site
from .site import extract_shells, mkdocs_build, write_docs
from .validate import validate_data

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
MKDOCS_CONFIG = REPO_ROOT / "mkdocs.yml"


@dataclass
class BuildSummary:
    batches: int = 0
    records: int = 0
    pages: int = 0
    bytes: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    out: Path = Path("site")

    def line(self) -> str:
        return (f"构建完成：{self.batches} 个批次，{self.records} 条记录，{self.pages} 个页面，"
                f"{self.bytes / 1e6:.1f} MB，{self.seconds:.1f} 秒，{len(self.warnings)} 个警告 → {self.out}")


def build_site(data_dir: Path, out: Path, as_of: dt.date | None = None, src_dir: Path | None = None) -> BuildSummary:
    """Build the whole site from `data_dir` into `out` (atomically)."""
    started = time.perf_counter()
    as_of = as_of or dt.date.today()
    data_dir, out = Path(data_dir), Path(out)
    summary = BuildSummary(out=out)
    result = validate_data(data_dir, as_of=as_of)
    if result.problems:
        raise InvalidInput(result.problems)
    county = result.county
    assert county is not None  # no problems means the county loaded
    summary.warnings.extend(result.warnings)
    _log_findings(result.records, county, as_of, summary)

    published = [b for b in result.batches if str(b.meta.get("status", "paid")) != "withdrawn"]
    published_ids = {b.id for b in published}
    records = result.records[result.records["batch_id"].isin(published_ids)]
    public = mask_records(records, county)
    views = {b.id: _batch_view(b, county, as_of) for b in published}
    summary.batches, summary.records = len(published), len(public)

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.building-{os.getpid()}"
    own_src = src_dir is None
    src = Path(src_dir) if src_dir is not None else out.parent / f".{out.name}.src-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        _render_all(public, county, views, as_of, src, tmp, summary)
        findings = scan_site(tmp, sensitive=result.sensitive_values)
        if findings:
            raise LeakFound([str(f) for f in findings])
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if own_src:
            shutil.rmtree(src, ignore_errors=True)
    summary.seconds = time.perf_counter() - started
    for warning in summary.warnings:
        log.warning("警告：%s", warning)
    return summary


def _render_all(public: pd.DataFrame, county: County, views: dict[str, BatchView], as_of: dt.date,
                src: Path, tmp: Path, summary: BuildSummary) -> None:
    env = make_env()
    downloads = download_files(public, county)
    pages = narrative_pages(env, public, county, views, as_of, downloads)
    pages.update(_service_pages(env, county))
    t = time.perf_counter()
    write_docs(src / "docs", pages)
    mkdocs_build(MKDOCS_CONFIG, src / "docs", tmp, county.title, _nav(county, pages))
    shells = extract_shells(tmp)
    log.info("主题页面：%d 个（mkdocs-material，%.1f 秒）", len(pages), time.perf_counter() - t)
    t = time.perf_counter()
    stats = RenderStats()
    render_data_pages(env, PageWriter(tmp, shells, stats), public, county, views, set())
    log.info("数据页面：%d 个（%.1f 秒）", stats.pages, time.perf_counter() - t)
    t = time.perf_counter()
    write_downloads(public, county, tmp)
    _write_json(tmp / "data" / "batches.json", [_batch_json(v, county) for v in sorted(views.values(), key=lambda v: v.id)])
    log.info("下载和数据文件：%.1f 秒", time.perf_counter() - t)
    summary.pages = stats.pages + len(pages)
    summary.bytes = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())


def _service_pages(env: Any, county: County) -> dict[str, tuple[str, str]]:
    """Pages whose bodies come from other parts (search, complaints, guide)."""
    pages: dict[str, tuple[str, str]] = {}
    for rel, title, template in (
        ("search/index.md", "查询补贴", "search.html.j2"),
        ("complaint/index.md", "我要反映", "complaints/form.html.j2"),
        ("track/index.md", "办理查询", "complaints/status.html.j2"),
    ):
        try:
            body = env.get_template(template).render(county=county, programs=county.programs)
        except Exception as exc:  # a part not yet present must not break the build
            log.warning("页面 %s 暂不可用：%s", rel, exc)
            body = "<p>本功能正在建设中。</p>"
        pages[rel] = (title, f'<div markdown="0">\n{body}\n</div>')
    guide = REPO_ROOT / "docs_src" / "guide.md"
    if guide.exists():
        pages["guide/index.md"] = ("报送指南", guide.read_text(encoding="utf-8"))
    return pages


def _nav(county: County, pages: dict[str, tuple[str, str]]) -> list[Any]:
    programs = sorted(county.programs.values(), key=lambda p: (p.category, p.code))
    nav: list[Any] = [{"首页": "index.md"}, {"查询": "search/index.md"},
                      {"补贴政策": ["policies/index.md"] + [f"programs/{p.code}/index.md" for p in programs]},
                      {"乡镇": "t/index.md"}]
    public_pages = [p for p in ("timeliness/index.md", "stats/index.md", "downloads/index.md") if p in pages]
    nav.append({"公开": public_pages})
    nav.append({"我要反映": ["complaint/index.md", "track/index.md"]})
    for extra, label in (("guide/index.md", "报送指南"), ("privacy/index.md", "隐私保护")):
        if extra in pages:
            nav.append({label: extra})
    return nav


def _batch_view(batch: Batch, county: County, as_of: dt.date) -> BatchView:
    program = county.programs[batch.program]
    title = str(batch.meta.get("title") or f"{batch.meta.get('period', '')} {program.name}发放名单")
    produced = batch.date("produced_on")
    return BatchView(id=batch.id, program=batch.program, title=title,
                     produced_on=produced.isoformat() if produced else "",
                     published_on=as_of.isoformat(), status=str(batch.meta.get("status", "paid")))


def _batch_json(view: BatchView, county: County) -> dict[str, Any]:
    return {"id": view.id, "program": view.program, "department": county.programs[view.program].department,
            "produced_on": view.produced_on, "first_published": view.published_on, "status": view.status}


def _log_findings(records: pd.DataFrame, county: County, as_of: dt.date, summary: BuildSummary) -> None:
    try:
        from .audit import audit_findings
    except ImportError:
        return
    findings = audit_findings(records, county, as_of)
    log.info(findings.summary_line())


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n", encoding="utf-8")


def _swap(tmp: Path, out: Path) -> None:
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)


__all__ = ["build_site", "BuildSummary", "YikatongError", "urls"]
