"""Every validation message a clerk can see, asserted word for word."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.core.errors import display_path
from generator.ingest.validate import validate_data
from tests.publishing_factory import make_data_dir, make_person, write_batch

AS_OF = dt.date(2025, 4, 1)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return make_data_dir(tmp_path)


def _one_problem(data: Path, **overrides: object) -> str:
    folder = write_batch(data, "2025-gdzl", "gdzl", "2025-03-20", [make_person(1), make_person(2, **overrides)])
    result = validate_data(data, as_of=AS_OF)
    assert len(result.problems) == 1, result.problems
    problem = result.problems[0]
    assert problem.path == display_path(folder / "records.csv")
    assert problem.row == 3  # header is row 1, the second person is row 3
    return f"{problem.column}: {problem.message}"


BAD_ID = make_person(2)["身份证号"]
WRONG_CHECK = BAD_ID[:17] + ("0" if BAD_ID[17] != "0" else "1")


@pytest.mark.parametrize("overrides, expected", [
    ({"姓名": ""}, "姓名: “姓名”为空：每一行都必须填写姓名。"),
    ({"身份证号": BAD_ID[:17]}, "身份证号: “身份证号”应为 18 位，实际为 17 位：请对照身份证原件补全或删去多余字符。"),
    ({"身份证号": BAD_ID[:16] + "A" + BAD_ID[17]}, "身份证号: “身份证号”只能由 17 位数字和 1 位数字或 X 组成，请删去其他字符。"),
    ({"身份证号": WRONG_CHECK}, "身份证号: “身份证号”有数字错误（按 GB 11643 校验不通过）：请对照身份证原件逐位核对，不要只改最后一位。"),
    ({"身份证号": "2.30521E+17"}, "身份证号: “身份证号”被 Excel 当作数字保存，末尾几位已经丢失：请把该列设为“文本”格式后重新录入。"),
    ({"乡镇": "福利"}, "乡镇: 乡镇“福利”不在本县乡镇名单中：请使用规范名称（是否为“福利镇”？）。"),
    ({"村": "东升"}, "村: 村“东升”不属于福利镇：请按县里登记的村名填写（是否为“东升村”？）。"),
    ({"金额": "一千元"}, "金额: “金额”的值“一千元”不是数字：请只填写数字，例如 1234.50。"),
    ({"数量": -10, "金额": -1000}, "数量: “数量”不能为负数（-10）：追回多发资金请走退款流程，不要在名单中填写负数。"),
    ({"金额": 1100}, "金额: “金额”1100 不等于“数量”×“标准”（10 × 100 = 1000）：请核对数量、标准和金额。"),
    ({"发放日期": "2025-02-30"}, "发放日期: “发放日期”的日期“2025-02-30”无效：请写成 YYYY-MM-DD，例如 2025-03-31。"),
    ({"发放日期": "2025-05-01"}, "发放日期: “发放日期”2025-05-01 晚于今天（2025-04-01）：不能公开尚未发生的发放，请核对日期。"),
    ({"发放状态": "已发"}, "发放状态: “发放状态”只能填写 成功、失败 或 退回，不能是“已发”。"),
], ids=["required", "id-length", "id-chars", "id-checksum", "excel-number", "township", "village",
        "not-number", "negative", "product", "bad-date", "future-date", "status"])
def test_record_messages(data: Path, overrides: dict[str, object], expected: str) -> None:
    if expected.startswith("数量: “数量”不能为负数"):
        # a negative quantity with a matching negative amount: both cells are reported
        folder = write_batch(data, "2025-gdzl", "gdzl", "2025-03-20", [make_person(1), make_person(2, **overrides)])
        problems = validate_data(data, as_of=AS_OF).problems
        assert [f"{p.column}: {p.message}" for p in problems] == [
            "数量: “数量”不能为负数（-10）：追回多发资金请走退款流程，不要在名单中填写负数。",
            "金额: “金额”不能为负数（-1000）：追回多发资金请走退款流程，不要在名单中填写负数。",
        ]
        assert {p.path for p in problems} == {display_path(folder / "records.csv")}
        return
    assert _one_problem(data, **overrides) == expected


def test_dates_in_other_spellings_are_accepted(data: Path) -> None:
    rows = [make_person(1, 发放日期="2025/3/5"), make_person(2, 发放日期="2025年3月5日"), make_person(3, 发放日期="20250305")]
    write_batch(data, "2025-gdzl", "gdzl", "2025-03-20", rows)
    result = validate_data(data, as_of=AS_OF)
    assert result.problems == []
    assert result.records["paid_on"].dt.strftime("%Y-%m-%d").tolist() == ["2025-03-05"] * 3


@pytest.mark.parametrize("meta, expected", [
    ({"program": None}, "program: batch.yml 缺少“program”（补贴项目代码，如 gdzl），请补充。"),
    ({"produced_on": None}, "produced_on: batch.yml 缺少“produced_on”（信息产生日期，格式 YYYY-MM-DD），请补充。"),
    ({"program": "xyz"}, "program: batch.yml 中的 program“xyz”不在补贴政策清单（data/programs/）中：可用的代码有 gdzl、nccb。"),
    ({"produced_on": "2025-13-01"}, "produced_on: batch.yml 中的 produced_on“2025-13-01”不是有效日期：请写成 YYYY-MM-DD，例如 2025-03-31。"),
    ({"produced_on": "2025-06-01"}, "produced_on: batch.yml 中的 produced_on 2025-06-01 晚于今天（2025-04-01）：请核对日期。"),
    ({"status": "done"}, "status: batch.yml 中的 status“done”无效：只能是 paid（已发放）、notice（公示中）或 withdrawn（撤回）。"),
    ({"status": "notice"}, "notice_start: batch.yml 的 status 为 notice 时必须填写 notice_start（公示开始日期，YYYY-MM-DD）。"),
    ({"changed_on": "2025-04-31"}, "changed_on: batch.yml 中的 changed_on“2025-04-31”不是有效日期：请写成 YYYY-MM-DD，例如 2025-03-31。"),
    ({"status": "notice", "notice_start": "2025-03-25", "notice_days": "七"}, "notice_days: batch.yml 中的 notice_days“七”无效：应为公示的工作日天数，正整数，例如 7。"),
], ids=["no-program", "no-produced-on", "unknown-program", "bad-date", "future", "bad-status", "notice-start",
        "changed-on", "notice-days"])
def test_batch_meta_messages(data: Path, meta: dict[str, object], expected: str) -> None:
    folder = data / "batches" / "2025" / "2025-x"
    folder.mkdir(parents=True)
    base = {"program": "gdzl", "produced_on": "2025-03-20"}
    base.update(meta)
    lines = [f"{k}: {v}" for k, v in base.items() if v is not None]
    (folder / "batch.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "records.csv").write_text("姓名,身份证号\n", encoding="utf-8")
    problems = [p for p in validate_data(data, as_of=AS_OF).problems if p.path.endswith("batch.yml")]
    assert [f"{p.column}: {p.message}" for p in problems] == [expected]


def test_every_problem_is_reported_at_once_and_cli_exits_1(data: Path) -> None:
    folder = write_batch(data, "2025-gdzl", "gdzl", "2025-03-20", [
        make_person(1, 乡镇="福利"), make_person(2, 金额=5), make_person(3, 发放状态="?")])
    result = CliRunner().invoke(main, ["-q", "validate", "--data", str(data), "--as-of", "2025-04-01"])
    assert result.exit_code == 1
    path = display_path(folder / "records.csv")
    lines = result.stdout.splitlines()
    assert lines[0] == f"{path}:2:乡镇: 乡镇“福利”不在本县乡镇名单中：请使用规范名称（是否为“福利镇”？）。"
    assert lines[1] == f"{path}:3:金额: “金额”5 不等于“数量”×“标准”（10 × 100 = 1000）：请核对数量、标准和金额。"
    assert lines[2] == f"{path}:4:发放状态: “发放状态”只能填写 成功、失败 或 退回，不能是“?”。"
    assert "Traceback" not in result.output


def test_valid_data_passes_with_exit_0(data: Path) -> None:
    write_batch(data, "2025-gdzl", "gdzl", "2025-03-20", [make_person(i) for i in range(5)])
    result = CliRunner().invoke(main, ["-q", "validate", "--data", str(data), "--as-of", "2025-04-01"])
    assert result.exit_code == 0, result.output
    assert "校验通过" in result.stdout
