"""Stage 1 — load: every batch under ``data/batches`` into one canonical DataFrame.

Accepts CSV (UTF-8, UTF-8 with BOM, GB18030) and XLSX as clerks make them: an optional
title row above the header, 序号, units in headers (``面积（亩）``), a 合计 row at the end.
Columns are mapped to the canonical schema (``schema.HEADER_ALIASES``); any other column is
dropped here, before anything else sees it, but the ID, card and phone numbers it holds are
remembered so the leak scan can prove none of them was published.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from openpyxl import load_workbook

from generator.core.errors import Problem, display_path
from generator.core.idnumber import normalise_digits_series
from generator.core.schema import HEADER_ALIASES, PROVENANCE_COLUMNS

log = logging.getLogger(__name__)

RECORD_FILE_NAMES = ("records.csv", "records.xlsx")
_UNIT_SUFFIX = re.compile(r"[（(【\[].*?[)）】\]]")
_SPACES = re.compile(r"[\s\u3000*＊:：]+")
_ALIAS_INDEX = {
    re.sub(r"[\s()（）]", "", alias): canonical
    for canonical, aliases in HEADER_ALIASES.items() for alias in aliases
}
_TOTAL_ROW = re.compile(r"^(合\s*计|总\s*计|小\s*计)")
_NUMBER_RUN = re.compile(r"\d[\d\s\-]{9,}[\dXx]")


class _PlainDatesLoader(yaml.SafeLoader):
    """YAML without implicit timestamps: a clerk's impossible date stays a string to report."""


_PlainDatesLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_batch_yaml(text: str) -> object:
    return yaml.load(text, Loader=_PlainDatesLoader)  # noqa: S506 - a SafeLoader subclass


@dataclass
class Batch:
    """One batch folder: ``batch.yml`` plus one records file."""

    id: str
    year_dir: str
    folder: Path
    meta: dict[str, Any]
    records_file: Path | None
    content_hash: str = ""
    row_count: int = 0

    @property
    def program(self) -> str:
        return str(self.meta.get("program", ""))

    @property
    def meta_path(self) -> str:
        return display_path(self.folder / "batch.yml")

    def date(self, key: str) -> dt.date | None:
        value = self.meta.get(key)
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value)) if value else None
        except ValueError:
            return None


@dataclass
class LoadResult:
    batches: list[Batch]
    records: pd.DataFrame
    headers: dict[str, dict[str, str]]  # source file → canonical column → header as written
    sensitive_values: set[str]
    problems: list[Problem] = field(default_factory=list)


def load_batches(data_dir: Path) -> LoadResult:
    """Read every batch folder under ``data_dir/batches``, in a stable order."""
    data_dir = Path(data_dir)
    batches: list[Batch] = []
    frames: list[pd.DataFrame] = []
    headers: dict[str, dict[str, str]] = {}
    sensitive: set[str] = set()
    problems: list[Problem] = []
    for folder in sorted((data_dir / "batches").glob("*/*")):
        if not folder.is_dir():
            continue
        batch = _read_batch_folder(folder, problems)
        if batch is None:
            continue
        batches.append(batch)
        if batch.records_file is None:
            continue
        table = read_records_file(batch.records_file, problems, sensitive)
        if table is None:
            continue
        frame, header_map = table
        headers[display_path(batch.records_file)] = header_map
        frame = _add_provenance(frame, batch)
        batch.row_count = len(frame)
        frames.append(frame)
    columns = list(PROVENANCE_COLUMNS) + list(HEADER_ALIASES)
    records = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    records = records.reindex(columns=columns, fill_value="")
    records["source_row"] = records["source_row"].astype("int64")
    for col in ("id_number", "card_number"):
        sensitive.update(v for v in records[col].unique() if len(v) >= 8)
    log.info("读取：%d 个批次，%d 条记录", len(batches), len(records))
    return LoadResult(batches, records, headers, sensitive, problems)


