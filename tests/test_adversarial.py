"""Issue 11: hostile but plausible files, as an adversarial clerk would make them.

Two halves. Inputs that must be refused: every class, several variants, each message asserted
word for word at its file, row and column (and no message repeats a full number). Inputs
that must be published safely: built end to end, then an *independent* scan (this module's
own code, nothing from ``generator.privacy``) reads every output byte — gzip and XLSX opened,
HTML entities and JSON escapes decoded, full-width and Chinese digits read, digits joined
across every separator — and must find none of the corpus's secrets.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import html
import io
import json
import re
import unicodedata
import zipfile
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from openpyxl import Workbook

from generator.build import build_site
from generator.core.errors import display_path
from generator.core.idnumber import luhn_check_digit, make_id
from generator.ingest.validate import validate_data
from tests.publishing_factory import HEADERS, make_data_dir, make_person, write_batch

AS_OF = dt.date(2025, 4, 1)
PHONE = "13912345678"
SPOUSE_ID = make_id("230521", dt.date(1958, 9, 16), 118)
REJECTED_ID = make_id("230521", dt.date(1971, 2, 3), 77)
REJECTED_CARD = "6230" + "99887766554433" + luhn_check_digit("623099887766554433")

# ---------------------------------------------------------------- the independent scan

_CN = str.maketrans("〇零一壹二贰两三叁四肆五伍六陆七柒八捌九玖", "001122234455667788899")
_JSON_U = re.compile(r"\\u([0-9a-fA-F]{4})")


def _reader_texts(site: Path) -> list[tuple[str, str]]:
    """Every output file as text a reader could read (zip members and gzip opened)."""
    out = []
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        parts = [(str(path), raw)]
        if raw[:2] == b"\x1f\x8b":
            parts = [(str(path), gzip.decompress(raw))]
        elif raw[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                parts = [(f"{path}!{m}", zf.read(m)) for m in zf.namelist()]
        for name, data in parts:
            text = data.decode("utf-8", errors="replace")
            for _ in range(2):  # entities inside escapes inside entities
                text = _JSON_U.sub(lambda m: chr(int(m.group(1), 16)), html.unescape(text))
            out.append((name, unicodedata.normalize("NFKC", text).translate(_CN)))
    return out


def _joined_digits(text: str) -> str:
    """Digits joined across every separator (anything but a letter or CJK character ends them)."""
    return re.sub(r"(?<=[0-9Xx])[^0-9A-Za-z\u4e00-\u9fff]+(?=[0-9])", "", text).upper()


def independent_scan(site: Path, secrets: set[str], words: set[str]) -> list[str]:
    found = []
    for name, text in _reader_texts(site):
        digits = _joined_digits(text)
        found += [f"{name}: {s[:3]}…" for s in secrets if s in digits]
        found += [f"{name}: {w}" for w in words if w in text]
    return found


# ---------------------------------------------------------------- corpus: refused inputs


def _data(tmp_path: Path) -> Path:
    return make_data_dir(tmp_path)


def _problems(data: Path) -> list[tuple[str, int | None, str | None, str]]:
    result = validate_data(data, as_of=AS_OF)
    return [(p.path, p.row, p.column, p.message) for p in result.problems]


NAME_MSG = "“姓名”只能填写汉字姓名（少数民族姓名用“·”分隔，如“买买提·吐尔逊”），不能含数字、字母、空格或其他符号：请核对。"
GROUP_MSG = "“组”只能填写村民小组的编号或名称，如 3、三组、第3村民组、东风屯：不要填写地址、电话、证件号码或其他说明。"


@pytest.mark.parametrize("column, value, message", [
    ("姓名", "张三 139 1234 5678", NAME_MSG),
    ("姓名", "李四13912345678", NAME_MSG),
    ("姓名", "王五（代领）", NAME_MSG),
    ("姓名", "阿·", NAME_MSG),
    ("姓名", "Zhang San", NAME_MSG),
    ("姓名", "张", "“姓名”长度应为 2–20 个字，实际为 1 个字：请核对姓名。"),
    ("组", "230521 19900101 1012", GROUP_MSG),
    ("组", "三组 139 1234 5678", GROUP_MSG),
    ("组", "幸福路8号", GROUP_MSG),
    ("组", "一级肢体残疾", GROUP_MSG),
    ("社保卡号", "6.23117273771746E+18", "“社保卡号”被 Excel 当作数字保存（科学计数法），卡号末尾几位已经丢失：请把该列设为“文本”格式后对照社保卡重新录入。"),
    ("社保卡号", PHONE, "“社保卡号”像是手机号码，不是卡号：请填写社会保障卡（银行）卡号。"),
    ("社保卡号", "农行", "“社保卡号”只能填写卡号的数字（16–19 位），不能含汉字、字母或符号：请对照社保卡填写。"),
    ("社保卡号", "123", "“社保卡号”应为 16–19 位数字，实际为 3 位：请对照社保卡核对。"),
    ("社保卡号", "6230000000000000018/6230000000000000026", "“社保卡号”中有不止一个号码：每格只能填写一个卡号。"),
    ("身份证号", "230521198101011000", "“身份证号”末尾是“000”且校验不通过，很可能被 Excel 当作数字保存后丢失了末尾几位：请把该列设为“文本”格式，再对照身份证原件重新录入。"),
    ("金额", "1e3", "“金额”的值“1e3”不是数字：请只填写数字，例如 1234.50。"),
    ("乡镇", "230521198101011023", "乡镇“23**************23”不在本县乡镇名单中：请使用规范名称。"),
    ("发放状态", PHONE, "“发放状态”只能填写 成功、失败 或 退回，不能是“13*******78”。"),
])
def test_hostile_cells_are_refused_at_their_file_row_and_column(tmp_path: Path, column: str, value: str,
                                                                 message: str) -> None:
    data = _data(tmp_path)
    rows = [make_person(i) for i in range(3)]
    rows[1][column] = value
    folder = write_batch(data, "2025-gdzl", "gdzl", "2025-03-20", rows)
    assert _problems(data) == [(display_path(folder / "records.csv"), 3, column, message)]


@pytest.mark.parametrize("key, value, message", [
    ("title", "2025年耕地地力保护补贴（咨询电话 139 1234 5678）",
     "batch.yml 中的 title 不能含长串数字（电话、证件或卡号等）：请删去；日期请写成“2025年3月31日”。"),
    ("approved_by", "集贤县农业农村局（经办人：王五，１３９１２３４５６７８）",
     "batch.yml 中的 approved_by 不能含长串数字（电话、证件或卡号等）：请删去；日期请写成“2025年3月31日”。"),
    ("approved_by", "经办人 一三九一二三四五六七八",
     "batch.yml 中的 approved_by 不能含长串数字（电话、证件或卡号等）：请删去；日期请写成“2025年3月31日”。"),
    ("title", "很长" * 40, "batch.yml 中的 title 太长（80 个字，最多 60 个字）：请精简。"),
    ("changed_onn", "2025-03-25",
     "batch.yml 中的“changed_onn”不是可用的项目（是否为“changed_on”？）：可用的有 program、title、period、"
     "produced_on、paid_on、status、notice_start、notice_days、changed_on、approved_by。"),
])
def test_hostile_batch_fields_are_refused(tmp_path: Path, key: str, value: str, message: str) -> None:
    data = _data(tmp_path)
    folder = write_batch(data, "2025-gdzl", "gdzl", "2025-03-20", [make_person(i) for i in range(3)],
                         **{key: value})
    assert _problems(data) == [(display_path(folder / "batch.yml"), None, key, message)]


def _write_csv(folder: Path, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "batch.yml").write_text("program: gdzl\nproduced_on: 2025-03-20\n", encoding="utf-8")
    path = folder / "records.csv"
    path.write_bytes(text.encode(encoding))
    return path


def _csv_line(person: dict, headers: list[str] = HEADERS) -> str:
    return ",".join(str(person.get(h, "")) for h in headers)


def test_file_level_problems_each_get_their_own_message(tmp_path: Path) -> None:
    data = _data(tmp_path)
    b = data / "batches" / "2025"
    header = ",".join(HEADERS)
    people = [_csv_line(make_person(i)) for i in range(3)]
    semicolon = _write_csv(b / "2025-a", "\n".join(line.replace(",", ";") for line in [header] + people) + "\n")
    tab = _write_csv(b / "2025-b", "\n".join(line.replace(",", "\t") for line in [header] + people) + "\n")
    empty = _write_csv(b / "2025-c", "")
    quote = _write_csv(b / "2025-d", "\n".join([header, people[0], people[1].replace("成功", '"成功'), people[2]]) + "\n")
    no_village = _write_csv(b / "2025-e", "\n".join(
        [header.replace(",村,", ",") ] + [_csv_line(make_person(i), [h for h in HEADERS if h != "村"]) for i in range(3)]) + "\n")
    dup = _write_csv(b / "2025-f", "\n".join(
        [header + ",公民身份号码"] + [p + "," + make_person(9)["身份证号"] for p in people]) + "\n")
    xls = b / "2025-g"
    xls.mkdir()
    (xls / "batch.yml").write_text("program: gdzl\nproduced_on: 2025-03-20\n", encoding="utf-8")
    (xls / "records.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    gbk = _write_csv(b / "2025-h", "\n".join([header] + people) + "\n")
    (gbk.parent / "batch.yml").write_bytes("program: gdzl\nproduced_on: 2025-03-20\ntitle: 2025年耕地地力保护补贴发放名单\n"
                                           .encode("gbk"))
    assert _problems(data) == [
        (display_path(semicolon), None, None, "文件用分号分隔各列，而不是逗号：请在 Excel 中“另存为”CSV UTF-8（逗号分隔），或直接提交 Excel 文件。"),
        (display_path(tab), None, None, "文件用制表符分隔各列，而不是逗号：请在 Excel 中“另存为”CSV UTF-8（逗号分隔），或直接提交 Excel 文件。"),
        (display_path(empty), None, None, "文件是空的：请放入带表头的发放名单。"),
        (display_path(quote), None, None, "第 3 行有未配对的英文双引号（\"）：请删去这个引号或补全另一半，或直接提交 Excel 文件。"),
        (display_path(no_village), None, "村", "缺少“村”列：请在表头中加上“村”一列并逐行填写。"),
        (display_path(dup), 1, "公民身份号码", "“身份证号”和“公民身份号码”都会被读作同一列：请只保留一列，另一列删除或改名。"),
        (display_path(xls / "records.xls"), None, None,
         "这是旧版 Excel 文件（.xls），无法读取：请在 Excel 中“文件 → 另存为”，文件类型选“Excel 工作簿（*.xlsx）”，"
         "保存为 records.xlsx 后删除 records.xls。"),
    ]  # the GBK batch.yml (2025-h) is read as it is: no problem at all


def _xlsx(folder: Path, build) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "batch.yml").write_text("program: gdzl\nproduced_on: 2025-03-20\n", encoding="utf-8")
    wb = Workbook()
    build(wb)
    path = folder / "records.xlsx"
    wb.save(path)
    return path


def _fill(ws, people: list[dict]) -> None:
    ws.append(HEADERS)
    for p in people:
        ws.append([p[h] for h in HEADERS])
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("=") and cell.column_letter == "L":
                cell.data_type = "s"  # a clerk's text that starts with "=", not a formula


def test_xlsx_problems_each_get_their_own_message(tmp_path: Path) -> None:
    data = _data(tmp_path)
    b = data / "batches" / "2025"
    people = [make_person(i) for i in range(3)]

    def hidden_row(wb):
        _fill(wb.active, people)
        wb.active.row_dimensions[3].hidden = True

    def hidden_col(wb):
        _fill(wb.active, people)
        wb.active.column_dimensions["L"].hidden = True
        wb.active["L2"] = "因病致贫"

    def merged(wb):
        _fill(wb.active, people)
        wb.active.merge_cells("E2:E4")

    def formula(wb):
        _fill(wb.active, people)
        wb.active["I3"] = "=G3*H3"  # openpyxl saves no cached value

    def numeric_id(wb):
        _fill(wb.active, people)
        wb.active["B2"] = 230521198101011023  # Excel keeps 15 significant digits

    def two_rows(wb):
        ws = wb.active
        ws.append(["姓名", "身份证号", "社保卡号", "乡镇", "村", "组", "补贴", "", "", "发放日期"])
        ws.append(["", "", "", "", "", "", "面积", "标准", "金额", ""])

    paths = {name: _xlsx(b / f"2025-{name}", fn) for name, fn in [
        ("a", hidden_row), ("b", hidden_col), ("c", merged), ("d", formula), ("e", numeric_id), ("f", two_rows)]}
    p = {k: display_path(v) for k, v in paths.items()}
    assert _problems(data) == [
        (p["a"], 3, None, "这一行被隐藏了但有内容：请取消隐藏后核对，不应公开的行请删除。"),
        (p["b"], None, "L", "第 L 列被隐藏了但有内容：请取消隐藏后核对，不应公开的列请删除。"),
        (p["c"], 2, "E", "有合并单元格（E2:E4）：请取消合并，并在每一行填写完整的值。"),
        (p["d"], 3, "I", "这个单元格是公式，但文件中没有保存计算结果：请在 Excel 中打开文件、确认结果显示正常后保存，或把公式改为数值。"),
        (p["d"], 3, "金额", "“金额”为空：每一行都必须填写金额。"),
        (p["e"], 2, "身份证号", "“身份证号”被 Excel 当作数字保存，末尾几位已经丢失：请把该列设为“文本”格式后重新录入。"),
        (p["f"], 1, None, "表头占了两行（第 1 行和第 2 行）：请把表头合并为一行，每列一个列名，例如“补贴面积（亩）”。"),
    ]


def test_no_message_repeats_a_full_number(tmp_path: Path) -> None:
    data = _data(tmp_path)
    rows = [make_person(i) for i in range(3)]
    rows[0]["村"] = "东升村 " + PHONE
    rows[1]["发放日期"] = SPOUSE_ID
    rows[2]["数量"] = "１３９ １２３４ ５６７８"
    write_batch(data, "2025-gdzl", "gdzl", "2025-03-20", rows, title=f"名单 {PHONE}")
    text = "\n".join(str(p) for p in validate_data(data, as_of=AS_OF).problems)
    digits = _joined_digits(unicodedata.normalize("NFKC", text))
    assert text and PHONE not in digits and SPOUSE_ID not in digits


# ---------------------------------------------------------------- corpus: published safely

EVASIONS = [
    "电话139  1234  5678", "电话139.1234.5678", "电话139．1234．5678", "电话139—1234—5678",
    "电话139_1234_5678", "电话139,1234,5678", "电话1\u200b3\u200b9\u200b1\u200b2\u200b3\u200b4\u200b5\u200b6\u200b7\u200b8",
    "电话一三九一二三四五六七八", "电话壹叁玖壹贰叁肆伍陆柒捌", "代领人 230521 19580916 118" + SPOUSE_ID[-1],
    "补录 1958年9月16日", "=HYPERLINK(\"http://x.example/\",\"点击\")",
    "补录 一九五八年九月十六日", "代领 五八年九月十六号", "电话139：1234：5678", "电话 139, 1234, 5678",
    "电话①③⑨①②③④⑤⑥⑦⑧", "电话 139&nbsp;1234&nbsp;5678",
]
FACTS = ["一级肢体残疾", "因病致贫", "家住幸福路8号", "生于1958年9月16日"]  # never published: only in the sensitive program
WORDS = {"肢体残疾", "因病致贫", "幸福路", "1958年9月16日", "落选甲", "九月十六"}


def _secrets(rows: list[dict]) -> set[str]:
    values = {PHONE, SPOUSE_ID, REJECTED_ID, REJECTED_CARD, "19580916"}
    for r in rows:
        values |= {r["身份证号"], r["社保卡号"]}
    return values


def _corpus(tmp_path: Path) -> tuple[Path, list[dict]]:
    data = make_data_dir(tmp_path)
    # the full-name program opts in to 备注 (scrubbed); the sensitive one never shows it
    gdzl = yaml.safe_load((data / "programs" / "gdzl.yml").read_text(encoding="utf-8"))
    gdzl["disclosure"]["remark"] = True
    (data / "programs" / "gdzl.yml").write_text(yaml.safe_dump(gdzl, allow_unicode=True), encoding="utf-8")
    full = [make_person(i, 备注=EVASIONS[i % len(EVASIONS)]) for i in range(len(EVASIONS))]
    notes = EVASIONS + FACTS
    sensitive = [make_person(i, 备注=notes[-i - 1], 数量=3, 标准=420, 金额=1260) for i in range(len(notes))]
    sensitive[0]["姓名"] = "木·沙"
    headers = ["身份证号（配偶）"] + HEADERS + ["联系电话", "组（家庭住址）", "说明（内部，勿公开）"]
    folder = data / "batches" / "2025" / "2025-03-nccb"
    folder.mkdir(parents=True)
    (folder / "batch.yml").write_text("program: nccb\nproduced_on: 2025-03-20\nperiod: 2025-03\n", encoding="utf-8")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows([SPOUSE_ID] + [p[h] for h in HEADERS] + [PHONE, "幸福路8号", "因病致贫"] for p in sensitive)
    (folder / "records.csv").write_text(buffer.getvalue(), encoding="utf-8")
    # the full-name list as an XLSX whose first (hidden) sheet holds rejected applicants
    xfolder = data / "batches" / "2025" / "2025-gdzl"
    xfolder.mkdir(parents=True)
    (xfolder / "batch.yml").write_text("program: gdzl\nproduced_on: 2025-03-20\ntitle: 2025年耕地地力保护补贴发放名单\n",
                                       encoding="utf-8")
    wb = Workbook()
    rejected = wb.active
    rejected.title = "落选"
    _fill(rejected, [make_person(90, 姓名="落选甲", 身份证号=REJECTED_ID, 社保卡号=REJECTED_CARD)])
    rejected.sheet_state = "hidden"
    _fill(wb.create_sheet("名单"), full)
    wb.save(xfolder / "records.xlsx")
    return data, full + sensitive


def test_hostile_corpus_builds_and_nothing_reaches_any_output_byte(tmp_path: Path) -> None:
    data, rows = _corpus(tmp_path)
    result = validate_data(data, as_of=AS_OF)
    assert result.problems == []
    # (the corpus county has no website: block; that warning is tested in tests/test_govsite.py)
    assert {w.split(": ", 1)[1] for w in result.warnings if "website" not in w} == {
        "列“组（家庭住址）”带有括号说明，不是“组”列，已忽略（不会公开）。如果这一列就是组，请把表头改为“组”。",
        "列“身份证号（配偶）”带有括号说明，不是“身份证号”列，已忽略（不会公开）。如果这一列就是身份证号，请把表头改为“身份证号”。",
        "列“说明（内部，勿公开）”带有括号说明，不是“备注”列，已忽略（不会公开）。如果这一列就是备注，请把表头改为“备注”。",
    }
    site = tmp_path / "site"
    build_site(data, site, as_of=AS_OF)
    assert independent_scan(site, _secrets(rows), WORDS) == []
    # the recipient's own ID, not the spouse's, was read; the sensitive program shows no ID digit
    nccb_pages = list(site.glob("t/*/*/nccb-2025/index.html"))
    ids = [td.get_text() for page in nccb_pages for td in BeautifulSoup(page.read_text(encoding="utf-8"),
                                                                        "html.parser").select("td")]
    id_cells = [t for t in ids if re.fullmatch(r"[*0-9X]{18}", t)]
    assert id_cells and set("".join(id_cells)) == {"*"}
    assert "木·*" in "".join(p.read_text(encoding="utf-8") for p in nccb_pages)
    csv_text = "".join(p.read_text(encoding="utf-8-sig") for p in (site / "downloads").rglob("*.csv"))
    assert not re.search(r'(^|,)"?[=+@]', csv_text, re.M)  # no cell Excel would run as a formula
    assert "电话〔已隐去〕" in csv_text
    # beside the site only the record of what the next build may reuse: paths and digests
    record = tmp_path / ".site.reuse.json"
    leftovers = [p for p in tmp_path.iterdir() if p.name not in ("data", "site", record.name)]
    assert leftovers == [] and not Path("site_src/docs").exists()
    text = record.read_text(encoding="utf-8")
    assert not [secret for secret in _secrets(rows) if secret in text]


@pytest.mark.parametrize("remark", ["一级肢体残疾", "因病致贫", "家住幸福路8号", "患精神病多年", "出生日期 五八年"])
def test_a_sensitive_fact_in_a_published_remark_is_refused(tmp_path: Path, remark: str) -> None:
    data = make_data_dir(tmp_path)
    gdzl = yaml.safe_load((data / "programs" / "gdzl.yml").read_text(encoding="utf-8"))
    gdzl["disclosure"]["remark"] = True
    (data / "programs" / "gdzl.yml").write_text(yaml.safe_dump(gdzl, allow_unicode=True), encoding="utf-8")
    rows = [make_person(i) for i in range(3)]
    rows[2]["备注"] = remark
    folder = write_batch(data, "2025-gdzl", "gdzl", "2025-03-20", rows)
    assert _problems(data) == [(display_path(folder / "records.csv"), 4, "备注",
                                "“备注”会公开，不能写病情、残疾、致贫原因、住址、出生日期等个人敏感信息：请删去。")]


def test_formula_cells_in_downloads_are_neutralised(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path)
    gdzl = yaml.safe_load((data / "programs" / "gdzl.yml").read_text(encoding="utf-8"))
    gdzl["disclosure"]["remark"] = True
    (data / "programs" / "gdzl.yml").write_text(yaml.safe_dump(gdzl, allow_unicode=True), encoding="utf-8")
    rows = [make_person(i, 备注=r) for i, r in enumerate(["=HYPERLINK(\"http://x\",\"点\")", "+1+1", "-2+3", "@SUM(A1)"])]
    write_batch(data, "2025-gdzl", "gdzl", "2025-03-20", rows)
    site = tmp_path / "site"
    build_site(data, site, as_of=AS_OF)
    csv_file = next((site / "downloads" / "files").glob("*.csv"))
    remarks = [r["备注"] for r in csv.DictReader(io.StringIO(csv_file.read_text(encoding="utf-8-sig")))]
    assert remarks == ["'=HYPERLINK(\"http://x\",\"点\")", "'+1+1", "'-2+3", "'@SUM(A1)"]


def test_a_group_small_in_an_old_version_is_totals_only_in_every_version(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path)
    rows = [make_person(i, 数量=3, 标准=420, 金额=1260) for i in range(3)]
    write_batch(data, "2025-03-nccb", "nccb", "2025-03-20", rows, period="2025-03")
    site = tmp_path / "site"
    build_site(data, site, as_of=dt.date(2025, 3, 25))
    write_batch(data, "2025-03-nccb", "nccb", "2025-03-20", rows[:2], period="2025-03", changed_on="2025-03-28")
    build_site(data, site, as_of=AS_OF)
    page = next(site.glob("t/*/*/nccb-2025/index.html"))
    old_pages = list(page.parent.glob("v/*/index.html"))
    assert old_pages, "the old version stays readable"
    for p in [page, *old_pages]:
        soup = BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser")
        assert soup.select("tr[id^='r-']") == [], p
        assert soup.select_one(".yk-small-group") is not None, p
    text = "".join(p.read_text(encoding="utf-8") for p in [page, *old_pages])
    assert not any(r["姓名"][0] + "*" in text for r in rows)
    assert independent_scan(site, _secrets(rows), set()) == []


def test_the_independent_scan_finds_what_it_must(tmp_path: Path) -> None:
    """The scan that proves the corpus safe is itself able to fail."""
    site = tmp_path / "s"
    site.mkdir()
    (site / "a.html").write_text("<p>&#49;39 1234 5678</p>", encoding="utf-8")
    (site / "b.json").write_text(json.dumps({"r": "一三九，一二三四，五六七八"}), encoding="utf-8")
    (site / "c.csv.gz").write_bytes(gzip.compress(b"x,1958,09,16\n"))
    (site / "d.txt").write_text("一级肢体残疾", encoding="utf-8")
    assert len(independent_scan(site, {PHONE, "19580916"}, {"肢体残疾"})) == 4
