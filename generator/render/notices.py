"""Notices on the pages: the 公示 banner, the 更正说明 of a corrected batch, the timeliness page.

The publish stage decides what is true (notice state, revisions, on-time rates); this module
only turns those facts into HTML fragments through the one Jinja environment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from generator.core.county import County
from generator.core.vocab import TIMELINESS_LABELS
from generator.publish.retention import GROUP_COLUMNS, GroupKey
from generator.publish.revisions import FIELD_LABELS, Revision
from generator.publish.timeliness import NoticeState, on_time_rates, overall_rate, window_text
from generator.render.env import render_fragment


def render_notice_banner(state: NoticeState | None, complaint_link: str, *, program_name: str = "",
                         department_name: str = "", phone: str = "") -> str:
    """HTML fragment for a list in 公示: period, end date, countdown, "我要反映".

    Empty string when there is nothing to announce (not a notice, or the notice ended).
    `complaint_link` is the relative link to the complaint form (see ``complaint_href``).
    """
    if state is None or state.ended:
        return ""
    return render_fragment("notice_banner.html.j2", state=state, complaint_link=complaint_link,
                           program_name=program_name, department_name=department_name, phone=phone)


def render_timeliness_page(rows: Sequence[dict[str, Any]], county: County) -> str:
    """HTML fragment: rates per department and per year, then every batch (late ones marked)."""
    ordered = sorted(rows, key=lambda r: (r["produced_on"] or "", r["id"]), reverse=True)
    table = [_display_row(row, county) for row in ordered]
    return render_fragment(
        "timeliness.html.j2", rows=table, county=county, overall=overall_rate(rows),
        by_department=on_time_rates(rows, county, "department"),
        by_year=on_time_rates(rows, county, "year"),
        window=window_text(county), labels=TIMELINESS_LABELS,
    )


def _display_row(row: dict[str, Any], county: County) -> dict[str, Any]:
    program = county.programs.get(row["program"])
    dept = county.departments.get(row["department"])
    status = row["status"]
    text = TIMELINESS_LABELS[status]
    if status == "late":
        text = f"逾期 {row['days_late']} 天"
    elif status == "notice" and row["days_late"]:
        text = f"公示中（逾期 {row['days_late']} 天）"
    return {**row, "program_name": program.name if program else row["program"],
            "department_name": dept.short_name if dept else row["department"],
            "status_text": text, "late": row["days_late"] > 0}


def render_revision_notice(revisions: Sequence[Revision], *, hidden: set[GroupKey] | frozenset[GroupKey] = frozenset(),
                           version_href: Callable[[Revision], str] | None = None,
                           program_name: str = "") -> str:
    """HTML fragment: dated 更正说明, newest first, with masked rows added, removed, changed.

    Rows of small groups (`hidden`, from ``small_groups``) are counted, never listed.
    `version_href(revision)` gives the relative link to the old version's page, if any.
    Empty string when there are no revisions.
    """
    if not revisions:
        return ""
    items = [_notice_item(r, hidden, version_href) for r in sorted(revisions, key=lambda r: r.version, reverse=True)]
    return render_fragment("revision_notice.html.j2", items=items, program_name=program_name,
                           field_labels=FIELD_LABELS)


def _notice_item(rev: Revision, hidden: set[GroupKey] | frozenset[GroupKey],
                 version_href: Callable[[Revision], str] | None) -> dict[str, Any]:
    def shown(row: dict[str, Any]) -> bool:
        return tuple(str(row[c]) for c in GROUP_COLUMNS) not in hidden
    added = [r for r in rev.diff.added if shown(r)]
    removed = [r for r in rev.diff.removed if shown(r)]
    changed = [c for c in rev.diff.changed if shown(c.new) and shown(c.old)]
    suppressed = (len(rev.diff.added) - len(added) + len(rev.diff.removed) - len(removed)
                  + len(rev.diff.changed) - len(changed))
    return {"rev": rev, "added": added, "removed": removed, "changed": changed, "suppressed": suppressed,
            "href": version_href(rev) if version_href and rev.available else None}

