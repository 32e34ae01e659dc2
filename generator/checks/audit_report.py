"""The audit's Excel report: 汇总, one sheet per finding kind, 预算执行 and 预算执行（乡镇）.

A bad input can produce hundreds of thousands of finding rows (a whole batch committed
twice is all 重发), and openpyxl needs about 10 µs per cell: 250,000 rows took 44 s. So the
sheets are written as SpreadsheetML directly, column by column with pandas string
operations (a few seconds for the same rows), with fixed zip timestamps: the same findings
always give the same bytes. Cells hold masked values only (see ``audit.report_rows``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from generator.checks.audit import DEFINITIONS, KINDS, Findings
from generator.core.xlsx import zip_parts

SUMMARY_SHEET = "汇总"
BUDGET_SHEET = "预算执行"
TOWNSHIP_SHEET = "预算执行（乡镇）"
EXCEL_MAX_ROWS = 1_048_575
MONEY, PERCENT = "#,##0.00", "0.0%"

# style ids in _STYLES: 0 plain, 1 bold, 2 money, 3 percent, 4 title, 5 wrapped text
_STYLE = {"bold": 1, MONEY: 2, PERCENT: 3, "title": 4, "wrap": 5}
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f"<styleSheet {_NS}>"
    f'<numFmts count="2"><numFmt numFmtId="164" formatCode="{MONEY}"/><numFmt numFmtId="165" formatCode="{PERCENT}"/></numFmts>'
    '<fonts count="3"><font><sz val="11"/><name val="等线"/></font><font><b/><sz val="11"/><name val="等线"/></font>'
    '<font><b/><sz val="14"/><name val="等线"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


@dataclass
class ReportContext:
    """What the summary sheet says about the run besides the findings."""

    data_dir: str
    records: int
    batches: int
    problems: int
    county_name: str


@dataclass
class Sheet:
    """One worksheet: a table (header + frame) or, for the summary, a few free rows."""

    name: str
    widths: Sequence[float]
    frame: pd.DataFrame | None = None
    formats: dict[str, str] = field(default_factory=dict)  # column → MONEY or PERCENT
    rows: list[list[Any]] = field(default_factory=list)  # free rows: values or (value, style)


def write_report(findings: Findings, path: Path, context: ReportContext) -> None:
    """Write the report to `path` (deterministic bytes for the same findings)."""
    sheets = [_summary(findings, context)]
    for kind in KINDS:
        sheets.append(Sheet(kind, (12, 16, 34, 6, 10, 10, 8, 20, 10, 24, 12, 12, 12, 8, 70),
                            findings.tables[kind].head(EXCEL_MAX_ROWS), {"金额（元）": MONEY}))
    budget = findings.budget.rename(columns={
        "year": "年度", "program_name": "补贴项目", "program": "代码", "department": "主管部门",
        "budget": "年度预算（元）", "paid": "已发放（元）", "rate": "执行率", "recipients": "受益人数",
        "payments": "发放笔数"})
    sheets.append(Sheet(BUDGET_SHEET, (8, 30, 8, 20, 16, 16, 10, 10, 10), budget.reindex(columns=[
        "年度", "补贴项目", "代码", "主管部门", "年度预算（元）", "已发放（元）", "执行率", "受益人数", "发放笔数"]),
        {"年度预算（元）": MONEY, "已发放（元）": MONEY, "执行率": PERCENT}))
    towns = findings.township_budget.rename(columns={
        "year": "年度", "township": "乡镇", "program_name": "补贴项目", "program": "代码", "paid": "已发放（元）",
        "payments": "发放笔数", "recipients": "受益人数", "share": "占该补贴全县发放"})
    sheets.append(Sheet(TOWNSHIP_SHEET, (8, 12, 30, 8, 16, 10, 10, 16), towns.reindex(columns=[
        "年度", "乡镇", "补贴项目", "代码", "已发放（元）", "发放笔数", "受益人数", "占该补贴全县发放"]),
        {"已发放（元）": MONEY, "占该补贴全县发放": PERCENT}))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(workbook_bytes(sheets))


def _summary(findings: Findings, context: ReportContext) -> Sheet:
    rows: list[list[Any]] = [
        [(f"{context.county_name}惠民惠农财政补贴资金交叉核对报告", "title")],
        [f"核对日期：{findings.as_of.isoformat()}；数据目录：{context.data_dir}；"
         f"共 {context.records} 条发放记录、{context.batches} 个批次。"],
    ]
    if context.problems:
        rows.append([f"注意：输入数据有 {context.problems} 个问题（运行 yikatong validate 查看）。"
                     "有问题的字段已跳过，其余照常核对，结果可能不完整。"])
    rows.append(["本报告只含脱敏的姓名、身份证号（前 6 位和后 4 位）和卡号后 4 位，供财政、审计等部门内部核查使用。"])
    rows.append([])
    rows.append([(h, "bold") for h in ("问题类型", "问题数（起）", "涉及记录（行）", "涉及金额（元）", "核对口径")])
    for kind in KINDS:
        rows.append([kind, findings.cases[kind], findings.rows(kind), (findings.amount(kind), MONEY),
                     (DEFINITIONS[kind], "wrap")])
    rows.append([("合计", "bold"), findings.total_cases, sum(findings.rows(k) for k in KINDS)])
    rows.append([])
    rows.append(["每个问题类型一张工作表，每行写明批次、文件和 Excel 行号以及原因；同一问题编号的各行属于同一起问题。"])
    rows.append([f"预算执行情况见“{BUDGET_SHEET}”（各补贴、各年度）和“{TOWNSHIP_SHEET}”（各乡镇）工作表；"
                 "已发放只计发放状态为“成功”的金额。"])
    truncated = [k for k in KINDS if findings.rows(k) > EXCEL_MAX_ROWS]
    if truncated:
        rows.append([f"“{'”“'.join(truncated)}”超过 Excel 行数上限，只列出前 {EXCEL_MAX_ROWS} 行。"])
    return Sheet(SUMMARY_SHEET, (12, 14, 14, 18, 90), rows=rows)


# ---------------------------------------------------------------- SpreadsheetML


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A complete .xlsx holding `sheets`, in order."""
    names = [escape(s.name[:31], {'"': "&quot;"}) for s in sheets]
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1))
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>"),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook {_NS} xmlns:r="{_REL_NS}"><sheets>'
            + "".join(f'<sheet name="{n}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, 1))
            + "</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                      for i in range(1, len(sheets) + 1))
            + f'<Relationship Id="rId{len(sheets) + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
            "</Relationships>"),
        "xl/styles.xml": _STYLES,
    }
    for i, sheet in enumerate(sheets, 1):
        parts[f"xl/worksheets/sheet{i}.xml"] = _sheet_xml(sheet, selected=i == 1)
    return zip_parts(parts)


