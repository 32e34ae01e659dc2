"""Publishing on time: deadlines, 公示 (notice) periods, the timeliness page and ``deadlines``.

The county's rule: subsidy information is public within the window (``county.yml``
``publication.window_days``, default 20, ``window_unit`` ``calendar`` or ``working``) after
it is produced or changed. A batch's deadline is ``produced_on`` + window; a revision's is the
date of the change + window. Lateness is counted in calendar days (逾期天数按自然日计),
whatever the window's unit, so "late by N days" means the same thing everywhere.

Working days come from ``WorkCalendar`` (chinesecalendar + ``data/holidays.yml``, 调休
included); a year neither knows is a warning (``calendar_warnings``), never a silent guess.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from generator.core.county import County, load_county
from generator.core.workdays import UnknownCalendarYear, WorkCalendar
from generator.ingest.load import Batch, load_batches
from generator.publish.ledger import Ledger, pending_change, read_ledger
from generator.publish.retention import expired

log = logging.getLogger(__name__)

DEFAULT_NOTICE_DAYS = 7
DUE_SOON_DAYS = 5
BATCH_ROW_KEYS = ("id", "program", "department", "produced_on", "first_published", "deadline",
                  "status", "days_late", "revisions")


# ---------------------------------------------------------------- deadlines


def deadline_for(start: dt.date, county: County, calendar: WorkCalendar) -> dt.date:
    """Last day to publish information produced or changed on `start`."""
    return calendar.add_days(start, county.publication_window_days, county.publication_window_unit)


def days_late(published: dt.date, deadline: dt.date) -> int:
    """Calendar days after the deadline; 0 when published on or before it."""
    return max(0, (published - deadline).days)


def calendar_warnings(calendar: WorkCalendar) -> list[str]:
    """One explicit warning per year the working-day calendar had to guess (Mon–Fri)."""
    return [f"{UnknownCalendarYear(year)}（已暂按周一至周五计算工作日）" for year in sorted(calendar.unknown_years)]


# ---------------------------------------------------------------- notice period (公示)


@dataclass(frozen=True)
class NoticeState:
    """Where a 公示 stands on `as_of`: ``scheduled``, ``notice`` or ``ended``."""

    phase: str
    start: dt.date
    end: dt.date  # last day of the notice: `days` working days after start, start not counted
    days: int
    working_days_left: int  # working days in (as_of, end]; 0 on the last day and after

    @property
    def in_notice(self) -> bool:
        return self.phase == "notice"

    @property
    def ended(self) -> bool:
        return self.phase == "ended"

    @property
    def end_text(self) -> str:
        return self.end.isoformat()


def notice_days(batch: Batch) -> int:
    try:
        days = int(batch.meta.get("notice_days") or DEFAULT_NOTICE_DAYS)
    except (TypeError, ValueError):
        return DEFAULT_NOTICE_DAYS
    return days if days > 0 else DEFAULT_NOTICE_DAYS


def notice_state(batch: Batch, calendar: WorkCalendar, as_of: dt.date) -> NoticeState | None:
    """The batch's 公示 state, or None when it is not a notice (``status`` other than notice).

    The notice runs from ``notice_start`` through its end date inclusive; on the next day
    the list is an ordinary disclosure.
    """
    start = batch.date("notice_start")
    if str(batch.meta.get("status", "paid")) != "notice" or start is None:
        return None
    days = notice_days(batch)
    end = calendar.add_workdays(start, days)
    if as_of < start:
        return NoticeState("scheduled", start, end, days, days)
    if as_of > end:
        return NoticeState("ended", start, end, days, 0)
    return NoticeState("notice", start, end, days, calendar.workdays_between(as_of, end))


def complaint_href(complaint_url: str, program: str, township: str | None = None,
                   village: str | None = None) -> str:
    """``complaint/?kind=complaint&category=list&program=…`` for an objection to a list."""
    query = {"kind": "complaint", "category": "list", "program": program}
    if township:
        query["township"] = township
    if village:
        query["village"] = village
    return f"{complaint_url}?{urlencode(query)}"


# ---------------------------------------------------------------- batches.json and the page


def batch_rows(batches: Sequence[Batch], ledger: Ledger, county: County, calendar: WorkCalendar,
               as_of: dt.date) -> list[dict[str, Any]]:
    """One ``site/data/batches.json`` object per batch still on the site, sorted by id.

    Pass the ledger *after* ``plan_publication`` (``Publication.ledger``). Expired batches are
    left out (they have left the site). A batch not in the ledger counts as published on
    `as_of`, its would-be publication date, unless it waits for its 公示 to start.
    """
    rows = []
    for batch in sorted(batches, key=lambda b: b.id):
        if expired(batch, county, as_of, ledger.first_published(batch.id)):
            continue
        rows.append(batch_row(batch, ledger, county, calendar, as_of))
    return rows


def batch_row(batch: Batch, ledger: Ledger, county: County, calendar: WorkCalendar,
              as_of: dt.date) -> dict[str, Any]:
    versions = ledger.versions(batch.id)
    produced = batch.date("produced_on")
    program = county.programs.get(batch.program)
    notice = notice_state(batch, calendar, as_of)
    if versions:
        deadline = deadline_for(versions[-1].window_start, county, calendar)
        late = max(days_late(v.published_on, deadline_for(v.window_start, county, calendar)) for v in versions)
    else:
        deadline = deadline_for(produced or as_of, county, calendar)
        waiting = notice is not None and notice.phase == "scheduled"
        late = 0 if waiting else days_late(as_of, deadline)
    status = str(batch.meta.get("status", "paid"))
    if status == "withdrawn":
        shown = "withdrawn"
    elif notice is not None and not notice.ended:
        shown = "notice"
    else:
        shown = "late" if late else "on_time"
    return {
        "id": batch.id,
        "program": batch.program,
        "department": program.department if program else "",
        "produced_on": produced.isoformat() if produced else None,
        "first_published": versions[0].published_on.isoformat() if versions else None,
        "deadline": deadline.isoformat(),
        "status": shown,
        "days_late": late,
        "revisions": max(0, len(versions) - 1),
    }


@dataclass(frozen=True)
class Rate:
    """On-time publishing rate of one group of published batches."""

    key: str
    label: str
    published: int
    on_time: int

    @property
    def rate(self) -> float:
        return self.on_time / self.published if self.published else 1.0

    @property
    def percent(self) -> str:
        return f"{self.rate * 100:.1f}%"


def counted_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The batch rows an on-time rate counts: published, and not withdrawn (one rule for the
    timeliness page, the statistics page and stats.json)."""
    return [r for r in rows if r.get("first_published") and r.get("status") != "withdrawn"]


