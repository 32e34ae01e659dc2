"""Stage 5 — render: jinja2 templates → narrative pages (for mkdocs) and data pages.

Narrative pages (home, policy list, programs, townships index, downloads, forms) are
markdown with HTML written to ``site_src/docs`` for mkdocs-material. Data pages (township,
village, village × program × year) are HTML poured into the theme shell (see ``site.py``).
Everything here reads the *masked* public frame only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from jinja2 import Environment
from markupsafe import Markup

from generator.checks.budget import paid_mask
from generator.core import urls, vocab
from generator.core.county import County, Program
from generator.core.money import format_money, format_plain
from generator.core.reuse import Reuse, RowDigests, digest
from generator.render.govsite import page_meta
from generator.render.printable import PRINT_DIR, print_page, print_url, records_meta
from generator.site.mkdocs import Shell, page_depth

log = logging.getLogger(__name__)



@dataclass
class BatchView:
    """What pages show about one batch (filled by build from batch.yml, ledger, notices)."""

    id: str
    program: str
    title: str
    produced_on: str
    published_on: str = ""
    status: str = "paid"
    notice_period: tuple[str, str] | None = None  # 公示期 (start, end) of a notice
    notice_html: str = ""
    revision_html: str = ""


@dataclass
class RenderStats:
    pages: int = 0
    bytes: int = 0
    reused_pages: int = 0  # pages taken from the previous build (with their print pages)
    files: list[str] = field(default_factory=list)


class PageWriter:
    """Writes data pages into `out_dir` inside the shell of their depth, or takes a page whose
    inputs did not change from the previous build (`reuse`; the shells are part of every key)."""

    def __init__(self, out_dir: Path, shells: dict[int, Shell], stats: RenderStats, reuse: Reuse | None = None):
        self.out_dir = out_dir
        self.shells = shells
        self.stats = stats
        self.reuse = reuse if reuse is not None else Reuse(out_dir, None, {})
        self._shells_key = digest(sorted(shells.items()))

    def key(self, *parts: object) -> str:
        """The input digest of a page made from `parts` (with the code, the county, the shells)."""
        return self.reuse.key(self._shells_key, *parts)

    def take(self, key: str, url: str, *companions: str) -> bool:
        """The page at `url` and its `companions` (e.g. its print page) from the previous build."""
        before = self.reuse.reused_bytes
        if not self.reuse.take(key, [self._path(u) for u in (url, *companions)]):
            return False
        self.stats.pages += 1
        self.stats.reused_pages += 1
        self.stats.bytes += self.reuse.reused_bytes - before
        return True

    def write(self, url: str, title: str, body: str, meta: str = "", key: str = "") -> None:
        html = self.shells[page_depth(url)].render(title, body, meta)
        self.write_file(url, html, key)
        self.stats.pages += 1

    def write_file(self, url: str, html: str, key: str = "") -> None:
        """A standalone page (no shell) at `url`, e.g. a print page."""
        data = html.encode("utf-8")
        self.reuse.write(key, self._path(url), data)  # no key: recorded, never reused
        self.stats.bytes += len(data)

    def _path(self, url: str) -> Path:
        return self.out_dir / url / "index.html"


def objection_link(from_url: str, program: str, township: str, village: str) -> str:
    query = urlencode({"kind": "complaint", "program": program, "township": township, "village": village})
    return f"{urls.relative(from_url, urls.COMPLAINT_URL)}?{query}"


# (batch_id, township, village, page url) → (notice banner html, revision notice html)
PlaceExtras = Callable[[str, str, str, str], tuple[str, str]]


ROW_COLUMNS = ("ref", "batch_id", "name_shown", "id_shown", "card_shown", "group", "paid_on", "pay_status",
               "remark_shown")
# what a list page shows of its rows (``_row_dicts``), with the group's place, program and year
ROW_INPUTS = (*ROW_COLUMNS, "amount", "quantity", "standard", "township", "village", "program", "year")


def _row_dicts(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Every row as a dict of display strings, built column-wise (no per-row pandas access)."""
    columns = {c: frame[c].astype(str).tolist() for c in ROW_COLUMNS}
    columns["amount_text"] = frame["amount"].map(format_money).tolist()
    columns["qty_text"] = frame["quantity"].map(format_plain).tolist()
    columns["std_text"] = frame["standard"].map(format_plain).tolist()
    columns["amount"] = frame["amount"].astype(float).tolist()
    names = list(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def render_data_pages(env: Environment, writer: PageWriter, public: pd.DataFrame, county: County,
                      batches: dict[str, BatchView], totals_only: set[tuple[str, str, str, str]],
                      extras: PlaceExtras | None = None) -> None:
    """Township, village and village × program × year pages."""
    tpl = env.get_template("records.html.j2")
    public = public.reset_index(drop=True)
    rows = _row_dicts(public)
    groups = public.groupby(["township", "village", "program", "year"], sort=True).indices
    inputs = RowDigests(public, ROW_INPUTS)
    village_rows: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for done, ((township, village, program_code, year), positions) in enumerate(groups.items(), start=1):
        if done % 1000 == 0:
            log.info("  名单页面 %d / %d …", done, len(groups))
        program = county.programs[program_code]
        url = urls.records_url(county, township, village, program_code, year)
        group_rows = [rows[i] for i in positions]
        hidden = (township, village, program_code, year) in totals_only
        batch_ids = list(dict.fromkeys(r["batch_id"] for r in group_rows))
        placed = {b: extras(b, township, village, url) for b in batch_ids} if extras else {}
        # everything the page and its print page show: rows, batches, banners, the totals-only rule
        key = writer.key("records", url, inputs.of(positions), hidden,
                         [(batches[b], placed.get(b)) for b in batch_ids])
        if not writer.take(key, url, print_url(url)):
            writer.write(url, f"{village} {program.name} {year}年",
                         _records_body(tpl, url, county, program, township, village, year, group_rows, batches,
                                       hidden, placed, print_href=PRINT_DIR),
                         records_meta(county, program, village, year, group_rows, batches), key=key)
            writer.write_file(print_url(url), print_page(env, url, county, program, township, village, year,
                                                         group_rows, batches, hidden), key)
        village_rows.setdefault((township, village), []).append({
            "href": urls.relative(urls.village_url(county, township, village), url),
            "program_name": program.name, "year": year,
            "records": len(group_rows), "amount": sum(r["amount"] for r in group_rows),
        })
    _render_villages(env, writer, county, village_rows)
    _render_townships(env, writer, public, county)


def _records_body(tpl: Any, url: str, county: County, program: Program, township: str, village: str,
                  year: str, rows: list[dict[str, Any]], batches: dict[str, BatchView], totals_only: bool,
                  extras: dict[str, tuple[str, str]] | None = None, banner: str = "", print_href: str = "") -> str:
    """`extras`: each batch's notice banner and 更正说明 on this page (``PlaceExtras``)."""
    by_batch: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_batch.setdefault(row["batch_id"], []).append(row)
    batch_blocks = []
    for batch_id, batch_rows in by_batch.items():
        view = batches[batch_id]
        notice_html, revision_html = (extras or {}).get(batch_id, ("", ""))
        batch_blocks.append({
            "id": batch_id, "title": view.title, "produced_on": view.produced_on,
            "published_on": view.published_on, "notice_html": Markup(notice_html),
            "revision_html": Markup(revision_html),
            "rows": batch_rows, "total": sum(r["amount"] for r in batch_rows),
            "totals_only": totals_only, "min_group": program.disclosure.min_group,
        })
    batch_blocks.sort(key=lambda b: (b["produced_on"], b["id"]), reverse=True)
    department = county.departments[program.department]
    town = county.township(township)
    return tpl.render(
        root=urls.relative(url, ""), township=township, village=village, year=year, program=program,
        town_href=urls.relative(url, urls.township_url(county, township)),
        village_href=urls.relative(url, urls.village_url(county, township, village)),
        program_href=urls.relative(url, urls.program_url(program.code)),
        objection_href=objection_link(url, program.code, town.code if town else township, village),
        department=department, county=county, batches=batch_blocks,
        recipients=len(rows), total=sum(r["amount"] for r in rows), banner=Markup(banner),
        print_href=print_href,
    )


def render_old_version(env: Environment, writer: PageWriter, county: County, frame: pd.DataFrame,
                       view: BatchView, url: str, banner: str, totals_only: bool) -> None:
    """An earlier version of one batch's list for one village, kept readable after a 更正."""
    first = frame.iloc[0]
    program = county.programs[str(first["program"])]
    old_view = BatchView(view.id, view.program, f"{view.title}（旧版本）", view.produced_on)
    rows = frame.assign(batch_id=view.id)
    key = writer.key("old version", url, RowDigests(rows, ROW_INPUTS).of(), old_view, banner, totals_only)
    if writer.take(key, url):
        return
    writer.write(url, f"{first['village']} {program.name} {first['year']}年（旧版本）", _records_body(
        env.get_template("records.html.j2"), url, county, program, str(first["township"]),
        str(first["village"]), str(first["year"]), _row_dicts(rows),
        {view.id: old_view}, totals_only, None, banner), key=key)


def _render_villages(env: Environment, writer: PageWriter, county: County,
                     village_rows: dict[tuple[str, str], list[dict[str, Any]]]) -> None:
    tpl = env.get_template("village.html.j2")
    for town in county.townships:
        for village in town.villages:
            rows = sorted(village_rows.get((town.name, village.name), []),
                          key=lambda r: (-int(r["year"]), r["program_name"]))
            url = urls.village_url(county, town.name, village.name)
            key = writer.key("village", url, town.name, village.name, rows)
            if writer.take(key, url):
                continue
            complaint = f"{urls.relative(url, urls.COMPLAINT_URL)}?" + urlencode(
                {"kind": "inquiry", "township": town.name, "village": village.name})
            writer.write(url, f"{town.name}{village.name}", tpl.render(
                root=urls.relative(url, ""), township=town.name, village=village.name, rows=rows,
                town_href=urls.relative(url, urls.township_url(county, town.name)),
                total_records=sum(r["records"] for r in rows),
                total_amount=sum(r["amount"] for r in rows), complaint_href=complaint),
                page_meta("乡镇村", "信息公开"), key=key)


def _render_townships(env: Environment, writer: PageWriter, public: pd.DataFrame, county: County) -> None:
    tpl = env.get_template("township.html.j2")
    by_village = public.groupby(["township", "village"])["amount"].agg(["count", "sum"])
    by_program = public.groupby(["township", "program", "year"])["amount"].agg(["count", "sum"])
    for town in county.townships:
        url = urls.township_url(county, town.name)
        villages = []
        for v in town.villages:
            count, amount = _lookup(by_village, (town.name, v.name))
            villages.append({"name": v.name, "href": urls.relative(url, urls.village_url(county, town.name, v.name)),
                             "records": count, "amount": amount})
        programs = []
        if town.name in by_program.index.get_level_values(0):
            for (program_code, year), row in by_program.loc[town.name].iterrows():
                programs.append({"name": county.programs[program_code].name, "year": year,
                                 "href": urls.relative(url, urls.program_url(program_code)),
                                 "records": int(row["count"]), "amount": float(row["sum"])})
        programs.sort(key=lambda p: (-int(p["year"]), p["name"]))
        key = writer.key("township", url, town, villages, programs)
        if writer.take(key, url):
            continue
        writer.write(url, town.name, tpl.render(
            root=urls.relative(url, ""), towns_href=urls.relative(url, "t/"), township=town,
            department=county.departments[town.department], villages=villages, programs=programs,
            total_records=sum(v["records"] for v in villages), total_amount=sum(v["amount"] for v in villages),
            downloads_href=urls.relative(url, urls.DOWNLOADS_URL)),
            page_meta("乡镇村", "信息公开"), key=key)


def _lookup(table: pd.DataFrame, key: str | tuple[str, ...]) -> tuple[int, float]:
    if key in table.index:
        row = table.loc[key]
        return int(row["count"]), float(row["sum"])
    return 0, 0.0


# ---------------------------------------------------------------- narrative pages


def narrative_pages(env: Environment, public: pd.DataFrame, county: County, batches: dict[str, BatchView],
                    as_of: dt.date, downloads: list[dict[str, Any]], deadlines: Iterable[str] = ()) -> dict[str, tuple[str, str]]:
    """Markdown sources for mkdocs: path under docs/ → (title, body)."""
    pages: dict[str, tuple[str, str]] = {}
    programs = sorted(county.programs.values(), key=lambda p: (p.category, p.code))
    pages["index.md"] = (county.title, _home(env, public, county, batches, as_of, programs, deadlines))
    pages["policies/index.md"] = ("补贴政策清单", env.get_template("policies.md.j2").render(
        county=county, programs=[{"program": p, "department": county.departments[p.department],
                                  "href": urls.relative(urls.POLICIES_URL, urls.program_url(p.code))}
                                 for p in programs]))
    for program in programs:
        pages[f"programs/{program.code}/index.md"] = (program.name, _program_page(env, public, county, program, batches))
    town_totals = public.groupby("township")["amount"].agg(["count", "sum"])
    pages["t/index.md"] = ("乡镇", env.get_template("townships.md.j2").render(townships=[
        {"name": t.name, "href": urls.relative("t/", urls.township_url(county, t.name)),
         "villages": len(t.villages), **dict(zip(("records", "amount"), _lookup(town_totals, t.name), strict=True))}
        for t in county.townships]))
    pages["downloads/index.md"] = ("公开数据下载", env.get_template("downloads.md.j2").render(files=downloads))
    retention = max((p.disclosure.retention_years for p in programs), default=3)
    pages["privacy/index.md"] = ("隐私保护说明", env.get_template("privacy.md.j2").render(
        county=county, retention=retention, complaint_href="../complaint/"))
    return pages


def _home(env: Environment, public: pd.DataFrame, county: County, batches: dict[str, BatchView],
          as_of: dt.date, programs: list[Program], deadlines: Iterable[str]) -> str:
    counts = public.groupby("batch_id").size()
    latest = sorted(batches.values(), key=lambda b: (b.produced_on, b.id), reverse=True)[:10]
    latest_rows = [{
        "title": b.title, "department": county.departments[county.programs[b.program].department].short_name,
        "produced_on": b.produced_on, "records": int(counts.get(b.id, 0)),
        "href": urls.program_url(b.program),
    } for b in latest]
    return env.get_template("home.md.j2").render(
        county=county, as_of=as_of.isoformat(), latest=latest_rows,
        deadlines=[{"text": d} for d in deadlines],
        townships=[{"name": t.name, "href": urls.township_url(county, t.name)} for t in county.townships],
        programs=[{"name": p.name, "href": urls.program_url(p.code),
                   "department": county.departments[p.department].short_name} for p in programs])


def _program_page(env: Environment, public: pd.DataFrame, county: County, program: Program,
                  batches: dict[str, BatchView]) -> str:
    url = urls.program_url(program.code)
    rows = public[public["program"] == program.code]
    years = []
    for year, frame in rows.groupby("year", sort=True):
        paid = float(frame.loc[paid_mask(frame), "amount"].sum())  # the rule the budget page uses
        budget = program.budget.get(int(year))
        years.append({"year": year, "records": len(frame), "amount": float(frame["amount"].sum()),
                      "budget": budget, "rate": f"{paid / budget:.1%}" if budget else "—"})
    per_batch = rows.groupby("batch_id")["amount"].agg(["count", "sum"])
    batch_rows = [{"id": b.id, "title": b.title, "produced_on": b.produced_on,
                   "records": int(per_batch.loc[b.id, "count"]) if b.id in per_batch.index else 0,
                   "amount": float(per_batch.loc[b.id, "sum"]) if b.id in per_batch.index else 0.0}
                  for b in sorted(batches.values(), key=lambda b: b.produced_on, reverse=True)
                  if b.program == program.code]
    d = program.disclosure
    name_rule = {"full": "公开全名", "partial": "公开部分姓名（如“张*三”）", "surname": "只公开姓氏"}[d.name]
    id_head, id_tail, card_tail = d.shown()
    shown = (f"身份证号显示前 {id_head} 位、后 {id_tail} 位；卡号显示后 {card_tail} 位" if not d.sensitive
             else "身份证号和卡号一位也不显示")
    disclosure_text = f"{name_rule}；{shown}；名单保留公开 {d.retention_years} 年。"
    return env.get_template("program.md.j2").render(
        county=county, program=program, department=county.departments[program.department],
        cycle=vocab.CYCLES.get(program.cycle, program.cycle), materials=program.extra.get("materials", ""),
        disclosure_text=disclosure_text, years=years, has_budget=bool(program.budget),
        batches=batch_rows, towns_href=urls.relative(url, "t/"),
        search_href=urls.relative(url, urls.SEARCH_URL),
        complaint_href=f"{urls.relative(url, urls.COMPLAINT_URL)}?" + urlencode({"kind": "inquiry", "program": program.code}))
