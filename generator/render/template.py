"""``yikatong template PROGRAM``: the Excel file a clerk fills for one program's batch.

Sheet 1 (名单) is what ``load`` reads: one header row with the canonical Chinese headers,
text format for the ID and card columns (so Excel never turns them into 2.30521E+17),
drop-downs for 乡镇, 村 (depending on the chosen 乡镇) and 发放状态, and a note on each
header saying how to fill it. The drop-down lists live on a hidden sheet (选项). Sheet 2
(填写说明) repeats the instructions. Same county, same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from generator.core.county import County, Program, load_county
from generator.core.errors import YikatongError
from generator.core.paths import GUIDE_PATH
from generator.core.reuse import Reuse
from generator.core.schema import DEFAULT_HEADERS, PAY_STATUSES
from generator.core.xlsx import save_workbook

DATA_SHEET = "名单"
LISTS_SHEET = "选项"
HELP_SHEET = "填写说明"
ROWS = 2000  # rows prepared with formats and drop-downs
COLUMNS = ("name", "id_number", "card_number", "township", "village", "group", "quantity",
           "standard", "amount", "paid_on", "pay_status", "remark")
WIDTHS = {"name": 10, "id_number": 22, "card_number": 22, "township": 12, "village": 12, "group": 8,
          "quantity": 10, "standard": 10, "amount": 12, "paid_on": 12, "pay_status": 10, "remark": 24}
NOTES = {
    "name": "必填。与身份证上的姓名一致，不要加空格。",
    "id_number": "必填。18 位公民身份号码，末位 X 用大写。本列已设为文本格式，请勿改成数字格式，否则后几位会丢失。",
    "card_number": "必填。领取补贴的社会保障卡（一卡通）卡号，只填数字。",
    "township": "必填。从下拉列表选择乡镇，名称须与县里登记的一致。",
    "village": "必填。先选乡镇，再从下拉列表选择该乡镇的村。",
    "group": "选填。村民小组或屯，例如“一组”。",
    "quantity": "按补贴计算依据填写，例如面积（亩）、人数、月数。",
    "standard": "补贴标准（元），例如每亩 100 元填 100。",
    "amount": "必填。本次发放金额（元），应等于 数量 × 标准，保留两位小数。",
    "paid_on": "发放日期，格式 YYYY-MM-DD，例如 2025-03-31。",
    "pay_status": "从下拉列表选择：成功、失败 或 退回。",
    "remark": "选填。不要填写身份证号、银行卡号、电话或病残情况等个人敏感信息。",
}
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def template_filename(program: str) -> str:
    """File name used on the site and by default on the command line."""
    return f"{program}-模板.xlsx"


def write_template(data_dir: Path, program: str, out: Path | None = None) -> Path:
    """Write the template for `program` to `out` (default ``<PROGRAM>-模板.xlsx``); returns the path."""
    county = load_county(Path(data_dir))
    found = county.programs.get(program)
    if found is None:
        codes = "、".join(sorted(county.programs)) or "（无）"
        raise YikatongError(f"补贴项目代码“{program}”不在补贴政策清单（data/programs/）中：可用的代码有 {codes}。")
    path = Path(out) if out is not None else Path(template_filename(program))
    path.parent.mkdir(parents=True, exist_ok=True)
    _save(build_template(county, found), path)
    return path


def write_templates(data_dir: Path, out_dir: Path, reuse: Reuse | None = None) -> list[Path]:
    """One template per program under `out_dir` (for the site's 报送指南); returns the paths.

    They depend on the county model alone: with `reuse`, an unchanged county's templates are
    taken from the previous build."""
    county = load_county(Path(data_dir))
    paths = [Path(out_dir) / template_filename(code) for code in sorted(county.programs)]
    key = reuse.key("templates", county) if reuse is not None else ""
    if reuse is not None and reuse.take(key, paths):
        return paths
    for code, path in zip(sorted(county.programs), paths, strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        data = _save(build_template(county, county.programs[code]), path)
        if reuse is not None:
            reuse.record(key, path, data)
    return paths


def _save(wb: Workbook, path: Path) -> bytes:
    """``save_workbook``, then pin the modified time openpyxl stamps at save (same bytes every
    run); returns the bytes written."""
    save_workbook(wb, path)
    data = path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _MODIFIED.sub(rb"\g<1>2020-01-01T00:00:00Z\g<2>", body)
            dst.writestr(info, body)
    data = out.getvalue()
    path.write_bytes(data)
    return data


def headers_for(program: Program) -> dict[str, str]:
    """Canonical column → header text; the quantity header carries the program's unit."""
    headers = dict(DEFAULT_HEADERS)
    if program.unit:
        headers["quantity"] = f"数量（{program.unit}）"
    headers["standard"] = "标准（元）"
    headers["amount"] = "金额（元）"
    return headers


def build_template(county: County, program: Program) -> Workbook:
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = DATA_SHEET
    lists = wb.create_sheet(LISTS_SHEET)
    _fill_lists(wb, lists, county)
    lists.sheet_state = "hidden"
    _fill_data_sheet(sheet, program)
    _fill_help(wb.create_sheet(HELP_SHEET), county, program)
    wb.active = 0
    return wb


def _fill_lists(wb: Workbook, lists: Worksheet, county: County) -> None:
    """Column A: townships; then one column of villages per township, each a defined name."""
    lists.cell(1, 1, "乡镇")
    for row, town in enumerate(county.townships, start=2):
        lists.cell(row, 1, town.name)
    last = max(2, len(county.townships) + 1)
    wb.defined_names["乡镇列表"] = DefinedName("乡镇列表", attr_text=f"{quote_sheetname(LISTS_SHEET)}!$A$2:$A${last}")
    for col, town in enumerate(county.townships, start=2):
        lists.cell(1, col, town.name)
        for row, village in enumerate(town.villages, start=2):
            lists.cell(row, col, village.name)
        letter = get_column_letter(col)
        end = max(2, len(town.villages) + 1)
        name = village_list_name(town.name)
        wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${end}")
    lists.cell(1, len(county.townships) + 2, "发放状态")
    for row, status in enumerate(PAY_STATUSES, start=2):
        lists.cell(row, len(county.townships) + 2, status)


def village_list_name(township: str) -> str:
    """Defined name holding a township's villages (the 村 drop-down looks it up with INDIRECT)."""
    return f"村_{township}"


def _fill_data_sheet(sheet: Worksheet, program: Program) -> None:
    headers = headers_for(program)
    letters = {}
    for col, key in enumerate(COLUMNS, start=1):
        cell = sheet.cell(1, col, headers[key])
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        comment = Comment(NOTES[key], "yikatong")
        comment.width, comment.height = 240, 90
        cell.comment = comment
        letter = get_column_letter(col)
        letters[key] = letter
        sheet.column_dimensions[letter].width = WIDTHS[key]
    for key in ("id_number", "card_number", "paid_on"):
        for row in range(2, ROWS + 2):
            sheet[f"{letters[key]}{row}"].number_format = "@"
    sheet.freeze_panes = "A2"
    _add_validations(sheet, letters)


def _add_validations(sheet: Worksheet, letters: dict[str, str]) -> None:
    last = ROWS + 1
    town = letters["township"]
    rules = [
        (DataValidation(type="list", formula1="=乡镇列表", allow_blank=True), "township",
         "乡镇名称不对", "请从下拉列表中选择本县的乡镇。"),
        (DataValidation(type="list", formula1=f'=INDIRECT("村_"&${town}2)', allow_blank=True), "village",
         "村名不对", "请先选择乡镇，再从下拉列表中选择该乡镇的村。"),
        (DataValidation(type="list", formula1='"' + ",".join(PAY_STATUSES) + '"', allow_blank=True), "pay_status",
         "发放状态不对", "只能选择 成功、失败 或 退回。"),
    ]
    for rule, key, title, message in rules:
        rule.error, rule.errorTitle = message, title
        rule.prompt, rule.promptTitle = NOTES[key], "填写提示"
        rule.showErrorMessage = True
        rule.showInputMessage = True
        rule.add(f"{letters[key]}2:{letters[key]}{last}")
        sheet.add_data_validation(rule)


def _fill_help(sheet: Worksheet, county: County, program: Program) -> None:
    dept = county.departments.get(program.department)
    lines = [
        f"{county.name}惠民惠农财政补贴资金“一卡通”发放名单报送模板",
        f"补贴项目：{program.name}（代码 {program.code}）",
        f"主管部门：{dept.name if dept else program.department}",
        f"补贴标准：{program.standard}",
        "",
        "填写方法：",
        "1. 在“名单”工作表第 2 行起逐行填写，每人一行；表头（第 1 行）不要修改。",
        "2. 乡镇、村、发放状态请从下拉列表选择；先选乡镇，村的下拉列表才会出现。",
        "3. 身份证号、社保卡号列已设为文本格式，请直接输入或“粘贴为数值”，不要改成数字格式。",
        "4. 金额 = 数量 × 标准，保留两位小数；不要填写负数。",
        "5. 可以在表头上方加标题行、在末尾加“合计”行，系统会自动忽略。",
        "6. 填好后另存为 records.xlsx，与 batch.yml 一起放在 batches/<年份>/<批次>/ 目录中提交。",
        "7. 备注栏不要填写身份证号、银行卡号、电话、病残情况等个人敏感信息。",
        "",
        "详细步骤见门户网站“报送指南”页面。",
    ]
    for row, text in enumerate(lines, start=1):
        cell = sheet.cell(row, 1, text or None)
        if row == 1:
            cell.font = Font(bold=True, size=14)
    sheet.column_dimensions["A"].width = 100


GUIDE_TEMPLATES_MARKER = "<!-- yikatong:templates -->"


def template_links(county: County, href_prefix: str = "templates/") -> str:
    """Markdown table of every program's template, for the 报送指南 (links relative to the guide)."""
    lines = ["| 补贴项目 | 代码 | 主管部门 | 模板 |", "| --- | --- | --- | --- |"]
    for code in sorted(county.programs):
        program = county.programs[code]
        dept = county.departments.get(program.department)
        href = href_prefix + quote(template_filename(code))
        lines.append(f"| {program.name} | `{code}` | {dept.short_name if dept else program.department} "
                     f"| [下载 Excel 模板]({href}) |")
    return "\n".join(lines)


GUIDE_COUNTY_MARKER = "〔本县〕"


def render_guide(county: County, href_prefix: str = "templates/", guide: Path = GUIDE_PATH) -> str:
    """The 报送指南 markdown with the county's template table filled in.

    The build writes it as the ``guide/`` page and the templates (``write_templates``) under
    ``guide/<href_prefix>``.
    """
    text = guide.read_text(encoding="utf-8")
    text = text.replace(GUIDE_COUNTY_MARKER, county.name)  # examples name the county's own bodies
    return text.replace(GUIDE_TEMPLATES_MARKER, template_links(county, href_prefix))
