"""Stage 1 — load: every batch under ``data/batches`` into one canonical DataFrame.

Accepts CSV (UTF-8, UTF-8 with BOM, GB18030) and XLSX as clerks make them: an optional
title row above the header, 序号, units in headers (``面积（亩）``), a 合计 row at the end.
Columns are mapped to the canonical schema (``schema.HEADER_ALIASES``); any other column is
dropped here, before anything else sees it, but the ID, card and phone numbers it holds are
remembered so the leak scan can prove none of them was published.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
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
from generator.core.normalise import nfkc
from generator.core.schema import HEADER_ALIASES, HEADER_QUALIFIERS, PROVENANCE_COLUMNS
from generator.ingest.messages import LOAD_MESSAGES as M

log = logging.getLogger(__name__)

RECORD_FILE_NAMES = ("records.csv", "records.xlsx")
TEMPLATE_SHEET = "名单"  # the data sheet of the template (render.template.DATA_SHEET)
_BRACKETED = re.compile(r"[（(【\[〔［](.*?)[)）】\]〕］]")
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
            loaded = read_batch_yaml(_decode_batch_yaml(meta_path.read_bytes()))
            if isinstance(loaded, dict):
                meta = loaded
            else:
                problems.append(Problem(rel, None, None, "batch.yml 内容应为“键: 值”形式。"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f"第 {mark.line + 1} 行" if mark is not None else ""
            problems.append(Problem(rel, mark.line + 1 if mark is not None else None, None,
                                    M["yaml_syntax"].format(where=line)))
        except _Unreadable as exc:
            problems.append(Problem(rel, None, None, str(exc)))
    files = [folder / n for n in RECORD_FILE_NAMES if (folder / n).exists()]
    if not files and (folder / "records.xls").exists():
        problems.append(Problem(display_path(folder / "records.xls"), None, None, M["xls"]))
    elif not files:
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
        problems.append(Problem(rel, 1, None, _no_header_message(grid)))
        return None
    raw_headers = [str(h) for h in grid.iloc[header_idx]]
    if header_idx + 1 < len(grid):
        above = {canonical_column(v) for v in raw_headers} - {None}
        below = {canonical_column(v) for v in grid.iloc[header_idx + 1] if str(v).strip()} - {None}
        if len(below - above) >= 2:  # column names in the row under the header: a two-row header
            problems.append(Problem(rel, header_idx + 1, None, M["two_row_header"].format(
                row=header_idx + 1, next=header_idx + 2)))
            return None
    body = grid.iloc[header_idx + 1:]
    body = body[~_is_blank_or_total(body)]
    header_map: dict[str, str] = {}
    frame = pd.DataFrame(index=body.index)
    for pos, header in enumerate(raw_headers):
        canonical = canonical_column(header)
        column = body.iloc[:, pos].astype(str).str.strip()
        if canonical is None or canonical in header_map:
            _remember_numbers(column, sensitive)  # dropped, but never to be published
            if canonical is not None:
                problems.append(Problem(rel, header_idx + 1, header.strip(), M["duplicate_column"].format(
                    first=header_map[canonical], second=header.strip())))
            elif (stem := qualified_stem(header)) is not None:
                problems.append(Problem(rel, header_idx + 1, header.strip(), M["qualified_column"].format(
                    header=header.strip(), stem=HEADER_ALIASES[stem][0]), warning=True))
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
    """The canonical column for a header as a clerk wrote it, or None to drop it.

    A header in brackets maps only when the whole header is a known alias (``村（社区）``) or
    every bracket holds a unit the schema lists (``面积（亩）``): ``身份证号（配偶）`` or
    ``备注（致贫原因）`` is another column, not the stem's, and is dropped.
    """
    text = nfkc(str(header))
    full = re.sub(r"[\s()（）*＊:：]", "", text)
    if full in _ALIAS_INDEX:
        return _ALIAS_INDEX[full]
    qualifiers = [_SPACES.sub("", q) for q in _BRACKETED.findall(text)]
    if any(q not in HEADER_QUALIFIERS for q in qualifiers):
        return None
    return _ALIAS_INDEX.get(_SPACES.sub("", _BRACKETED.sub("", text)))


def qualified_stem(header: str) -> str | None:
    """The column a dropped header with a qualifier looks like (``身份证号（配偶）`` → id_number)."""
    text = nfkc(str(header))
    if not _BRACKETED.search(text) or canonical_column(header) is not None:
        return None
    return _ALIAS_INDEX.get(_SPACES.sub("", _BRACKETED.sub("", text)))


class _Unreadable(Exception):
    pass


def _decode_batch_yaml(raw: bytes) -> str:
    """batch.yml in UTF-8 (with or without BOM), or as Notepad's “ANSI” saves it (GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _Unreadable(M["yaml_encoding"])


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _Unreadable(M["csv_encoding"])
    if not text.strip():
        raise _Unreadable(M["csv_empty"])
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows.extend(reader)
    except csv.Error:
        raise _Unreadable(M["csv_quote"].format(row=len(rows) + 1)) from None
    first = next((r for r in rows if any(c.strip() for c in r)), [])
    if len(first) <= 1 and first:
        for delimiter, name in (("\t", "制表符"), (";", "分号"), ("；", "分号"), ("|", "竖线")):
            if first[0].count(delimiter) >= 2:
                raise _Unreadable(M["csv_delimiter"].format(name=name))
    width = max(len(r) for r in rows)
    return pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=str)


