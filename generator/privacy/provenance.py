"""Where a leak-scan finding came from: the input file, row and column a clerk can fix.

The build scans its temporary directory; a finding there names a file the clerk never saw
(and that is deleted). ``locate_finding`` names the published file relative to the site and
the input cell whose digits hold the number found — without printing the number.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from generator.core.errors import display_path
from generator.core.normalise import CHINESE_DIGITS
from generator.core.schema import DEFAULT_HEADERS

_TEXT_COLUMNS = tuple(DEFAULT_HEADERS)
_TO_ASCII = str.maketrans(CHINESE_DIGITS | {chr(0xFF10 + i): str(i) for i in range(10)})


def locate_finding(finding: Any, site_dir: Path, result: Any) -> str:
    """``downloads/files/x.csv:12: 手机号码 138…00（11 位）（来源：data/…/records.csv 第 5 行“备注”列）``."""
    shown = display_path(site_dir)
    path = finding.path[len(shown) + 1:] if finding.path.startswith(shown + "/") else finding.path
    source = _source(finding.value, result) if finding.value else None
    where = f"（来源：{source}）" if source else "（来源：未能在输入中定位，请检查模板和批次说明）"
    return f"{path}:{finding.line}: {finding.what}{where}"


def _source(value: str, result: Any) -> str | None:
    for batch in result.batches:
        for key, text in batch.meta.items():
            if value in _digits(str(text)):
                return f"{batch.meta_path} 中的 {key}"
    records: pd.DataFrame = result.records
    for column in _TEXT_COLUMNS:
        if column not in records or pd.api.types.is_numeric_dtype(records[column]) \
                or pd.api.types.is_datetime64_any_dtype(records[column]):
            continue
        cells = records[column].astype(str)
        digits = cells.str.translate(_TO_ASCII).str.upper().str.replace(r"[^0-9X]", "", regex=True)
        hits = digits.str.contains(value, regex=False).to_numpy()
        if hits.any():
            row = records[hits].iloc[0]
            header = result.headers.get(row["source_file"], {}).get(column, DEFAULT_HEADERS[column])
            return f"{row['source_file']} 第 {int(row['source_row'])} 行“{header}”列"
    return None


def _digits(text: str) -> str:
    return "".join(ch for ch in text.translate(_TO_ASCII).upper() if ch.isdigit() or ch == "X")
