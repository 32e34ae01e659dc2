"""generator/render/downloads.py: the masked open-data files a citizen downloads and opens in Excel."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from generator.ingest.validate import validate_data
from generator.privacy.mask import mask_records
from generator.render.downloads import COLUMNS, download_files, neutralise_formulas, write_downloads
from tests.golden import AS_OF, FIXTURE


@pytest.fixture(scope="module")
def public() -> tuple[pd.DataFrame, object]:
    result = validate_data(FIXTURE, as_of=AS_OF)
    return mask_records(result.records, result.county), result.county


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode())  # Excel on Chinese Windows reads it as UTF-8
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_one_csv_and_one_xlsx_per_township_and_year_with_the_pages_columns(public, tmp_path: Path) -> None:
    frame, county = public
    write_downloads(frame, county, tmp_path)
    files = download_files(frame, county)
    assert sum(f["records"] for f in files) == len(frame)
    assert sorted(p.name for p in (tmp_path / "downloads" / "files").iterdir()) == sorted(
        name for f in files for name in (f["stem"] + ".csv", f["stem"] + ".xlsx"))
    for f in files:
        rows = read_csv(tmp_path / "downloads" / f["csv"])
        assert rows[0] == list(COLUMNS.values())
        assert len(rows) - 1 == f["records"]
        assert {r[1] for r in rows[1:]} == {f["township"]}
        amount = rows[0].index("金额（元）")
        assert all(len(r[amount].split(".")[1]) == 2 for r in rows[1:])  # yuan and fen
        sheet = openpyxl.load_workbook(tmp_path / "downloads" / f["xlsx"], read_only=True).worksheets[0]
        cells = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        assert cells[0] == rows[0] and len(cells) == len(rows)
        assert [c[0] for c in cells[1:]] == [r[0] for r in rows[1:]]  # same records, same order


def test_formula_cells_become_text_and_blank_cells_stay_blank() -> None:
    frame = pd.DataFrame({"备注": ["=HYPERLINK(\"http://x\")", None, "正常", "@SUM(A1)", "-1+1"],
                          "金额（元）": [1.0, -2.0, 3.0, 4.0, 5.0]})
    out = neutralise_formulas(frame)
    shown = out["备注"].tolist()
    assert pd.isna(shown[1])  # a blank cell stays blank (not the text "nan")
    assert shown[:1] + shown[2:] == ["'=HYPERLINK(\"http://x\")", "正常", "'@SUM(A1)", "'-1+1"]
    assert out["金额（元）"].tolist() == [1.0, -2.0, 3.0, 4.0, 5.0]  # numbers are numbers, not formulas
