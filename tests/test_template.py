"""``yikatong template``: the Excel file clerks fill (generator/template.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from publishing_factory import make_data_dir, make_person

from generator.cli import main
from generator.core.county import load_county
from generator.core.errors import YikatongError
from generator.ingest.load import canonical_column
from generator.ingest.validate import validate_data
from generator.render.template import (
    COLUMNS,
    GUIDE_PATH,
    GUIDE_TEMPLATES_MARKER,
    LISTS_SHEET,
    render_guide,
    write_template,
)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return make_data_dir(tmp_path)


@pytest.fixture
def workbook(data: Path, tmp_path: Path):
    return load_workbook(write_template(data, "gdzl", tmp_path / "t.xlsx"))


def test_header_row_is_canonical(workbook) -> None:
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["姓名", "身份证号", "社保卡号"]
    assert headers[6] == "数量（亩）"
    assert [canonical_column(h) for h in headers] == list(COLUMNS)


def test_every_header_has_a_chinese_note(workbook) -> None:
    sheet = workbook.worksheets[0]
    notes = {c.value: c.comment.text for c in sheet[1]}
    assert notes["身份证号"].startswith("必填。18 位公民身份号码")
    assert notes["发放状态"] == "从下拉列表选择：成功、失败 或 退回。"
    assert all(notes.values())


def test_drop_downs_come_from_the_county(workbook, data: Path) -> None:
    county = load_county(data)
    rules = {str(dv.sqref): dv.formula1 for dv in workbook.worksheets[0].data_validations.dataValidation}
    assert rules == {"D2:D2001": "=乡镇列表", "E2:E2001": '=INDIRECT("村_"&$D2)', "K2:K2001": '"成功,失败,退回"'}
    lists = workbook[LISTS_SHEET]
    assert lists.sheet_state == "hidden"
    names = workbook.defined_names
    assert names["乡镇列表"].attr_text == "'选项'!$A$2:$A$3"
    for town in county.townships:
        ref = names[f"村_{town.name}"].attr_text.split("!")[1].replace("$", "")
        assert [c.value for row in lists[ref] for c in row] == [v.name for v in town.villages]


def test_id_and_card_columns_are_text(workbook) -> None:
    sheet = workbook.worksheets[0]
    assert sheet["B2"].number_format == "@"
    assert sheet["C2001"].number_format == "@"


def test_same_county_same_bytes(data: Path, tmp_path: Path) -> None:
    first = write_template(data, "nccb", tmp_path / "a.xlsx").read_bytes()
    second = write_template(data, "nccb", tmp_path / "b.xlsx").read_bytes()
    assert first == second


def test_filled_template_validates(data: Path, tmp_path: Path) -> None:
    folder = data / "batches" / "2025" / "2025-gdzl"
    folder.mkdir(parents=True)
    (folder / "batch.yml").write_text("program: gdzl\nproduced_on: 2025-03-20\n", encoding="utf-8")
    path = write_template(data, "gdzl", folder / "records.xlsx")
    wb = load_workbook(path)
    sheet = wb.worksheets[0]
    for row, i in enumerate(range(2), start=2):
        person = make_person(i)
        for col, value in enumerate(person.values(), start=1):
            sheet.cell(row, col, value)
    wb.save(path)
    result = validate_data(data, as_of=dt.date(2025, 4, 1))
    assert result.problems == []
    assert len(result.records) == 2


def test_unknown_program_names_the_known_codes(data: Path) -> None:
    with pytest.raises(YikatongError) as caught:
        write_template(data, "xyz", None)
    assert caught.value.message == "补贴项目代码“xyz”不在补贴政策清单（data/programs/）中：可用的代码有 gdzl、nccb。"


def test_cli_writes_the_template(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "nccb.xlsx"
    result = CliRunner().invoke(main, ["template", "nccb", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == f"已生成模板：{out}\n"
    assert load_workbook(out).sheetnames == ["名单", "选项", "填写说明"]


def test_guide_lists_every_programs_template(data: Path) -> None:
    assert GUIDE_TEMPLATES_MARKER in GUIDE_PATH.read_text(encoding="utf-8")
    guide = render_guide(load_county(data))
    assert GUIDE_TEMPLATES_MARKER not in guide
    assert guide.startswith("# 报送指南\n")
    assert "| 耕地地力保护补贴 | `gdzl` | 农业农村局 | [下载 Excel 模板](templates/gdzl-%E6%A8%A1%E6%9D%BF.xlsx) |" in guide
    for heading in ("## 第一步：下载报送模板", "## 看懂错误提示", "## 发布后发现错误：更正"):
        assert heading in guide