def _read_batch_folder(folder: Path, problems: list[Problem]) -> Batch | None:
    meta_path = folder / "batch.yml"
    rel = display_path(meta_path)
    meta: dict[str, Any] = {}
    if not meta_path.exists():
        problems.append(Problem(rel, None, None, "批次目录缺少 batch.yml，请参照报送指南补充（至少写明 program 和 produced_on）。"))
    else:
        try:
            loaded = read_batch_yaml(meta_path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                meta = loaded
            else:
                problems.append(Problem(rel, None, None, "batch.yml 内容应为“键: 值”形式。"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            problems.append(Problem(rel, None, None, f"batch.yml 格式错误：{exc}。请检查缩进和冒号，并以 UTF-8 保存。"))
    files = [folder / n for n in RECORD_FILE_NAMES if (folder / n).exists()]
    if not files:
        problems.append(Problem(display_path(folder), None, None,
                                "批次目录中没有 records.csv 或 records.xlsx，请放入发放名单文件。"))
    elif len(files) > 1:
        problems.append(Problem(display_path(folder), None, None,
                                "批次目录中同时有 records.csv 和 records.xlsx，请只保留一个。"))
    records_file = files[0] if files else None
    digest = hashlib.sha256()
    for path in ([meta_path] if meta_path.exists() else []) + ([records_file] if records_file else []):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return Batch(folder.name, folder.parent.name, folder, meta, records_file, digest.hexdigest())


def read_records_file(path: Path, problems: list[Problem],
                      sensitive: set[str]) -> tuple[pd.DataFrame, dict[str, str]] | None:
    """One records file → (canonical string DataFrame with ``source_row``, header map)."""
    rel = display_path(path)
    try:
        grid = _read_xlsx(path, rel, problems) if path.suffix == ".xlsx" else _read_csv(path)
    except _Unreadable as exc:
        problems.append(Problem(rel, None, None, str(exc)))
        return None
    header_idx = _find_header(grid)
    if header_idx is None:
        problems.append(Problem(rel, 1, None, "找不到表头行：前 10 行中没有“姓名”“身份证号”等列名。请把表头放在数据上方的一行。"))
        return None
    raw_headers = [str(h) for h in grid.iloc[header_idx]]
    body = grid.iloc[header_idx + 1:]
    body = body[~_is_blank_or_total(body)]
    header_map: dict[str, str] = {}
    frame = pd.DataFrame(index=body.index)
    for pos, header in enumerate(raw_headers):
        canonical = canonical_column(header)
        column = body.iloc[:, pos].astype(str).str.strip()
        if canonical is None or canonical in header_map:
            _remember_numbers(column, sensitive)  # dropped, but never to be published
            continue
        header_map[canonical] = header.strip()
        frame[canonical] = column
    frame = frame.reindex(columns=list(HEADER_ALIASES), fill_value="")
    for col in ("id_number", "card_number"):
        frame[col] = normalise_digits_series(frame[col])
    _remember_numbers(frame["remark"], sensitive)
    frame["source_row"] = (body.index.to_numpy() + 1).astype("int64")
    return frame.reset_index(drop=True), header_map


def canonical_column(header: str) -> str | None:
    """The canonical column for a header as a clerk wrote it, or None to drop it."""
    key = _SPACES.sub("", _UNIT_SUFFIX.sub("", str(header)))
    if key in _ALIAS_INDEX:
        return _ALIAS_INDEX[key]
    full = re.sub(r"[\s()（）*＊]", "", str(header))
    return _ALIAS_INDEX.get(full)


class _Unreadable(Exception):
    pass


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _Unreadable("无法识别文件编码：请在 Excel 中“另存为”CSV UTF-8 或 CSV（逗号分隔）后重新提交。")
    from io import StringIO

    try:
        return pd.read_csv(StringIO(text), header=None, dtype=str, keep_default_na=False,
                           skip_blank_lines=False, on_bad_lines="error")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise _Unreadable(f"CSV 格式错误：{exc}。请检查是否有多余的逗号或引号，或直接提交 Excel 文件。") from None


def _read_xlsx(path: Path, rel: str, problems: list[Problem]) -> pd.DataFrame:
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise _Unreadable(f"无法打开 Excel 文件（{type(exc).__name__}）：请确认是 .xlsx 格式且未加密。") from None
    try:
        ws = wb.worksheets[0]
        rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    if not rows:
        raise _Unreadable("Excel 文件的第一个工作表是空的，请把发放名单放在第一个工作表。")
    width = max(len(r) for r in rows)
    return pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=str)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def _find_header(grid: pd.DataFrame) -> int | None:
    for idx in range(min(10, len(grid))):
        known = {canonical_column(v) for v in grid.iloc[idx]} - {None}
        if "name" in known and ("id_number" in known or len(known) >= 3):
            return idx
    return None


def _is_blank_or_total(body: pd.DataFrame) -> pd.Series:
    """Blank rows and 合计/总计/小计 rows (their first non-empty cell says so)."""
    cells = body.to_numpy(dtype=object)
    if cells.size == 0:
        return pd.Series(False, index=body.index)
    filled = np.vectorize(lambda v: bool(str(v).strip()), otypes=[bool])(cells)
    blank = ~filled.any(axis=1)
    first = cells[np.arange(len(cells)), filled.argmax(axis=1)]
    total = np.array([bool(_TOTAL_ROW.match(str(v).strip())) for v in first], dtype=bool)
    return pd.Series(blank | total, index=body.index)


def _remember_numbers(column: pd.Series, sensitive: set[str]) -> None:
    """Collect digit runs long enough to be an ID, card or phone number."""
    texts = normalise_digits_series(column[column.str.contains(r"[\d０-９]{6}", regex=True, na=False)])
    for runs in texts.str.findall(r"\d{11,19}[\dX]?"):
        sensitive.update(runs)


def _add_provenance(frame: pd.DataFrame, batch: Batch) -> pd.DataFrame:
    period = str(batch.meta.get("period", "") or "")
    year = period[:4] if period[:4].isdigit() else batch.year_dir
    frame.insert(0, "batch_id", batch.id)
    frame.insert(1, "program", batch.program)
    frame.insert(2, "period", period or year)
    frame.insert(3, "year", year)
    frame.insert(4, "source_file", display_path(batch.records_file) if batch.records_file else "")
    return frame