def _read_xlsx(path: Path, rel: str, problems: list[Problem]) -> pd.DataFrame:
    """The sheet the template names (名单), else the first visible one; hidden sheets never.

    Hidden rows or columns holding content, merged cells and formulas without a saved value
    are problems for the clerk to fix (each with its own message), never silently read.
    """
    try:
        wb = load_workbook(path, read_only=False, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise _Unreadable(M["xlsx_unreadable"].format(kind=type(exc).__name__)) from None
    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    named = [ws for ws in visible if ws.title == TEMPLATE_SHEET]
    if not visible:
        raise _Unreadable(M["xlsx_no_visible"])
    ws = (named or visible)[0]
    grid = [[cell.value for cell in row] for row in ws.iter_rows()]
    if not grid or not any(v not in (None, "") for row in grid for v in row):
        raise _Unreadable(M["xlsx_empty"].format(sheet=ws.title))
    formulas = [(r, c) for r, row in enumerate(grid) for c, v in enumerate(row)
                if isinstance(v, str) and v.startswith("=")]
    if formulas:
        cached = load_workbook(path, read_only=False, data_only=True)[ws.title]
        for r, c in formulas:
            value = cached.cell(row=r + 1, column=c + 1).value
            if value is None:
                problems.append(Problem(rel, r + 1, _column_letter(c), M["xlsx_formula"]))
            grid[r][c] = value
    for merged in ws.merged_cells.ranges:
        problems.append(Problem(rel, merged.min_row, _column_letter(merged.min_col - 1),
                                M["xlsx_merged"].format(range=merged.coord)))
        top = grid[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row - 1, min(merged.max_row, len(grid))):
            for c in range(merged.min_col - 1, min(merged.max_col, len(grid[r]))):
                grid[r][c] = top  # one message for the merge, not one "为空" per covered cell
    for r, row in enumerate(grid):
        dim = ws.row_dimensions.get(r + 1)
        if dim is not None and dim.hidden and any(v not in (None, "") for v in row):
            problems.append(Problem(rel, r + 1, None, M["xlsx_hidden_row"]))
    for c in range(max(len(r) for r in grid)):
        letter = _column_letter(c)
        dim = ws.column_dimensions.get(letter)
        hidden = dim is not None and dim.hidden
        if not hidden:  # a hidden range is stored on its first column (min..max)
            hidden = any(d.hidden and d.min is not None and d.max is not None and d.min <= c + 1 <= d.max
                         for d in ws.column_dimensions.values())
        if hidden and any(len(row) > c and row[c] not in (None, "") for row in grid):
            problems.append(Problem(rel, None, letter, M["xlsx_hidden_column"].format(column=letter)))
    wb.close()
    rows = [[_cell_text(v) for v in row] for row in grid]
    width = max(len(r) for r in rows)
    return pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=str)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _no_header_message(grid: pd.DataFrame) -> str:
    """Why no header row was found: a two-row header, or none at all."""
    for idx in range(min(10, len(grid) - 1)):
        pair = [f"{a}{b}" for a, b in zip(grid.iloc[idx], grid.iloc[idx + 1], strict=True)]
        known = {canonical_column(v) for v in pair} - {None}
        if "name" in known and len(known) >= 3:
            return M["two_row_header"].format(row=idx + 1, next=idx + 2)
    return M["no_header"]


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
    if body.size == 0:
        return pd.Series(False, index=body.index)
    # column by column (vectorised): each cell as text, stripped, as ``str(value).strip()`` reads it
    stripped = np.column_stack([body.iloc[:, i].astype(str).str.strip().to_numpy(dtype=object)
                                for i in range(body.shape[1])])
    filled = stripped != ""
    blank = ~filled.any(axis=1)
    first = pd.Series(stripped[np.arange(len(stripped)), filled.argmax(axis=1)], index=body.index, dtype=object)
    total = first.str.match(_TOTAL_ROW.pattern).fillna(False).to_numpy(dtype=bool)
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


def input_values(data_dir: Path) -> set[str]:
    """Every ID, card and phone-like value in the input (including dropped columns), for the
    leak scan's exact-value check (``privacy.scan.scan_site``)."""
    return load_batches(Path(data_dir)).sensitive_values
