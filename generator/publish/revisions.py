"""Revisions (更正): what changed between two published versions of a batch, and when.

Each published version's *masked* rows are kept in the data repository as a snapshot,
``data/published/<batch_id>/<hash12>.csv`` (the public columns of ``mask_records`` only —
nothing there that the site does not show), with the batch's public fields beside it in
``<hash12>.yml``. Snapshots make the old version readable and the diff reproducible in every
later build.

Rows are matched by masked ID + masked name + township + village (the n-th occurrence with
the n-th, in row order); rows left over on both sides with the same public reference (same
row of the file: a corrected name or ID) are matched by reference.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from generator.core.county import County
from generator.core.vocab import BATCH_STATUSES
from generator.core.workdays import WorkCalendar
from generator.ingest.load import Batch
from generator.publish.ledger import Ledger, LedgerEntry, write_text_atomic

SNAPSHOT_DIR = "published"
SNAPSHOT_COLUMNS = ("ref", "batch_id", "program", "period", "year", "township", "village", "group",
                    "quantity", "standard", "amount", "paid_on", "pay_status", "name_shown", "id_shown",
                    "card_shown", "remark_shown", "sensitive")
NUMBER_COLUMNS = ("quantity", "standard", "amount")
PUBLIC_META_KEYS = ("title", "program", "period", "produced_on", "paid_on", "status", "notice_start",
                    "notice_days", "changed_on", "approved_by")
MATCH_KEY = ["township", "village", "name_shown", "id_shown"]
COMPARED = ("group", "quantity", "standard", "amount", "paid_on", "pay_status", "card_shown", "remark_shown")
FIELD_LABELS = {
    "name_shown": "姓名", "id_shown": "身份证号", "card_shown": "社保卡号", "group": "组",
    "quantity": "数量", "standard": "标准", "amount": "金额", "paid_on": "发放日期",
    "pay_status": "发放状态", "remark_shown": "备注",
}
META_LABELS = {
    "title": "标题", "program": "补贴项目", "period": "所属期", "produced_on": "信息产生日期",
    "paid_on": "发放日期", "status": "状态", "notice_start": "公示开始日期", "notice_days": "公示天数",
    "approved_by": "审核单位",
}
AMOUNT_TOLERANCE = 0.005


# ---------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class Snapshot:
    """One published version of a batch: masked rows and public batch fields."""

    frame: pd.DataFrame
    meta: dict[str, str]


class SnapshotStore:
    """Masked snapshots under ``data_dir/published``; new ones are staged, then committed.

    The build stages the current version of every shown batch (``stage_current``), reads
    any version (``load``) and, only after it succeeded, writes what is new (``commit``).
    """

    def __init__(self, data_dir: Path, county: County | None = None):
        self.root = Path(data_dir) / SNAPSHOT_DIR
        self.county = county  # given: stored versions are read under today's privacy floor
        self._staged: dict[tuple[str, str], Snapshot] = {}

    def csv_path(self, batch_id: str, short_hash: str) -> Path:
        return self.root / batch_id / f"{short_hash}.csv"

    def exists(self, batch_id: str, short_hash: str) -> bool:
        return (batch_id, short_hash) in self._staged or self.csv_path(batch_id, short_hash).exists()

    def stage(self, batch: Batch, masked_rows: pd.DataFrame) -> None:
        """Remember the current version of `batch` (its masked rows) unless already stored."""
        short = batch.content_hash[:12]
        if not self.exists(batch.id, short):
            self._staged[(batch.id, short)] = Snapshot(_snapshot_frame(masked_rows), public_meta(batch))

    def stage_current(self, batches: Sequence[Batch], public: pd.DataFrame, batch_ids: Iterable[str]) -> int:
        """Stage every batch in `batch_ids` (e.g. the visible and withdrawn ones); returns how many."""
        wanted = set(batch_ids)
        todo = [b for b in batches if b.id in wanted and not self.exists(b.id, b.content_hash[:12])]
        if not todo:
            return 0
        groups = public.groupby("batch_id", sort=False).indices
        for batch in todo:
            index = groups.get(batch.id, [])
            self.stage(batch, public.iloc[index])
        return len(todo)

    def load(self, batch_id: str, short_hash: str) -> Snapshot | None:
        staged = self._staged.get((batch_id, short_hash))
        if staged is not None:
            return staged
        path = self.csv_path(batch_id, short_hash)
        if not path.exists():
            return None
        meta_path = path.with_suffix(".yml")
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        frame = read_snapshot_csv(path.read_text(encoding="utf-8"))
        if self.county is not None:
            from generator.privacy.mask import refloor

            frame = refloor(frame, self.county)
            meta = {k: _scrubbed_meta(k, v) for k, v in (meta or {}).items()}
        return Snapshot(frame, dict(meta or {}))

    def pending(self) -> dict[str, str]:
        """What ``commit`` would write: {path: text} (a caller may write it later)."""
        files: dict[str, str] = {}
        for (batch_id, short), snap in sorted(self._staged.items(), key=lambda kv: kv[0]):
            path = self.csv_path(batch_id, short)
            files[str(path)] = format_snapshot_csv(snap.frame)
            files[str(path.with_suffix(".yml"))] = _dump_meta(snap.meta)
        return files

    def commit(self) -> list[Path]:
        """Write every staged snapshot (atomically, file by file); returns the paths written."""
        written = []
        for (batch_id, short), snap in sorted(self._staged.items(), key=lambda kv: kv[0]):
            path = self.csv_path(batch_id, short)
            write_text_atomic(path, format_snapshot_csv(snap.frame))
            write_text_atomic(path.with_suffix(".yml"), _dump_meta(snap.meta))
            written.append(path)
        self._staged.clear()
        return written


def _scrubbed_meta(key: str, value: Any) -> Any:
    """Free-text batch fields of an old version (title, approver) under today's scrub."""
    if key in ("title", "approved_by"):
        from generator.privacy.mask import scrub_text

        return scrub_text(str(value))
    return value