def on_time_rates(rows: Sequence[dict[str, Any]], county: County, by: str) -> list[Rate]:
    """Rates ``by`` "department" or "year" over published, not withdrawn batches."""
    groups: dict[str, list[int]] = {}
    for row in counted_rows(rows):
        key = row["department"] if by == "department" else (row["produced_on"] or "")[:4]
        counts = groups.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += row["days_late"] == 0
    return [Rate(key, _group_label(county, by, key), n, ok) for key, (n, ok) in sorted(groups.items())]


def _group_label(county: County, by: str, key: str) -> str:
    if by == "department":
        dept = county.departments.get(key)
        return dept.name if dept else key or "未登记部门"
    return f"{key} 年" if key else "日期不详"


def overall_rate(rows: Sequence[dict[str, Any]]) -> Rate:
    published = counted_rows(rows)
    return Rate("all", "全部", len(published), sum(r["days_late"] == 0 for r in published))


def window_text(county: County) -> str:
    """``20 日（自然日）`` or ``20 个工作日``: the county's publication window in words."""
    unit = "个工作日" if county.publication_window_unit == "working" else "日（自然日）"
    return f"{county.publication_window_days} {unit}"


# ---------------------------------------------------------------- yikatong deadlines


@dataclass(frozen=True)
class Due:
    """An unpublished or changed batch and its deadline."""

    batch_id: str
    kind: str  # unpublished | changed
    program: str
    department: str
    start: dt.date
    deadline: dt.date
    days_left: int  # negative when overdue

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    def line(self) -> str:
        what = "未公开" if self.kind == "unpublished" else "有更正未公开"
        start = "信息产生" if self.kind == "unpublished" else "信息变更"
        when = (f"已逾期 {-self.days_left} 天" if self.overdue
                else "今天到期" if self.days_left == 0 else f"还剩 {self.days_left} 天")
        return (f"{self.batch_id}  {what}  {self.department}  {self.program}  "
                f"{start} {self.start.isoformat()}  期限 {self.deadline.isoformat()}  {when}")


def due_batches(batches: Sequence[Batch], ledger: Ledger, county: County, calendar: WorkCalendar,
                as_of: dt.date, within_days: int = DUE_SOON_DAYS) -> list[Due]:
    """Unpublished or changed batches overdue or due within `within_days` calendar days."""
    found = []
    for batch in batches:
        if str(batch.meta.get("status", "paid")) == "withdrawn" and ledger.latest(batch.id) is None:
            continue
        if expired(batch, county, as_of, ledger.first_published(batch.id)):
            continue
        pending = pending_change(batch, ledger, as_of)
        if pending is None:
            continue
        kind, start = pending
        deadline = deadline_for(start, county, calendar)
        left = (deadline - as_of).days
        if left <= within_days:
            found.append(_due(batch, kind, start, deadline, left, county))
    return sorted(found, key=lambda d: (d.days_left, d.batch_id))


def _due(batch: Batch, kind: str, start: dt.date, deadline: dt.date, left: int, county: County) -> Due:
    program = county.programs.get(batch.program)
    dept = county.departments.get(program.department) if program else None
    return Due(batch.id, kind, program.name if program else batch.program,
               dept.short_name if dept else "未登记部门", start, deadline, left)


@dataclass(frozen=True)
class DeadlinesReport:
    """What ``yikatong deadlines`` shows: overdue and soon-due batches and the warnings."""

    as_of: dt.date
    window: str
    overdue: list[Due]
    soon: list[Due]
    warnings: list[str]


def deadlines_report(data_dir: Path, as_of: dt.date | None = None) -> DeadlinesReport:
    """Overdue and soon-due batches of the data tree at `data_dir` (for ``yikatong deadlines``)."""
    as_of = as_of or dt.date.today()
    county = load_county(data_dir)
    calendar = WorkCalendar.from_data(data_dir, strict=False)
    loaded = load_batches(Path(data_dir))
    usable = [b for b in loaded.batches if b.date("produced_on") is not None]
    warnings = [f"{b.meta_path} 缺少有效的 produced_on，无法计算期限（运行 yikatong validate 查看详情）。"
                for b in loaded.batches if b.date("produced_on") is None]
    due = due_batches(usable, read_ledger(data_dir), county, calendar, as_of)
    warnings += calendar_warnings(calendar)
    return DeadlinesReport(as_of, window_text(county), [d for d in due if d.overdue],
                           [d for d in due if not d.overdue], warnings)
