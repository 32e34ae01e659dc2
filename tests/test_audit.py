"""Cross-checks (generator/audit.py): planted anomalies found, near-misses left alone, report masked."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from planted_data import (
    AS_OF,
    EXPECTED,
    EXPECTED_CASES,
    PEOPLE,
    REPO_DATA,
    card_number,
    write_batch,
    write_planted,
)

from generator.checks.audit import KINDS, REPORT_COLUMNS, audit_findings
from generator.checks.audit_report import BUDGET_SHEET, SUMMARY_SHEET, TOWNSHIP_SHEET
from generator.cli import main
from generator.core.county import load_county
from generator.core.idnumber import make_id
from generator.core.schema import RECORD_COLUMNS
from generator.ingest.validate import validate_data

FULL_ID = re.compile(r"\d{17}[\dX]")
LONG_DIGITS = re.compile(r"\d{12,}")


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_planted(tmp_path_factory.mktemp("planted"))


@pytest.fixture(scope="module")
def validated(planted: Path):
    return validate_data(planted, AS_OF)


@pytest.fixture(scope="module")
def findings(validated):
    return audit_findings(validated.records, validated.county, AS_OF, batches=validated.batches)


@pytest.fixture(scope="module")
def report(planted: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("report") / "audit.xlsx"
    result = CliRunner().invoke(main, ["audit", "--data", str(planted), "--out", str(out),
                                       "--as-of", AS_OF.isoformat()])
    return out, result


def rows_of(table: pd.DataFrame) -> set[tuple[str, int]]:
    return {(b, int(r)) for b, r in zip(table["批次"], table["行号"], strict=True)}


# ---------------------------------------------------------------- what is found


def test_planted_data_is_valid(validated) -> None:
    assert validated.problems == []
    assert len(validated.records) == 25


@pytest.mark.parametrize("kind", KINDS)
def test_each_planted_anomaly_is_found_and_no_near_miss(findings, kind: str) -> None:
    assert rows_of(findings.tables[kind]) == EXPECTED[kind]
    assert findings.cases[kind] == EXPECTED_CASES[kind]


def test_near_misses_appear_nowhere(findings) -> None:
    listed = set().union(*(rows_of(findings.tables[k]) for k in KINDS))
    near_misses = {
        ("2025-gdzl", 7), ("2025-gdzl-bf", 4),            # 补差 within the standard
        ("2025-gdzl", 11), ("2025-gdzl", 12),             # same name, different ID
        ("2025-gdzl", 13), ("2025-03-cxjm", 3),           # two programs, one person, one card
        ("2025-03-cxjm", 5), ("2025-03-cxjm-bf", 2),      # returned, then re-paid on a new card
        ("2025-03-cxjm", 6), ("2025-06-cxjm", 2),         # two quarters of one program
    }
    assert listed.isdisjoint(near_misses)


def test_summary_line(findings) -> None:
    assert findings.summary_line() == "交叉核对：重发 2，多发 2，一人多卡 1，一卡多人 1，漏发 1，迟发 1，身份异常 2"
    assert findings.total_cases == 10


def test_sentences_word_for_word(findings) -> None:
    def sentence(kind: str, batch: str, row: int) -> str:
        table = findings.tables[kind]
        return table[(table["批次"] == batch) & (table["行号"] == row)]["说明"].item()

    assert sentence("重发", "2025-gdzl-bf", 2) == (
        "同一身份证号在“耕地地力保护补贴 2025年度”内成功发放 2 次、合计 1,378.60 元（一次应发 689.30 元），"
        "属重复发放；本行为第 2 次，第 1 次见批次 2025-gdzl 第 2 行。")
    assert sentence("多发", "2025-gdzl", 5) == (
        "同一身份证号在“耕地地力保护补贴 2025年度”内实发 800.00 元，超过应发金额"
        "（标准 68.93 元 × 数量 10 = 689.30 元），多发 110.70 元。")
    assert sentence("多发", "2025-gdzl-bf", 3) == (
        "同一身份证号在“耕地地力保护补贴 2025年度”内实发 789.30 元（2 笔合计），超过应发金额"
        "（标准 68.93 元 × 数量 10 = 689.30 元），多发 100.00 元。")
    assert sentence("漏发", "2025-03-cxjm", 4) == (
        "“城乡居民基础养老金 2025年3月”的 444.00 元发放退回（2025-03-25，已过 605 天），"
        "截至 2026-11-20 未见重新发放成功的记录，请查明原因后补发。")
    assert sentence("迟发", "2025-03-cxjm-late", 2) == (
        "“城乡居民基础养老金 2025年3月”应于 2025-04-15 前发放（期别结束后 15 天内），"
        "实际发放日期 2025-05-10，迟发 25 天。")
    assert sentence("身份异常", "2025-gdzl", 14) == (
        "按身份证号推算，发放时已满 125 岁，超过 110 岁，请核实本人是否健在、是否存在冒领。")
    assert sentence("身份异常", "2025-gdzl", 15) == "身份证号中的出生日期晚于发放日期，号码可能录错，请对照身份证原件核实。"
    assert sentence("一卡多人", "2025-gdzl", 9) == "尾号 0702 的卡收到 2 个不同身份证号的补贴，可能存在代领、冒领，请核实持卡人。"
    assert sentence("一人多卡", "2025-gdzl", 8) == (
        "该身份证号的补贴成功发放到 2 张不同的卡（尾号 0066、0603），不符合“一人一卡”，请核实本人社会保障卡。")


def test_rows_of_one_case_share_a_number(findings) -> None:
    table = findings.tables["重发"]
    assert list(table["问题编号"]) == ["重发-0001", "重发-0001", "重发-0002", "重发-0002"]


# ---------------------------------------------------------------- the Excel report


def test_report_sheets_and_columns(report) -> None:
    out, result = report
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == [SUMMARY_SHEET, *KINDS, BUDGET_SHEET, TOWNSHIP_SHEET]
    for kind in KINDS:
        rows = list(wb[kind].iter_rows(values_only=True))
        assert rows[0] == REPORT_COLUMNS
        assert {(r[1], r[3]) for r in rows[1:]} == EXPECTED[kind]
    assert next(wb[BUDGET_SHEET].iter_rows(values_only=True)) == (
        "年度", "补贴项目", "代码", "主管部门", "年度预算（元）", "已发放（元）", "执行率", "受益人数", "发放笔数")
    assert next(wb[TOWNSHIP_SHEET].iter_rows(values_only=True)) == (
        "年度", "乡镇", "补贴项目", "代码", "已发放（元）", "发放笔数", "受益人数", "占该补贴全县发放")
    summary = {r[0]: r[1:4] for r in wb[SUMMARY_SHEET].iter_rows(values_only=True) if r and r[0] in KINDS}
    assert summary["重发"] == (2, 4, 2067.9)
    assert summary["漏发"] == (1, 1, 444)
    wb.close()


def test_report_row_points_to_the_source(report) -> None:
    out, _ = report
    wb = openpyxl.load_workbook(out, read_only=True)
    row = next(r for r in wb["漏发"].iter_rows(min_row=2, values_only=True))
    assert row[:7] == ("漏发-0001", "2025-03-cxjm", "batches/2025/2025-03-cxjm/records.csv", 4, "福利镇", "东升村", "冯*回")
    assert row[8] == "****0090"
    assert row[9:14] == ("城乡居民基础养老金", "2025年3月", 444, "2025-03-25", "退回")
    wb.close()


def test_cli_prints_a_short_summary(report) -> None:
    out, result = report
    lines = result.output.splitlines()
    assert lines[0] == "交叉核对：重发 2，多发 2，一人多卡 1，一卡多人 1，漏发 1，迟发 1，身份异常 2"
    assert lines[1] == "预算执行：2025 年 2 项补贴已发放 7,975.52 元，有预算的 15 项合计执行率 0.8%。"
    assert lines[2].endswith(f"报告已写入 {out}")


def _scan_workbook(path: Path, secrets: set[str]) -> list[str]:
    wb = openpyxl.load_workbook(path, read_only=True)
    found = []
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, int | float) and abs(value) >= 1e11:
                    found.append(f"{ws.title}: number {value}")  # an ID or card stored as a number
                text = value if isinstance(value, str) else ""
                if FULL_ID.search(text) or LONG_DIGITS.search(text):
                    found.append(f"{ws.title}: {text}")
                found.extend(f"{ws.title}: {s}" for s in secrets if s in text)
    wb.close()
    return found


def test_report_holds_no_unmasked_id_or_card(report) -> None:
    out, _ = report
    secrets = {p["id"] for p in PEOPLE} | {p["card"] for p in PEOPLE}
    secrets |= {s[6:14] for s in {p["id"] for p in PEOPLE}}  # birth dates too
    assert _scan_workbook(out, secrets) == []


@pytest.mark.slow
def test_report_on_the_sample_holds_none_of_its_ids_or_cards(tmp_path: Path) -> None:
    out = tmp_path / "audit.xlsx"
    result = CliRunner().invoke(main, ["audit", "--data", str(REPO_DATA), "--out", str(out),
                                       "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    records = validate_data(REPO_DATA, AS_OF).records
    secrets = set(records["id_number"]) | set(records["card_number"])
    assert len(secrets) > 500
    assert _scan_workbook(out, secrets) == []
    wb = openpyxl.load_workbook(out, read_only=True)
    masked = [r[7] for r in wb["漏发"].iter_rows(min_row=2, values_only=True)]
    wb.close()
    assert masked and all(re.fullmatch(r"\d{6}\*{8}[\dX]{4}", m) for m in masked)


def test_report_is_deterministic(planted: Path, tmp_path: Path) -> None:
    outs = [tmp_path / "a.xlsx", tmp_path / "b.xlsx"]
    for out in outs:
        CliRunner().invoke(main, ["audit", "--data", str(planted), "--out", str(out), "--as-of", AS_OF.isoformat()])
    assert outs[0].read_bytes() == outs[1].read_bytes()


def test_report_formats_and_frozen_header(report) -> None:
    out, _ = report
    wb = openpyxl.load_workbook(out)
    assert wb.active.title == SUMMARY_SHEET
    sheet = wb["重发"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b and sheet["L2"].number_format == "#,##0.00"
    assert wb[BUDGET_SHEET]["G2"].number_format == "0.0%"
    assert sheet.column_dimensions["O"].width == 70


def test_report_drops_characters_xml_cannot_hold(tmp_path: Path) -> None:
    from generator.checks.audit_report import Sheet, workbook_bytes

    frame = pd.DataFrame({"说明": ["a\x00b\x1fc <&>"], "金额（元）": [1.5]})
    (tmp_path / "x.xlsx").write_bytes(workbook_bytes([Sheet("表", (10, 10), frame)]))
    assert next(openpyxl.load_workbook(tmp_path / "x.xlsx")["表"].iter_rows(min_row=2, values_only=True)) == (
        "abc <&>", 1.5)


# ---------------------------------------------------------------- exit codes and bad input


def test_strict_exits_1_on_findings(planted: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["audit", "--data", str(planted), "--out", str(tmp_path / "a.xlsx"),
                                       "--as-of", AS_OF.isoformat(), "--strict"])
    assert result.exit_code == 1


def test_strict_exits_0_when_only_near_misses(tmp_path: Path) -> None:
    data = write_planted(tmp_path, only={"2025-06-cxjm", "2025-03-cxjm-bf"})
    result = CliRunner().invoke(main, ["audit", "--data", str(data), "--out", str(tmp_path / "a.xlsx"),
                                       "--as-of", AS_OF.isoformat(), "--strict"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "交叉核对：重发 0，多发 0，一人多卡 0，一卡多人 0，漏发 0，迟发 0，身份异常 0"


def test_audit_runs_on_usable_rows_when_input_has_problems(tmp_path: Path) -> None:
    data = write_planted(tmp_path, only={"2025-03-cxjm"})
    good = make_id("230521", dt.date(1970, 1, 1), 5)
    bad_id = good[:17] + ("0" if good[17] != "0" else "1")
    write_batch(data, "2025-06-cxjm", {"program": "cxjm", "period": "2025-06", "produced_on": "2025-06-20"}, [
        ["刘校验", bad_id, card_number(200), "福利镇", "东升村", "1", "3", "148.00", "444.00",
         "2025-06-25", "成功", ""],
        ["何金额", make_id("230521", dt.date(1971, 1, 1), 7), card_number(201), "福利镇", "东升村", "1", "3", "148.00",
         "四百", "2025-06-25", "成功", ""],
    ])
    out = tmp_path / "a.xlsx"
    result = CliRunner().invoke(main, ["audit", "--data", str(data), "--out", str(out), "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    assert "注意：输入数据有 2 个问题（运行 yikatong validate 查看），有问题的字段已跳过，核对结果可能不完整。" in result.output
    wb = openpyxl.load_workbook(out, read_only=True)
    identity = list(wb["身份异常"].iter_rows(min_row=2, values_only=True))
    returned = list(wb["漏发"].iter_rows(min_row=2, values_only=True))
    wb.close()
    assert [(r[1], r[3], r[7]) for r in identity] == [("2025-06-cxjm", 2, bad_id[:6] + "*" * 8 + bad_id[-4:])]
    assert identity[0][14] == "身份证号校验未通过（位数、字符、出生日期或校验位有误），无法确认本人身份，请对照身份证原件核实。"
    assert {(r[1], r[3]) for r in returned} == {("2025-03-cxjm", 4), ("2025-03-cxjm", 5)}
    strict = CliRunner().invoke(main, ["audit", "--data", str(data), "--out", str(out),
                                       "--as-of", AS_OF.isoformat(), "--strict"])
    assert strict.exit_code == 1


def test_audit_says_why_it_cannot_run_without_a_county(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    result = CliRunner().invoke(main, ["audit", "--data", str(data), "--out", str(tmp_path / "a.xlsx")])
    assert result.exit_code == 1
    assert "无法核对：county.yml 或补贴政策清单（programs/）有误" in result.output
    assert not (tmp_path / "a.xlsx").exists()


# ---------------------------------------------------------------- budget execution


def test_budget_execution_per_program_and_year(findings, validated) -> None:
    budget = findings.budget.set_index(["program", "year"])
    gdzl = budget.loc[("gdzl", "2025")]
    records = validated.records
    paid = records[(records["program"] == "gdzl") & (records["pay_status"] == "成功")]
    assert gdzl["paid"] == round(paid["amount"].sum(), 2) == 5311.52
    assert gdzl["payments"] == 17
    assert gdzl["recipients"] == 13  # A, B, D and E are paid twice
    assert gdzl["budget"] == validated.county.programs["gdzl"].budget[2025]
    assert gdzl["rate"] == pytest.approx(5311.52 / gdzl["budget"])
    cxjm = budget.loc[("cxjm", "2025")]
    assert (cxjm["paid"], cxjm["payments"], cxjm["recipients"]) == (2664.0, 6, 5)  # two returned: not paid
    unspent = budget.loc[("gdzl", "2026")]
    assert unspent["paid"] == 0 and unspent["payments"] == 0 and unspent["rate"] == 0


def test_budget_per_township(findings) -> None:
    towns = findings.township_budget
    assert set(towns["township"]) == {"福利镇"}
    gdzl = towns[(towns["program"] == "gdzl") & (towns["year"] == "2025")].iloc[0]
    assert gdzl["paid"] == 5311.52 and gdzl["share"] == 1.0


# ---------------------------------------------------------------- unit cases on typed records


def make_record(**overrides: object) -> dict[str, object]:
    record: dict[str, object] = {
        "batch_id": "2025-gdzl", "program": "gdzl", "period": "2025", "year": "2025",
        "source_file": "data/batches/2025/2025-gdzl/records.csv", "source_row": 2,
        "name": "王大娘", "id_number": make_id("230521", dt.date(1958, 3, 1), 12),
        "card_number": "6231360000000000017", "township": "福利镇", "village": "东升村", "group": "1",
        "quantity": 10.0, "standard": 68.93, "amount": 689.3, "paid_on": pd.Timestamp("2025-05-25"),
        "pay_status": "成功", "remark": "",
    }
    record.update(overrides)
    return record


def frame(*records: dict[str, object]) -> pd.DataFrame:
    out = pd.DataFrame(list(records), columns=list(RECORD_COLUMNS))
    return out.astype({"quantity": "float64", "standard": "float64", "amount": "float64",
                       "paid_on": "datetime64[us]", "source_row": "int64"})


@pytest.fixture(scope="module")
def county():
    return load_county(REPO_DATA)


def test_no_records_no_findings(county) -> None:
    found = audit_findings(frame(), county, AS_OF)
    assert found.total_cases == 0
    assert all(found.tables[k].columns.tolist() == list(REPORT_COLUMNS) for k in KINDS)


def test_cap_per_person_limits_the_allowed_amount(county) -> None:
    capped = dataclasses.replace(county, programs={
        **county.programs, "gdzl": dataclasses.replace(county.programs["gdzl"], cap_per_person=500.0)})
    found = audit_findings(frame(make_record()), capped, AS_OF)
    assert found.tables["多发"]["说明"].tolist() == [
        "同一身份证号在“耕地地力保护补贴 2025年度”内实发 689.30 元，超过应发金额（每人上限 500.00 元），多发 189.30 元。"]


def test_standard_by_year_overrides_the_standard(county) -> None:
    program = county.programs["gdzl"]
    changed = dataclasses.replace(county, programs={**county.programs, "gdzl": dataclasses.replace(
        program, extra={**program.extra, "standard_by_year": {2025: 80.0}})})
    record = make_record(standard=80.0, amount=800.0)
    assert audit_findings(frame(record), changed, AS_OF).cases["多发"] == 0
    assert audit_findings(frame(record), county, AS_OF).cases["多发"] == 1


def test_blank_id_is_an_identity_finding_not_a_person(county) -> None:
    found = audit_findings(frame(make_record(id_number=""), make_record(id_number="", source_row=3)), county, AS_OF)
    assert found.cases == {**dict.fromkeys(KINDS, 0), "身份异常": 1}
    assert found.tables["身份异常"]["说明"].tolist() == ["身份证号为空，无法核对本人身份及是否重复领取。"] * 2


def test_missing_paid_on_falls_back_to_the_batch(county, planted: Path) -> None:
    batches = validate_data(planted, AS_OF).batches
    late = make_record(batch_id="2025-03-cxjm-late", program="cxjm", period="2025-03", quantity=3.0,
                       standard=148.0, amount=444.0, paid_on=pd.NaT)
    assert audit_findings(frame(late), county, AS_OF).cases["迟发"] == 0
    assert audit_findings(frame(late), county, AS_OF, batches=batches).cases["迟发"] == 1


def test_checks_are_vectorised_over_many_rows(county) -> None:
    n = 20_000
    base = frame(make_record())
    many = base.loc[np.zeros(n, dtype=int)].reset_index(drop=True)
    many["id_number"] = [make_id("230521", dt.date(1950, 1, 1) + dt.timedelta(days=i % 9000), i % 997)
                         for i in range(n)]
    many["card_number"] = many.index.astype(str).str.zfill(19)
    many["source_row"] = np.arange(2, n + 2)
    found = audit_findings(many, county, AS_OF)
    assert found.seconds < 5
    assert found.records_checked == n