def old_version(store: SnapshotStore, batch_id: str, short_hash: str) -> pd.DataFrame | None:
    """The masked rows of an earlier version (same columns as ``mask_records``), or None."""
    snap = store.load(batch_id, short_hash)
    return None if snap is None else snap.frame


def public_meta(batch: Batch) -> dict[str, str]:
    return {k: str(batch.meta[k]) for k in PUBLIC_META_KEYS if batch.meta.get(k) not in (None, "")}


def _snapshot_frame(rows: pd.DataFrame) -> pd.DataFrame:
    frame = rows.reindex(columns=list(SNAPSHOT_COLUMNS)).reset_index(drop=True)
    order = frame["ref"].map(_ref_row)
    return frame.iloc[order.argsort(kind="stable")].reset_index(drop=True)


def _ref_row(ref: str) -> int:
    tail = str(ref).rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def format_snapshot_csv(frame: pd.DataFrame) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SNAPSHOT_COLUMNS)
    for row in frame.itertuples(index=False):
        writer.writerow([_cell(col, value) for col, value in zip(SNAPSHOT_COLUMNS, row, strict=True)])
    return out.getvalue()


def _cell(column: str, value: Any) -> str:
    if column in NUMBER_COLUMNS:
        if value is None or value != value or value == "":
            return ""
        text = repr(float(value))
        return text[:-2] if text.endswith(".0") else text
    if column == "sensitive":
        return "true" if value is True or str(value).lower() == "true" else "false"
    return "" if value is None or value != value else str(value)


def read_snapshot_csv(text: str) -> pd.DataFrame:
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    frame = frame.reindex(columns=list(SNAPSHOT_COLUMNS), fill_value="")
    for column in NUMBER_COLUMNS:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["sensitive"] = frame["sensitive"].eq("true")
    return frame


def _dump_meta(meta: dict[str, str]) -> str:
    return yaml.safe_dump(meta, allow_unicode=True, sort_keys=True, default_flow_style=False)


# ---------------------------------------------------------------- diff


@dataclass(frozen=True)
class RowChange:
    old: dict[str, Any]
    new: dict[str, Any]
    fields: tuple[str, ...]

    @property
    def amount_changed(self) -> bool:
        return "amount" in self.fields

    @property
    def labels(self) -> str:
        return "、".join(FIELD_LABELS[f] for f in self.fields)


@dataclass(frozen=True)
class RowDiff:
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff_rows(old: pd.DataFrame, new: pd.DataFrame) -> RowDiff:
    """Rows added, removed and changed between two masked frames of one batch."""
    old_rows, new_rows = _with_occurrence(old), _with_occurrence(new)
    keys = MATCH_KEY + ["_n"]
    old_index = {tuple(r[k] for k in keys): r for r in old_rows}
    new_index = {tuple(r[k] for k in keys): r for r in new_rows}
    changed = []
    for key, row in old_index.items():
        if key in new_index:
            fields = _differences(row, new_index[key], COMPARED)
            if fields:
                changed.append(RowChange(_public(row), _public(new_index[key]), fields))
    removed = [r for k, r in old_index.items() if k not in new_index]
    added = [r for k, r in new_index.items() if k not in old_index]
    by_ref = {r["ref"]: r for r in added}
    still_removed = []
    for row in removed:
        twin = by_ref.pop(row["ref"], None)
        if twin is None:
            still_removed.append(row)
            continue
        fields = _differences(row, twin, ("name_shown", "id_shown") + COMPARED)
        changed.append(RowChange(_public(row), _public(twin), fields))
    added = list(by_ref.values())
    order = lambda r: (_ref_row(r["ref"]), r["ref"])  # noqa: E731
    return RowDiff(
        added=[_public(r) for r in sorted(added, key=order)],
        removed=[_public(r) for r in sorted(still_removed, key=order)],
        changed=sorted(changed, key=lambda c: order(c.new)),
    )