def _sheet_xml(sheet: Sheet, selected: bool) -> str:
    table = sheet.frame is not None
    pane = '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' if table else ""
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(sheet.widths, 1))
    if sheet.frame is not None:
        header = "<row>" + "".join(_cell(str(c), _STYLE["bold"]) for c in sheet.frame.columns) + "</row>"
        body = header + _frame_rows(sheet.frame, sheet.formats)
    else:
        body = "".join("<row>" + "".join(_free_cell(v) for v in row) + "</row>" for row in sheet.rows)
    tab = ' tabSelected="1"' if selected else ""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet {_NS}><sheetViews><sheetView{tab} workbookViewId="0">'
            f"{pane}</sheetView></sheetViews><cols>{cols}</cols><sheetData>{body}</sheetData></worksheet>")


def _frame_rows(frame: pd.DataFrame, formats: dict[str, str]) -> str:
    """Every row of `frame` as <row> elements: cells built column-wise, joined once."""
    if frame.empty:
        return ""
    n = len(frame)
    columns = [np.full(n, "<row>", dtype=object)]
    columns += [_column_cells(frame[c], _STYLE.get(formats.get(c, ""), 0)) for c in frame.columns]
    columns.append(np.full(n, "</row>", dtype=object))
    return "".join(np.column_stack(columns).ravel().tolist())


def _column_cells(series: pd.Series, style: int) -> np.ndarray:
    """One column's cells: numbers as numbers, everything else as inline text."""
    s = f' s="{style}"' if style else ""
    missing = series.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        text = series.to_numpy(dtype="float64" if series.dtype.kind == "f" else None).astype(str).astype(object)
        return np.where(missing, "<c/>", ("<c" + s + "><v>") + text + "</v></c>")
    values = np.where(missing, "", series.to_numpy(dtype=object)).astype(str).tolist()
    text = np.array(_escape_values(values), dtype=object)
    return np.where(text == "", "<c/>", ('<c t="inlineStr"' + s + '><is><t xml:space="preserve">') + text + "</t></is></c>")


def _escape_values(values: list[str]) -> list[str]:
    """XML-escape many strings at once: join, escape the one big string, split again."""
    joined = "\x00".join(values)
    if joined.count("\x00") != max(len(values) - 1, 0) or _ILLEGAL_XML.search(joined.replace("\x00", "")):
        joined = "\x00".join(_ILLEGAL_XML.sub("", v) for v in values)  # rare: control characters in the data
    escaped = joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.split("\x00") if values else []


def _free_cell(item: Any) -> str:
    value, style = item if isinstance(item, tuple) else (item, 0)
    return _cell(value, _STYLE.get(style, 0) if isinstance(style, str) else style)


def _cell(value: Any, style: int = 0) -> str:
    s = f' s="{style}"' if style else ""
    if value is None or (isinstance(value, float) and value != value):
        return "<c/>"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"<c{s}><v>{_number(value)}</v></c>"
    return f'<c t="inlineStr"{s}><is><t xml:space="preserve">{_escape_text(str(value))}</t></is></c>'


def _number(value: Any) -> str:
    if isinstance(value, int) or (hasattr(value, "is_integer") and float(value).is_integer() and abs(value) < 1e15):
        return str(int(value))
    return repr(float(value))


def _escape_text(text: str) -> str:
    return escape(_ILLEGAL_XML.sub("", text))
