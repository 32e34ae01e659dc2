"""Masked open data: one CSV and one XLSX per township and year, same columns as the pages."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from generator.core.county import County
from generator.core.reuse import Reuse, RowDigests
from generator.core.xlsx import table_bytes

log = logging.getLogger(__name__)

# public column → header in the downloaded files (the pages show the same fields)
COLUMNS = {
    "ref": "公开编号", "township": "乡镇", "village": "村", "group": "组", "program_name": "补贴项目",
    "batch_id": "批次", "name_shown": "姓名", "id_shown": "身份证号", "card_shown": "卡号",
    "quantity": "数量", "unit": "单位", "standard": "标准（元）", "amount": "金额（元）",
    "paid_on": "发放日期", "pay_status": "发放状态", "remark_shown": "备注",
}


def download_files(public: pd.DataFrame, county: County) -> list[dict[str, Any]]:
    """The files the downloads page lists (township, year, record count, relative links)."""
    files = []
    town_code = {t.name: t.code for t in county.townships}
    counts = public.groupby(["township", "year"]).size()
    for (township, year), count in counts.items():
        stem = f"{town_code.get(township, 'x')}-{year}"
        files.append({"township": township, "year": year, "records": int(count), "stem": stem,
                      "csv": f"files/{stem}.csv", "xlsx": f"files/{stem}.xlsx"})
    return sorted(files, key=lambda f: (f["stem"]))


def write_downloads(public: pd.DataFrame, county: County, out_dir: Path, reuse: Reuse | None = None) -> int:
    """Write every file listed by ``download_files`` under out_dir/downloads/files/; returns bytes.

    A township's year whose rows did not change is taken from the previous build (`reuse`)."""
    reuse = reuse if reuse is not None else Reuse(out_dir, None, {})
    target = out_dir / "downloads" / "files"
    target.mkdir(parents=True, exist_ok=True)
    table = public.assign(
        program_name=public["program"].map(lambda c: county.programs[c].name),
        unit=public["program"].map(lambda c: county.programs[c].unit),
    ).reset_index(drop=True)
    inputs = RowDigests(table, list(COLUMNS))
    total = 0
    files = download_files(public, county)
    for f in files:
        selected = ((table["township"] == f["township"]) & (table["year"] == f["year"])).to_numpy()
        csv_path, xlsx_path = target / f"{f['stem']}.csv", target / f"{f['stem']}.xlsx"
        title = f"{f['township']}{f['year']}年"
        key = reuse.key("download", f["stem"], title, inputs.of(selected.nonzero()[0]))
        before = reuse.reused_bytes
        if reuse.take(key, [csv_path, xlsx_path]):
            total += reuse.reused_bytes - before
            continue
        rows = table[selected].sort_values(["village", "program", "batch_id", "ref"], kind="stable")
        frame = rows[list(COLUMNS)].rename(columns=COLUMNS)
        csv_bytes = _csv_bytes(frame)
        reuse.write(key, csv_path, csv_bytes)
        xlsx_bytes = table_bytes(frame, title)
        reuse.write(key, xlsx_path, xlsx_bytes)
        total += len(csv_bytes) + len(xlsx_bytes)
    log.info("下载文件：%d 个乡镇×年度，%.1f MB", len(files), total / 1e6)
    return total


FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells starting like a formula (``=HYPERLINK(…)``, ``+``, ``-``, ``@``) get a leading
    apostrophe so that Excel shows them as text instead of running them (CSV injection)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            text = out[column].astype(str)
            risky = text.str.startswith(FORMULA_LEAD)
            if risky.any():
                out[column] = out[column].where(~risky, "'" + text)  # other cells as they were
    return out


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    neutralise_formulas(frame).to_csv(buffer, index=False, lineterminator="\r\n", float_format="%.2f")
    # BOM so that Excel on Chinese Windows opens it as UTF-8
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