def _with_occurrence(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = frame.reindex(columns=list(SNAPSHOT_COLUMNS)).to_dict("records")
    rows.sort(key=lambda r: _ref_row(r["ref"]))
    seen: dict[tuple[Any, ...], int] = {}
    for row in rows:
        key = tuple(str(row[k]) for k in MATCH_KEY)
        row["_n"] = seen.get(key, 0)
        seen[key] = row["_n"] + 1
        for k in MATCH_KEY:
            row[k] = str(row[k])
    return rows


def _differences(old: dict[str, Any], new: dict[str, Any], columns: Iterable[str]) -> tuple[str, ...]:
    return tuple(c for c in columns if not _same(c, old.get(c), new.get(c)))


def _same(column: str, a: Any, b: Any) -> bool:
    if column in NUMBER_COLUMNS:
        a_nan, b_nan = _is_nan(a), _is_nan(b)
        if a_nan or b_nan:
            return a_nan and b_nan
        return abs(float(a) - float(b)) < AMOUNT_TOLERANCE
    return ("" if _is_nan(a) else str(a)) == ("" if _is_nan(b) else str(b))


def _is_nan(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and value != value)


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in SNAPSHOT_COLUMNS}


# ---------------------------------------------------------------- revisions


@dataclass(frozen=True)
class Revision:
    """One correction (更正) of a published batch: version `version` replaced the one before."""

    batch_id: str
    version: int
    old_hash: str  # 12 hex digits: names the old version's snapshot and page
    new_hash: str
    changed_on: dt.date  # the date of the change: a new publication window starts here
    published_on: dt.date
    deadline: dt.date | None
    available: bool  # False when the old version's snapshot is missing (no diff possible)
    diff: RowDiff = field(default_factory=RowDiff)
    meta_changes: tuple[tuple[str, str, str], ...] = ()  # (label, old, new)
    withdrawn: bool = False

    @property
    def summary(self) -> str:
        """``新增 2 行，删除 1 行，金额变更 3 行`` — one line for logs, lists and feeds."""
        if self.withdrawn:
            return "整批撤回"
        if not self.available:
            return "旧版本未存档，无法列出变更明细"
        amount = sum(c.amount_changed for c in self.diff.changed)
        other = len(self.diff.changed) - amount
        parts = [f"新增 {len(self.diff.added)} 行" if self.diff.added else "",
                 f"删除 {len(self.diff.removed)} 行" if self.diff.removed else "",
                 f"金额变更 {amount} 行" if amount else "",
                 f"其他信息变更 {other} 行" if other else "",
                 f"批次信息变更 {len(self.meta_changes)} 项" if self.meta_changes else ""]
        text = "，".join(p for p in parts if p)
        return text or "名单公开内容未变（文件格式或内部信息更新）"

    def for_place(self, township: str, village: str | None = None) -> Revision:
        """The same revision, restricted to rows of one township (and village)."""
        def keep(row: dict[str, Any]) -> bool:
            return row["township"] == township and (village is None or row["village"] == village)
        diff = RowDiff([r for r in self.diff.added if keep(r)], [r for r in self.diff.removed if keep(r)],
                       [c for c in self.diff.changed if keep(c.new) or keep(c.old)])
        return replace(self, diff=diff)


def revision_notes(batch_id: str, ledger: Ledger, store: SnapshotStore, county: County | None = None,
                   calendar: WorkCalendar | None = None) -> list[Revision]:
    """Every revision of `batch_id`, oldest first, from the ledger and the stored snapshots.

    Call after ``plan_publication`` (pass ``Publication.ledger``) and after staging the current
    versions, so today's revision can be diffed before anything is written.
    """
    versions = ledger.versions(batch_id)
    return [_revision(prev, entry, store, county, calendar) for prev, entry in zip(versions, versions[1:], strict=False)]


def _revision(prev: LedgerEntry, entry: LedgerEntry, store: SnapshotStore, county: County | None,
              calendar: WorkCalendar | None) -> Revision:
    deadline = None
    if county is not None and calendar is not None:
        deadline = calendar.add_days(entry.window_start, county.publication_window_days,
                                     county.publication_window_unit)
    old = store.load(prev.batch_id, prev.short_hash)
    new = store.load(entry.batch_id, entry.short_hash)
    base = Revision(entry.batch_id, entry.version, prev.short_hash, entry.short_hash, entry.window_start,
                    entry.published_on, deadline, available=False)
    if new is not None and new.meta.get("status") == "withdrawn":
        return replace(base, available=old is not None, withdrawn=True)
    if old is None or new is None:
        return base
    return replace(base, available=True, diff=diff_rows(old.frame, new.frame),
                   meta_changes=_meta_changes(old.meta, new.meta))


def _meta_changes(old: dict[str, str], new: dict[str, str]) -> tuple[tuple[str, str, str], ...]:
    changes = []
    for key, label in META_LABELS.items():
        a, b = str(old.get(key, "")), str(new.get(key, ""))
        if a != b:
            if key == "status":
                a, b = BATCH_STATUSES.get(a, a), BATCH_STATUSES.get(b, b)
            changes.append((label, a or "（空）", b or "（空）"))
    return tuple(changes)


