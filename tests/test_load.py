"""Loading batches as clerks make them: encodings, Excel quirks, header variants."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from generator.ingest.load import canonical_column, load_batches
from tests.publishing_factory import HEADERS, make_data_dir, make_person, write_batch


def _write_csv(path: Path, headers: list[str], rows: list[list[object]], encoding: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return make_data_dir(tmp_path)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings_load_the_same(data: Path, encoding: str) -> None:
    folder = write_batch(data, "2025-gdzl", "gdzl", "2025-03-20", [])
    person = make_person(1)
    _write_csv(folder / "records.csv", HEADERS, [[person[h] for h in HEADERS]], encoding)
    loaded = load_batches(data)
    assert loaded.problems == []
    row = loaded.records.iloc[0]
    assert (row["name"], row["township"], row["village"]) == (person["姓名"], "福利镇", "东升村")
    assert row["source_row"] == 2


def test_excel_with_title_row_serial_units_and_total_row(data: Path) -> None:
    folder = write_batch(data, "2025-gdzl", "gdzl", "2025-03-20", [])
    (folder / "records.csv").unlink()
    wb = Workbook()
    ws = wb.active
    ws.append(["2025年耕地地力保护补贴发放名单"])
    ws.append(["序号", "姓名", "公民身份号码", "银行账号", "乡镇", "村", "组", "面积（亩）", "补贴标准（元/亩）", "补贴金额（元）", "发放日期", "发放状态", "备注"])
    for i in range(1, 4):
        p = make_person(i)
        ws.append([i, p["姓名"], p["身份证号"], p["社保卡号"], "福利镇", "东升村", "一组", 10, 100, 1000, "2025-03-25", "成功", ""])
    ws.append(["合计", "", "", "", "", "", "", 30, "", 3000])
    wb.save(folder / "records.xlsx")
    loaded = load_batches(data)
    assert loaded.problems == []
    assert loaded.records["source_row"].tolist() == [3, 4, 5]  # title row 1, header row 2
    assert loaded.records["quantity"].tolist() == ["10", "10", "10"]


def test_unknown_columns_are_dropped_but_remembered_for_the_leak_scan(data: Path) -> None:
    folder = write_batch(data, "2025-gdzl", "gdzl", "2025-03-20", [])
    person = make_person(1)
    headers = HEADERS + ["联系电话", "残疾类别"]
    _write_csv(folder / "records.csv", headers, [[person[h] for h in HEADERS] + ["13912345678", "肢体残疾"]], "utf-8")
    loaded = load_batches(data)
    assert "联系电话" not in loaded.records.columns
    assert not loaded.records.isin(["13912345678", "肢体残疾"]).any().any()
    assert "13912345678" in loaded.sensitive_values
    assert person["身份证号"] in loaded.sensitive_values


def test_full_width_digits_spaces_and_lowercase_x_are_normalised(data: Path) -> None:
    person = make_person(3)
    raw_id = person["身份证号"]
    fancy = " ".join([raw_id[:6], raw_id[6:14], raw_id[14:]]).translate(str.maketrans("0123456789X", "０１２３４５６７８９x"))
    write_batch(data, "2025-gdzl", "gdzl", "2025-03-20", [{**person, "身份证号": fancy}])
    loaded = load_batches(data)
    assert loaded.records.iloc[0]["id_number"] == raw_id


@pytest.mark.parametrize("header, canonical", [
    ("姓名", "name"), ("身份证号", "id_number"), ("公民身份号码", "id_number"), ("身份证号码", "id_number"),
    ("社保卡号", "card_number"), ("银行账号", "card_number"), ("卡号", "card_number"), ("乡镇", "township"),
    ("村", "village"), ("组", "group"), ("数量", "quantity"), ("面积", "quantity"), ("面积（亩）", "quantity"),
    ("标准", "standard"), ("补贴标准(元/亩)", "standard"), ("金额", "amount"), ("补贴金额（元）", "amount"),
    ("发放日期", "paid_on"), ("发放状态", "pay_status"), ("备注", "remark"), ("* 姓名", "name"),
    ("联系电话", None), ("序号", None), ("家庭住址", None),
], ids=lambda v: str(v))
def test_header_variants(header: str, canonical: str | None) -> None:
    assert canonical_column(header) == canonical


def test_missing_records_file_is_reported(data: Path) -> None:
    folder = data / "batches" / "2025" / "2025-gdzl"
    folder.mkdir(parents=True)
    (folder / "batch.yml").write_text("program: gdzl\nproduced_on: 2025-03-20\n", encoding="utf-8")
    loaded = load_batches(data)
    assert [p.message for p in loaded.problems] == ["批次目录中没有 records.csv 或 records.xlsx，请放入发放名单文件。"]
