"""generator/core/xlsx.py: XLSX files Excel opens, byte-identical for the same content."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl import Workbook

from generator.core.xlsx import save_workbook, write_table, zip_parts


def test_write_table_opens_in_openpyxl_with_header_and_text_cells(tmp_path: Path) -> None:
    frame = pd.DataFrame({"姓名": ["王大娘", "李<&>"], "金额（元）": ["1,000.00", "=1+1"]})
    path = tmp_path / "t.xlsx"
    write_table(frame, path, "福利镇2025年")
    book = openpyxl.load_workbook(path)
    sheet = book["福利镇2025年"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["姓名", "金额（元）"], ["王大娘", "1,000.00"], ["李<&>", "=1+1"]]
    assert sheet["B3"].data_type == "s"  # written as text: Excel never evaluates it
    assert sheet.freeze_panes == "A2"


def test_same_content_same_bytes(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": ["1", "2"]})
    write_table(frame, tmp_path / "1.xlsx", "s")
    write_table(frame, tmp_path / "2.xlsx", "s")
    assert (tmp_path / "1.xlsx").read_bytes() == (tmp_path / "2.xlsx").read_bytes()
    for name in ("1", "2"):
        wb = Workbook()
        wb.active["A1"] = "模板"
        save_workbook(wb, tmp_path / f"wb{name}.xlsx")
    assert (tmp_path / "wb1.xlsx").read_bytes() == (tmp_path / "wb2.xlsx").read_bytes()


def test_zip_parts_fixed_times() -> None:
    data = zip_parts({"a.txt": "一", "b.txt": "二"})
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.namelist() == ["a.txt", "b.txt"]
        assert {i.date_time for i in zf.infolist()} == {(2020, 1, 1, 0, 0, 0)}
        assert zf.read("b.txt").decode() == "二"
