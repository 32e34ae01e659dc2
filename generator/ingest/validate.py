"""Stage 2 — validate: every problem in every file, reported at once, in Chinese.

Each problem names the file, the row as Excel shows it (header = row 1), the column as the
clerk wrote it, what is wrong and how to fix it. Checks are vectorised; messages are built
only for the rows that fail. The result also carries the typed records for later stages.
"""

from __future__ import annotations

import datetime as dt
import difflib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from generator.core.county import County, read_county
from generator.core.errors import Problem, display_path
from generator.core.idnumber import id_birth_dates, id_checksum_ok
from generator.core.normalise import digit_runs, longest_digit_run
from generator.core.schema import DEFAULT_HEADERS, PAY_STATUSES, REQUIRED_COLUMNS
from generator.core.website import website_warnings
from generator.ingest.load import Batch, LoadResult, load_batches

log = logging.getLogger(__name__)

BATCH_REQUIRED = {"program": "补贴项目代码，如 gdzl", "produced_on": "信息产生日期，格式 YYYY-MM-DD"}
BATCH_STATUSES = ("paid", "notice", "withdrawn")
BATCH_KEYS = ("program", "title", "period", "produced_on", "paid_on", "status", "notice_start", "notice_days",
              "changed_on", "approved_by")
BATCH_TEXT_LIMITS = {"title": 60, "approved_by": 80}
# a number this long in a public text field could be (part of) a phone, ID or card number
TEXT_MAX_DIGITS = 6
SAFE_MAX_DIGITS = 9  # messages repeat a value with a longer number only as 13*******78
NAME_RE = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+(?:[·•][\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+)*"
_NUM = "[0-9一二三四五六七八九十〇零两]{1,4}"
# words that put a sensitive fact into a published 备注 (programs with disclosure.remark: true)
SENSITIVE_TERMS = ("残疾", "残障", "伤残", "肢体", "智力", "精神", "病", "癌", "瘫", "盲", "聋", "哑", "艾滋",
                   "致贫", "困难原因", "低保", "特困", "五保", "住址", "家住", "住在", "地址", "出生", "生于",
                   "生日", "离婚", "服刑", "刑满", "吸毒", "残", "孤儿")
GROUP_RE = (f"(?:第?{_NUM}(?:村民小组|村民组|小组|组|屯|队|社)?"
            "|[\u4e00-\u9fff]{1,6}(?:村民小组|村民组|小组|组|屯|队|社))")
AMOUNT_TOLERANCE = 0.011

# Every message a clerk can see, in one place (tests assert them word for word).
MESSAGES = {
    "required": "“{col}”为空：每一行都必须填写{col}。",
    "id_length": "“{col}”应为 18 位，实际为 {n} 位：请对照身份证原件补全或删去多余字符。",
    "id_chars": "“{col}”只能由 17 位数字和 1 位数字或 X 组成，请删去其他字符。",
    "id_checksum": "“{col}”有数字错误（按 GB 11643 校验不通过）：请对照身份证原件逐位核对，不要只改最后一位。",
    "id_rounded": "“{col}”末尾是“000”且校验不通过，很可能被 Excel 当作数字保存后丢失了末尾几位：请把该列设为“文本”格式，再对照身份证原件重新录入。",
    "id_birth": "“{col}”中的出生日期“{birth}”不存在：请对照身份证原件核对第 7–14 位。",
    "excel_number": "“{col}”被 Excel 当作数字保存，末尾几位已经丢失：请把该列设为“文本”格式后重新录入。",
    "missing_column": "缺少“{col}”列：请在表头中加上“{col}”一列并逐行填写。",
    "card_exponent": "“{col}”被 Excel 当作数字保存（科学计数法），卡号末尾几位已经丢失：请把该列设为“文本”格式后对照社保卡重新录入。",
    "card_multiple": "“{col}”中有不止一个号码：每格只能填写一个卡号。",
    "card_chars": "“{col}”只能填写卡号的数字（16–19 位），不能含汉字、字母或符号：请对照社保卡填写。",
    "card_phone": "“{col}”像是手机号码，不是卡号：请填写社会保障卡（银行）卡号。",
    "card_length": "“{col}”应为 16–19 位数字，实际为 {n} 位：请对照社保卡核对。",
    "name": "“{col}”只能填写汉字姓名（少数民族姓名用“·”分隔，如“买买提·吐尔逊”），不能含数字、字母、空格或其他符号：请核对。",
    "name_length": "“{col}”长度应为 2–20 个字，实际为 {n} 个字：请核对姓名。",
    "group": "“{col}”只能填写村民小组的编号或名称，如 3、三组、第3村民组、东风屯：不要填写地址、电话、证件号码或其他说明。",
    "batch_text": "batch.yml 中的 {key} 不能含长串数字（电话、证件或卡号等）：请删去；日期请写成“2025年3月31日”。",
    "batch_text_length": "batch.yml 中的 {key} 太长（{n} 个字，最多 {limit} 个字）：请精简。",
    "batch_unknown_key": "batch.yml 中的“{key}”不是可用的项目{hint}：可用的有 {keys}。",
    "scan_hit": "“{col}”中有会被发布前泄露扫描拒绝的号码（{what}）：请删去。",
    "remark_sensitive": "“{col}”会公开，不能写病情、残疾、致贫原因、住址、出生日期等个人敏感信息：请删去。",
    "township": "乡镇“{value}”不在本县乡镇名单中：请使用规范名称{hint}。",
    "village": "村“{value}”不属于{town}：请按县里登记的村名填写{hint}。",
    "number": "“{col}”的值“{value}”不是数字：请只填写数字，例如 1234.50。",
    "negative": "“{col}”不能为负数（{value}）：追回多发资金请走退款流程，不要在名单中填写负数。",
    "product": "“{amount_col}”{amount} 不等于“{qty_col}”×“{std_col}”（{qty} × {std} = {expected}）：请核对数量、标准和金额。",
    "date": "“{col}”的日期“{value}”无效：请写成 YYYY-MM-DD，例如 2025-03-31。",
    "future": "“{col}”{value} 晚于今天（{today}）：不能公开尚未发生的发放，请核对日期。",
    "status": "“{col}”只能填写 成功、失败 或 退回，不能是“{value}”。",
    "empty_file": "名单中没有数据行：请在表头下方填写发放记录。",
    "batch_missing": "batch.yml 缺少“{key}”（{desc}），请补充。",
    "batch_program": "batch.yml 中的 program“{value}”不在补贴政策清单（data/programs/）中：可用的代码有 {codes}。",
    "batch_date": "batch.yml 中的 {key}“{value}”不是有效日期：请写成 YYYY-MM-DD，例如 2025-03-31。",
    "batch_future": "batch.yml 中的 {key} {value} 晚于今天（{today}）：请核对日期。",
    "batch_status": "batch.yml 中的 status“{value}”无效：只能是 paid（已发放）、notice（公示中）或 withdrawn（撤回）。",
    "batch_notice": "batch.yml 的 status 为 notice 时必须填写 notice_start（公示开始日期，YYYY-MM-DD）。",
    "batch_notice_days": "batch.yml 中的 notice_days“{value}”无效：应为公示的工作日天数，正整数，例如 7。",
}


@dataclass
class ValidationResult:
    county: County | None
    batches: list[Batch]
    records: pd.DataFrame  # typed: quantity/standard/amount float, paid_on datetime64
    headers: dict[str, dict[str, str]]
    sensitive_values: set[str]
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def records_count(self) -> int:
        return len(self.records)

    # for the CLI summary
    @property
    def records_total(self) -> int:
        return len(self.records)


def validate_data(data_dir: Path, as_of: dt.date | None = None) -> ValidationResult:
    """Load and check everything under `data_dir`; never raises for data problems."""
    as_of = as_of or dt.date.today()
    problems: list[Problem] = []
    county = read_county(Path(data_dir), problems)
    loaded = load_batches(Path(data_dir))
    problems.extend(p for p in loaded.problems if not p.warning)
    result = validate_loaded(loaded, county, as_of)
    result.warnings.extend(str(p) for p in sorted(p for p in loaded.problems if p.warning))
    if county is not None:
        result.warnings.extend(website_warnings(county))
    result.problems = sorted(problems + result.problems, key=lambda p: (p.path, p.row or 0, p.column or "", p.message))
    log.info("校验：%d 个批次，%d 条记录，%d 个问题", len(result.batches), len(result.records), len(result.problems))
    return result


def validate_loaded(loaded: LoadResult, county: County | None, as_of: dt.date) -> ValidationResult:
    problems: list[Problem] = []
    for batch in loaded.batches:
        problems.extend(check_batch_meta(batch, county, as_of))
        if batch.records_file is not None and batch.row_count == 0 and display_path(batch.records_file) in loaded.headers:
            problems.append(Problem(display_path(batch.records_file), 2, None, MESSAGES["empty_file"]))
    records = loaded.records
    checker = _RecordChecker(records, loaded.headers, problems)
    checker.missing_columns()
    checker.required()
    checker.id_numbers()
    checker.cards()
    checker.names()
    checker.groups()
    if county is not None:
        checker.remarks(county)
    if county is not None:
        checker.places(county)
    typed = checker.numbers()
    checker.dates(typed, as_of)
    checker.statuses()
    if county is not None:  # the backstop: only cells no other check has reported
        reported = {(p.path, p.row, p.column) for p in problems}
        problems.extend(p for p in scan_gate(records, loaded, county) if (p.path, p.row, p.column) not in reported)
    return ValidationResult(county, loaded.batches, typed, loaded.headers, loaded.sensitive_values, problems)


def scan_gate(records: pd.DataFrame, loaded: LoadResult, county: County) -> list[Problem]:
    """The build's leak scan, run here over every public text a record or batch contributes.

    Each column's values are scanned as one text, one value a line, so a finding's line is its
    row; the problem names the input file, row and column (and never the number itself).
    """
    from generator.privacy.mask import scrub_text
    from generator.privacy.scan import scan_text, value_lengths

    problems: list[Problem] = []
    sensitive, lengths = loaded.sensitive_values, value_lengths(loaded.sensitive_values)
    opted = [c for c, p in county.programs.items() if p.disclosure.remark and not p.disclosure.sensitive]
    published_remark = records["program"].isin(opted)
    remarks = records["remark"].where(published_remark, "")
    if published_remark.any():  # 备注 as it would be published: scrubbed
        remarks = remarks.where(~published_remark, remarks[published_remark].map(scrub_text))
    columns = {"name": records["name"], "group": records["group"], "township": records["township"],
               "village": records["village"], "remark": remarks}
    for column, values in columns.items():
        text = "\n".join(values.astype(str).str.replace("\n", " ", regex=False).tolist())
        for finding in scan_text(text, column, sensitive, lengths, kind="lines"):
            row = records.iloc[finding.line - 1]
            header = loaded.headers.get(row["source_file"], {}).get(column, DEFAULT_HEADERS[column])
            problems.append(Problem(row["source_file"], int(row["source_row"]), header,
                                    MESSAGES["scan_hit"].format(col=header, what=finding.what)))
    for batch in loaded.batches:
        for key in ("title", "approved_by", "period"):
            for finding in scan_text(str(batch.meta.get(key) or ""), key, sensitive, lengths):
                problems.append(Problem(batch.meta_path, None, key,
                                        MESSAGES["scan_hit"].format(col=key, what=finding.what)))
    return problems


def check_batch_meta(batch: Batch, county: County | None, as_of: dt.date) -> list[Problem]:
    path = batch.meta_path
    meta = batch.meta
    problems = []
    for key in meta:
        if str(key) not in BATCH_KEYS:
            close = difflib.get_close_matches(str(key), BATCH_KEYS, n=1, cutoff=0.5)
            hint = f"（是否为“{close[0]}”？）" if close else ""
            problems.append(Problem(path, None, str(key), MESSAGES["batch_unknown_key"].format(
                key=safe_text(str(key)), hint=hint, keys="、".join(BATCH_KEYS))))
    for key, limit in BATCH_TEXT_LIMITS.items():
        text = str(meta.get(key) or "")
        if longest_digit_run(text) > TEXT_MAX_DIGITS:
            problems.append(Problem(path, None, key, MESSAGES["batch_text"].format(key=key)))
        elif len(text) > limit:
            problems.append(Problem(path, None, key, MESSAGES["batch_text_length"].format(
                key=key, n=len(text), limit=limit)))
    for key, desc in BATCH_REQUIRED.items():
        if not meta.get(key):
            problems.append(Problem(path, None, key, MESSAGES["batch_missing"].format(key=key, desc=desc)))
    program = meta.get("program")
    if program and county is not None and str(program) not in county.programs:
        codes = "、".join(sorted(county.programs))
        problems.append(Problem(path, None, "program", MESSAGES["batch_program"].format(value=program, codes=codes)))
    for key in ("produced_on", "paid_on", "notice_start", "changed_on"):
        value = meta.get(key)
        if not value:
            continue
        day = batch.date(key)
        if day is None:
            problems.append(Problem(path, None, key, MESSAGES["batch_date"].format(key=key, value=value)))
        elif key != "notice_start" and day > as_of:
            problems.append(Problem(path, None, key, MESSAGES["batch_future"].format(key=key, value=day, today=as_of)))
    status = str(meta.get("status", "paid"))
    if status not in BATCH_STATUSES:
        problems.append(Problem(path, None, "status", MESSAGES["batch_status"].format(value=status)))
    if status == "notice" and not meta.get("notice_start"):
        problems.append(Problem(path, None, "notice_start", MESSAGES["batch_notice"]))
    days = meta.get("notice_days")
    if days not in (None, "") and not (str(days).isdigit() and int(str(days)) > 0):
        problems.append(Problem(path, None, "notice_days", MESSAGES["batch_notice_days"].format(value=days)))
    return problems


class _RecordChecker:
    """Vectorised record checks; each adds Problems for the failing rows only."""

    def __init__(self, records: pd.DataFrame, headers: dict[str, dict[str, str]], problems: list[Problem]):
        self.records = records
        self.headers = headers
        self.problems = problems

    def header(self, source_file: str, column: str) -> str:
        return self.headers.get(source_file, {}).get(column, DEFAULT_HEADERS[column])

    def report(self, failing: np.ndarray | pd.Series, column: str,
               message: Callable[[pd.Series, str], str]) -> None:
        failing = np.asarray(failing, dtype=bool)
        if not failing.any():
            return
        for _, row in self.records[failing].iterrows():
            col = self.header(row["source_file"], column)
            self.problems.append(Problem(row["source_file"], int(row["source_row"]), col, message(row, col)))

    def missing_columns(self) -> None:
        """One message per file for a required column it does not have (not one per row)."""
        self.missing: set[tuple[str, str]] = set()
        for source in self.records["source_file"].unique():
            present = self.headers.get(source, {})
            for column in REQUIRED_COLUMNS:
                if column not in present:
                    self.missing.add((source, column))
                    self.problems.append(Problem(source, None, DEFAULT_HEADERS[column],
                                                 MESSAGES["missing_column"].format(col=DEFAULT_HEADERS[column])))

    def required(self) -> None:
        for column in REQUIRED_COLUMNS:
            absent = [s for s, c in getattr(self, "missing", set()) if c == column]
            empty = ((self.records[column] == "") & ~self.records["source_file"].isin(absent)).to_numpy()
            self.report(empty, column, lambda row, col: MESSAGES["required"].format(col=col))

    def cards(self) -> None:
        cards = self.records["card_number"]
        present = (cards != "").to_numpy()
        exponent = cards.str.contains(r"[Ee][+\-]?\d|\.", regex=True).to_numpy() & present
        self.report(exponent, "card_number", lambda row, col: MESSAGES["card_exponent"].format(col=col))
        multiple = (cards.str.contains(r"\d[/、,，;；|]+\d", regex=True)
                    | cards.str.fullmatch(r"\d{32,}")).to_numpy() & present & ~exponent
        self.report(multiple, "card_number", lambda row, col: MESSAGES["card_multiple"].format(col=col))
        digits = cards.str.fullmatch(r"\d+").to_numpy()
        chars = present & ~exponent & ~multiple & ~digits
        self.report(chars, "card_number", lambda row, col: MESSAGES["card_chars"].format(col=col))
        phone = present & digits & cards.str.fullmatch(r"1[3-9]\d{9}").to_numpy()
        self.report(phone, "card_number", lambda row, col: MESSAGES["card_phone"].format(col=col))
        length = cards.str.len().to_numpy()
        bad_len = present & digits & ~multiple & ~phone & ((length < 16) | (length > 19))
        self.report(bad_len, "card_number", lambda row, col: MESSAGES["card_length"].format(
            col=col, n=len(row["card_number"])))

    def names(self) -> None:
        names = self.records["name"]
        present = (names != "").to_numpy()
        shaped = names.str.fullmatch(NAME_RE).to_numpy()
        self.report(present & ~shaped, "name", lambda row, col: MESSAGES["name"].format(col=col))
        length = names.str.len().to_numpy()
        self.report(present & shaped & ((length < 2) | (length > 20)), "name",
                    lambda row, col: MESSAGES["name_length"].format(col=col, n=len(row["name"])))

    def remarks(self, county: County) -> None:
        """备注 that a program publishes must not carry a sensitive fact (numbers are scrubbed)."""
        opted = [c for c, p in county.programs.items() if p.disclosure.remark and not p.disclosure.sensitive]
        if not opted:
            return
        remark = self.records["remark"]
        pattern = "|".join(SENSITIVE_TERMS)
        bad = (self.records["program"].isin(opted) & remark.str.contains(pattern, regex=True)).to_numpy()
        self.report(bad, "remark", lambda row, col: MESSAGES["remark_sensitive"].format(col=col))

    def groups(self) -> None:
        groups = self.records["group"]
        bad = ((groups != "") & ~groups.str.fullmatch(GROUP_RE)).to_numpy()
        self.report(bad, "group", lambda row, col: MESSAGES["group"].format(col=col))

    def id_numbers(self) -> None:
        ids = self.records["id_number"]
        present = (ids != "").to_numpy()
        sci = ids.str.contains(r"[Ee]\+|\.", regex=True).to_numpy() & present
        self.report(sci, "id_number", lambda row, col: MESSAGES["excel_number"].format(col=col))
        length = ids.str.len().to_numpy()
        bad_len = present & ~sci & (length != 18)
        self.report(bad_len, "id_number", lambda row, col: MESSAGES["id_length"].format(col=col, n=len(row["id_number"])))
        shaped = ids.str.fullmatch(r"\d{17}[\dX]").to_numpy()
        bad_chars = present & ~sci & (length == 18) & ~shaped
        self.report(bad_chars, "id_number", lambda row, col: MESSAGES["id_chars"].format(col=col))
        checksum = id_checksum_ok(ids)
        rounded = shaped & ~checksum & ids.str.endswith("000").to_numpy()
        self.report(rounded, "id_number", lambda row, col: MESSAGES["id_rounded"].format(col=col))
        # never name the expected check digit: "fixing" the last digit makes a valid wrong ID
        self.report(shaped & ~checksum & ~rounded, "id_number",
                    lambda row, col: MESSAGES["id_checksum"].format(col=col))
        births = id_birth_dates(ids)
        bad_birth = shaped & checksum & births.isna().to_numpy()
        self.report(bad_birth, "id_number", lambda row, col: MESSAGES["id_birth"].format(
            col=col, birth=row["id_number"][6:14]))

    def places(self, county: County) -> None:
        towns = {t.name: t for t in county.townships}
        town_col = self.records["township"]
        unknown_town = (~town_col.isin(list(towns)) & (town_col != "")).to_numpy()
        self.report(unknown_town, "township", lambda row, col: MESSAGES["township"].format(
            value=safe_text(row["township"]), hint=_hint(row["township"], list(towns))))
        pairs = {(t.name, v.name) for t in county.townships for v in t.villages}
        keys = town_col + "|" + self.records["village"]
        known = {f"{t}|{v}" for t, v in pairs}
        bad_village = (~keys.isin(known) & ~unknown_town & (self.records["village"] != "") & (town_col != "")).to_numpy()
        self.report(bad_village, "village", lambda row, col: MESSAGES["village"].format(
            value=safe_text(row["village"]), town=row["township"],
            hint=_hint(row["village"], [v.name for v in towns[row["township"]].villages])))

    def numbers(self) -> pd.DataFrame:
        typed = self.records.copy()
        for column in ("quantity", "standard", "amount"):
            text = typed[column].str.replace(r"[,，\s元]", "", regex=True)
            plain = text.str.fullmatch(r"-?\d+(?:\.\d+)?")  # no 1e5, inf, nan, 0x10
            values = pd.to_numeric(text.where(plain, ""), errors="coerce")
            bad = (~plain & (text != "")).to_numpy()
            self.report(bad, column, _cell_message("number", column))
            negative = (values < 0).fillna(False).to_numpy()
            self.report(negative, column, _cell_message("negative", column))
            typed[column] = values.astype("float64")
        expected = (typed["quantity"] * typed["standard"]).round(2)
        mismatch = ((typed["amount"] - expected).abs() > AMOUNT_TOLERANCE).fillna(False).to_numpy()
        if mismatch.any():
            for idx in np.flatnonzero(mismatch):
                row = typed.iloc[idx]
                src = row["source_file"]
                col = self.header(src, "amount")
                self.problems.append(Problem(src, int(row["source_row"]), col, MESSAGES["product"].format(
                    amount_col=col, amount=_fmt(row["amount"]), qty_col=self.header(src, "quantity"),
                    std_col=self.header(src, "standard"), qty=_fmt(row["quantity"]), std=_fmt(row["standard"]),
                    expected=_fmt(expected.iloc[idx]))))
        return typed

    def dates(self, typed: pd.DataFrame, as_of: dt.date) -> None:
        text = self.records["paid_on"]
        normalised = (text.str.replace(r"[年月/.]", "-", regex=True).str.replace("日", "", regex=False)
                      .str.replace(r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3", regex=True))
        parsed = pd.to_datetime(normalised, format="%Y-%m-%d", errors="coerce")
        bad = (parsed.isna() & (text != "")).to_numpy()
        self.report(bad, "paid_on", lambda row, col: MESSAGES["date"].format(col=col, value=safe_text(row["paid_on"])))
        future = (parsed > pd.Timestamp(as_of)).fillna(False).to_numpy()
        self.report(future, "paid_on", lambda row, col: MESSAGES["future"].format(
            col=col, value=row["paid_on"], today=as_of))
        typed["paid_on"] = parsed

    def statuses(self) -> None:
        status = self.records["pay_status"]
        bad = (~status.isin(PAY_STATUSES) & (status != "")).to_numpy()
        self.report(bad, "pay_status", lambda row, col: MESSAGES["status"].format(
            col=col, value=safe_text(row["pay_status"])))


def _cell_message(kind: str, column: str) -> Callable[[pd.Series, str], str]:
    """A message about the row's value in `column`, e.g. a non-numeric amount."""
    def message(row: pd.Series, col: str) -> str:
        return MESSAGES[kind].format(col=col, value=safe_text(row[column]))
    return message


def safe_text(value: object) -> str:
    """A clerk's value as a message may repeat it: any number of 9+ digits shows only its ends.

    Messages go to CI logs and terminals: never a full ID, card or phone number.
    """
    text = str(value)
    out, last = [], 0
    for start, end, digits in digit_runs(text, SAFE_MAX_DIGITS):
        out.append(text[last:start] + digits[:2] + "*" * (len(digits) - 4) + digits[-2:])
        last = end
    return "".join(out) + text[last:]


def _hint(value: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.3)
    return f"（是否为“{close[0]}”？）" if close else ""


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value == value else ""
