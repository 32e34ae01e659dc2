"""Stage 3 — check: cross-checks for the finance bureau and auditors (交叉核对).

``audit_findings`` looks at every typed record at once (vectorised pandas on integer codes,
no Python loop per record) for seven kinds of finding, named as the county's plan names
them: 重发 (paid twice), 多发 (paid too much), 一人多卡 and 一卡多人 (one person, one card),
漏发 (returned and never re-paid), 迟发 (paid late) and 身份异常 (implausible ID numbers).
Findings never block publication — a real payment is disclosed even when it is wrong — but
``yikatong audit`` writes them to an Excel report for officials, with masked IDs only, and
``build`` prints ``Findings.summary_line()``.

Rows with unusable fields still take part wherever they can: a row without an ID number
cannot be matched to a person (it is listed under 身份异常), a row without an amount is left
out of the sums. Program settings used (``data/programs/<code>.yml``): ``standard_amount``
(or ``standard_by_year: {2025: 68.93}`` when the standard changes), ``cap_per_person`` (per
period), ``payment_deadline_days`` (days after the end of the period).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from generator.checks.budget import budget_execution, township_execution
from generator.core.county import County
from generator.core.idnumber import id_checksum_ok
from generator.core.money import format_money, format_money_array
from generator.core.vocab import FAILED_STATUSES, PAID_STATUSES
from generator.ingest.load import Batch
from generator.privacy.mask import (
    MAX_ID_HEAD,
    MAX_ID_TAIL,
    mask_card_number,
    mask_id_series,
    mask_name,
)

log = logging.getLogger(__name__)

KINDS = ("重发", "多发", "一人多卡", "一卡多人", "漏发", "迟发", "身份异常")
MAX_PLAUSIBLE_AGE = 110
TOLERANCE = 0.011  # yuan: rounding of standard × quantity to cents

DEFINITIONS = {
    "重发": "同一人（身份证号）同一补贴同一期别成功发放两次及以上，其中有金额相同的重复笔，"
            "且合计超过一次应发的金额（或应发金额无法确定）；跨批次和同一批次内都算。",
    "多发": "同一人同一补贴同一期别成功发放的合计（跨批次累加）超过应发金额：补贴标准 × 本人数量，"
            "或每人上限；已列入“重发”的不重复列入。",
    "一人多卡": "同一身份证号的补贴成功发放到两张及以上不同的卡，不符合“一人一卡”。",
    "一卡多人": "同一张卡收到两个及以上身份证号的补贴，可能存在代领、冒领。",
    "漏发": "银行发放失败或退回（发放状态为“失败”“退回”），此后未见同一补贴同一期别重新发放成功。",
    "迟发": "成功发放的日期晚于补贴政策清单规定的发放期限（期别结束后若干天）。",
    "身份异常": f"身份证号为空或校验未通过，或按身份证号推算发放时已满 {MAX_PLAUSIBLE_AGE} 岁，"
               "或出生日期晚于发放日期。",
}
REPORT_COLUMNS = ("问题编号", "批次", "文件", "行号", "乡镇", "村", "姓名", "身份证号", "卡号",
                  "补贴项目", "期别", "金额（元）", "发放日期", "发放状态", "说明")


@dataclass
class Findings:
    """Everything ``audit_findings`` found, ready for the report and the build's summary."""

    as_of: dt.date
    tables: dict[str, pd.DataFrame]  # kind → report rows (REPORT_COLUMNS), masked
    cases: dict[str, int]  # kind → number of cases (a person, a card, a payment …)
    records_checked: int
    budget: pd.DataFrame = field(default_factory=pd.DataFrame)  # budget.budget_execution
    township_budget: pd.DataFrame = field(default_factory=pd.DataFrame)
    seconds: float = 0.0

    @property
    def total_cases(self) -> int:
        return sum(self.cases.values())

    def rows(self, kind: str) -> int:
        return len(self.tables[kind])

    def amount(self, kind: str) -> float:
        return round(float(self.tables[kind]["金额（元）"].sum()), 2)

    def summary_line(self) -> str:
        """``交叉核对：重发 3，多发 1，一人多卡 0，…``: one line for the build log."""
        return "交叉核对：" + "，".join(f"{kind} {self.cases[kind]}" for kind in KINDS)


def audit_findings(records: pd.DataFrame, county: County, as_of: dt.date | None = None,
                   batches: list[Batch] | None = None) -> Findings:
    """Run every cross-check over the typed records from ``validate_data``.

    `batches` (optional) supplies the batch-level ``paid_on`` for rows that leave 发放日期
    empty. Never raises for data problems; unusable fields are skipped row by row.
    """
    started = time.perf_counter()
    as_of = as_of or dt.date.today()
    frame = _Prepared(records, county, as_of, batches or [])
    hits = {
        "重发": frame.duplicates(),
        "多发": frame.overpaid(),
        "一人多卡": frame.person_cards(),
        "一卡多人": frame.card_people(),
        "漏发": frame.returned_unpaid(),
        "迟发": frame.late(),
        "身份异常": frame.identity(),
    }
    tables = {kind: frame.report_rows(kind, found) for kind, found in hits.items()}
    cases = {kind: int(found["case"].nunique()) for kind, found in hits.items()}
    person = pd.Series(np.where(frame.id_code >= 0, frame.id_code, np.nan), index=frame.records.index)
    findings = Findings(
        as_of=as_of, tables=tables, cases=cases, records_checked=len(records),
        budget=budget_execution(frame.records, county, person),
        township_budget=township_execution(frame.records, county, person),
    )
    findings.seconds = time.perf_counter() - started
    log.debug("%s（%d 条记录，%.1f 秒）", findings.summary_line(), len(records), findings.seconds)
    return findings


# ---------------------------------------------------------------- the checks


class _Prepared:
    """The records as integer codes and arrays, computed once for all checks.

    Every check returns a frame of hits: ``pos`` (row position), ``case`` (a number shared
    by the rows of one finding) and ``sentence`` (the Chinese explanation for that row).
    """

    def __init__(self, records: pd.DataFrame, county: County, as_of: dt.date, batches: list[Batch]):
        self.records = records.reset_index(drop=True)
        self.county = county
        self.as_of = as_of
        self.n = len(self.records)
        self.id_code, self.id_values = _codes(self.records["id_number"])
        self.card_code, self.card_values = _codes(self.records["card_number"])
        self.periods = _period_table(self.records, county)
        self.pp = self.periods.attrs["codes"]
        status = self.records["pay_status"].fillna("")
        self.amount = self.records["amount"].to_numpy(dtype="float64")
        self.success = status.isin(PAID_STATUSES).to_numpy() & ~np.isnan(self.amount)
        self.failed = status.isin(FAILED_STATUSES).to_numpy()
        self.paid_on = _paid_dates(self.records, batches)
        self.cents = np.round(np.nan_to_num(self.amount) * 100).astype("int64")
        self.quantity = self.records["quantity"].to_numpy(dtype="float64")
        self.person_key = self.pp * (len(self.id_values) + 1) + self.id_code

    # --- 重发 and 多发 share the per-person, per-period sums

    @cached_property
    def _period_groups(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        pos = np.flatnonzero(self.success & (self.id_code >= 0))
        rows = pd.DataFrame({"pos": pos, "g": self.person_key[pos], "cents": self.cents[pos],
                             "amount": self.amount[pos], "qty": self.quantity[pos], "pp": self.pp[pos]})
        groups = rows.groupby("g", sort=False).agg(
            n=("pos", "size"), first=("pos", "min"), total=("amount", "sum"), qty=("qty", "max"),
            pp=("pp", "first"))
        unit = self.periods["standard"].to_numpy()[groups["pp"].to_numpy()]
        cap = self.periods["cap"].to_numpy()[groups["pp"].to_numpy()]
        allowed = np.round(unit * groups["qty"].to_numpy(), 2)
        allowed = np.where(np.isnan(cap), allowed, np.fmin(allowed, cap))
        groups["allowed"] = allowed
        groups["total"] = groups["total"].round(2)
        groups["over"] = ~np.isnan(allowed) & (groups["total"].to_numpy() > allowed + TOLERANCE)
        return rows, groups

    @cached_property
    def _duplicate_groups(self) -> pd.DataFrame:
        """Groups paid more than once with a repeated amount, beyond one entitlement."""
        rows, groups = self._period_groups
        multi = rows[rows["g"].map(groups["n"]).to_numpy() > 1]
        repeated = multi.loc[multi.duplicated(["g", "cents"], keep=False), "g"].unique()
        flagged = groups.loc[repeated]
        return flagged[np.isnan(flagged["allowed"].to_numpy()) | flagged["over"].to_numpy()]

    def duplicates(self) -> pd.DataFrame:
        rows, _groups = self._period_groups
        flagged = self._duplicate_groups
        hit = self._group_hits(rows, flagged)
        first = flagged["first"].reindex(hit["g"]).to_numpy()
        nth = hit.groupby("g").cumcount().to_numpy() + 1
        allowed = flagged["allowed"].reindex(hit["g"]).to_numpy()
        where_first = np.where(nth == 1, "本行为第 1 次",
                               "本行为第 " + nth.astype(str) + " 次，第 1 次见"
                               + self._place(first))
        hit["sentence"] = (
            "同一身份证号在“" + self._label(hit["pos"]) + "”内成功发放 "
            + flagged["n"].reindex(hit["g"]).astype(str).to_numpy() + " 次、合计 "
            + format_money_array(flagged["total"].reindex(hit["g"]).to_numpy()) + " 元"
            + np.where(np.isnan(allowed), "", "（一次应发 " + format_money_array(allowed) + " 元）")
            + "，属重复发放；" + where_first + "。")
        return hit[["pos", "case", "sentence"]]

    def overpaid(self) -> pd.DataFrame:
        rows, groups = self._period_groups
        flagged = groups[groups["over"].to_numpy()]
        flagged = flagged.drop(self._duplicate_groups.index, errors="ignore")
        hit = self._group_hits(rows, flagged)
        g = hit["g"]
        total = flagged["total"].reindex(g).to_numpy()
        allowed = flagged["allowed"].reindex(g).to_numpy()
        count = flagged["n"].reindex(g).to_numpy()
        pp = self.pp[hit["pos"].to_numpy()]
        cap = self.periods["cap"].to_numpy()[pp]
        unit = self.periods["standard"].to_numpy()[pp]
        qty = flagged["qty"].reindex(g).to_numpy()
        by_cap = ~np.isnan(cap) & (np.isnan(unit * qty) | (cap < np.round(unit * qty, 2)))
        basis = np.where(by_cap, "每人上限 " + format_money_array(cap) + " 元",
                         "标准 " + _number(unit) + " 元 × 数量 " + _number(qty) + " = " + format_money_array(allowed) + " 元")
        hit["sentence"] = (
            "同一身份证号在“" + self._label(hit["pos"]) + "”内实发 " + format_money_array(total) + " 元"
            + np.where(count > 1, "（" + count.astype(str) + " 笔合计）", "")
            + "，超过应发金额（" + basis + "），多发 " + format_money_array(total - allowed) + " 元。")
        return hit[["pos", "case", "sentence"]]

    def _group_hits(self, rows: pd.DataFrame, flagged: pd.DataFrame) -> pd.DataFrame:
        """The rows of the flagged groups, numbered by case in the order they first appear."""
        hit = rows[rows["g"].isin(flagged.index)].sort_values("pos", kind="stable")
        order = flagged["first"].rank(method="first").astype("int64") - 1
        hit = hit.assign(case=hit["g"].map(order).to_numpy())
        return hit.sort_values(["case", "pos"], kind="stable").reset_index(drop=True)

    # --- one person, one card

    def person_cards(self) -> pd.DataFrame:
        return self._pairs(self.id_code, self.card_code, self._person_cards_sentence)

    def card_people(self) -> pd.DataFrame:
        return self._pairs(self.card_code, self.id_code, self._card_people_sentence)

    def _pairs(self, key: np.ndarray, other: np.ndarray, sentence) -> pd.DataFrame:  # type: ignore[no-untyped-def]
        usable = self.success & (key >= 0) & (other >= 0)
        pos = np.flatnonzero(usable)
        rows = pd.DataFrame({"pos": pos, "key": key[pos], "other": other[pos]})
        distinct = rows.drop_duplicates(["key", "other"])
        counts = distinct["key"].value_counts()
        flagged = counts[counts > 1]
        hit = rows[rows["key"].isin(flagged.index)]
        first = hit.groupby("key")["pos"].min().rank(method="first").astype("int64") - 1
        hit = hit.assign(case=hit["key"].map(first).to_numpy(), n=hit["key"].map(flagged).to_numpy())
        hit = hit.sort_values(["case", "pos"], kind="stable").reset_index(drop=True)
        hit["sentence"] = sentence(hit, distinct[distinct["key"].isin(flagged.index)])
        return hit[["pos", "case", "sentence"]]

    def _person_cards_sentence(self, hit: pd.DataFrame, pairs: pd.DataFrame) -> np.ndarray:
        tails = pd.Series(_tail(self.card_values[pairs["other"].to_numpy()]), index=pairs.index)
        joined = tails.groupby(pairs["key"].to_numpy()).agg(lambda t: "、".join(sorted(t)))
        return ("该身份证号的补贴成功发放到 " + hit["n"].astype(str).to_numpy() + " 张不同的卡（尾号 "
                + joined.reindex(hit["key"]).to_numpy().astype(str)
                + "），不符合“一人一卡”，请核实本人社会保障卡。")

    def _card_people_sentence(self, hit: pd.DataFrame, pairs: pd.DataFrame) -> np.ndarray:
        tails = _tail(self.card_values[hit["key"].to_numpy()])
        return ("尾号 " + tails + " 的卡收到 " + hit["n"].astype(str).to_numpy()
                + " 个不同身份证号的补贴，可能存在代领、冒领，请核实持卡人。")

    # --- 漏发, 迟发

    def returned_unpaid(self) -> pd.DataFrame:
        days = self.paid_on.to_numpy(dtype="datetime64[D]").astype("int64")
        undated = self.paid_on.isna().to_numpy()
        ok = self.success & (self.id_code >= 0)
        # an undated success counts as a re-payment of any failure
        latest = pd.Series(np.where(undated, np.iinfo("int64").max, days)[ok]).groupby(self.person_key[ok]).max()
        failed = np.flatnonzero(self.failed)
        repaid_on = latest.reindex(self.person_key[failed])
        known = repaid_on.notna().to_numpy() & (self.id_code[failed] >= 0)
        failed_on = np.where(undated[failed], np.iinfo("int64").min, days[failed])
        repaid = known & (repaid_on.fillna(0).to_numpy(dtype="int64") >= failed_on)
        pos = failed[~repaid]
        hit = pd.DataFrame({"pos": pos, "case": np.arange(len(pos))})
        status = _take(self.records["pay_status"], pos)
        on = self.paid_on.iloc[pos]
        waited = (pd.Timestamp(self.as_of) - on).dt.days.fillna(0).astype("int64").astype(str).to_numpy()
        since = np.where(undated[pos], "",
                         "（" + on.dt.strftime("%Y-%m-%d").fillna("").to_numpy() + "，已过 " + waited + " 天）")
        hit["sentence"] = (
            "“" + self._label(pos) + "”的 " + format_money_array(self.amount[pos]) + " 元发放" + status + since
            + "，截至 " + self.as_of.isoformat() + " 未见重新发放成功的记录，请查明原因后补发。")
        return hit

    def late(self) -> pd.DataFrame:
        deadline = self.periods["deadline"].to_numpy(dtype="datetime64[ns]")[self.pp]
        paid = self.paid_on.to_numpy(dtype="datetime64[ns]")
        is_late = self.success & ~np.isnat(paid) & ~np.isnat(deadline) & (paid > deadline)
        pos = np.flatnonzero(is_late)
        hit = pd.DataFrame({"pos": pos, "case": np.arange(len(pos))})
        due = pd.Series(deadline[pos])
        on = pd.Series(paid[pos])
        days = self.periods["deadline_days"].to_numpy()[self.pp[pos]]
        hit["sentence"] = (
            "“" + self._label(pos) + "”应于 " + due.dt.strftime("%Y-%m-%d").to_numpy()
            + " 前发放（期别结束后 " + _number(days) + " 天内），实际发放日期 "
            + on.dt.strftime("%Y-%m-%d").to_numpy() + "，迟发 "
            + (on - due).dt.days.astype(str).to_numpy() + " 天。")
        return hit

    # --- 身份异常

    def identity(self) -> pd.DataFrame:
        values = pd.Series(np.append(self.id_values, ""), dtype="str")  # never empty
        valid = id_checksum_ok(values)
        birth = pd.to_numeric(values.str.slice(6, 14), errors="coerce").to_numpy()
        born = pd.to_datetime(values.str.slice(6, 14), format="%Y%m%d", errors="coerce")
        valid &= born.notna().to_numpy()
        paid = self.paid_on.fillna(pd.Timestamp(self.as_of))
        on = (paid.dt.year * 10000 + paid.dt.month * 100 + paid.dt.day).to_numpy()
        code = np.maximum(self.id_code, 0)
        has_id = self.id_code >= 0
        ok = has_id & valid[code]
        birth_row = birth[code]
        age = np.where(ok, (on - np.nan_to_num(birth_row)) // 10000, 0).astype("int64")
        blank = ~has_id
        invalid = has_id & ~valid[code]
        too_old = ok & (age >= MAX_PLAUSIBLE_AGE)
        unborn = ok & (on < birth_row)
        pos = np.flatnonzero(blank | invalid | too_old | unborn)
        sentence = np.select(
            [blank[pos], invalid[pos], too_old[pos]],
            ["身份证号为空，无法核对本人身份及是否重复领取。",
             "身份证号校验未通过（位数、字符、出生日期或校验位有误），无法确认本人身份，请对照身份证原件核实。",
             "按身份证号推算，发放时已满 " + age[pos].astype(str) + " 岁，超过 "
             + str(MAX_PLAUSIBLE_AGE) + " 岁，请核实本人是否健在、是否存在冒领。"],
            "身份证号中的出生日期晚于发放日期，号码可能录错，请对照身份证原件核实。")
        # one case per ID number; all blank IDs share one case
        key = np.where(blank[pos], -1, self.id_code[pos])
        first = pd.Series(pos).groupby(key).min().rank(method="first").astype("int64") - 1
        hit = pd.DataFrame({"pos": pos, "case": pd.Series(key).map(first).to_numpy(), "sentence": sentence})
        return hit.sort_values(["case", "pos"], kind="stable").reset_index(drop=True)

    # --- report rows

    def _label(self, pos: np.ndarray | pd.Series) -> np.ndarray:
        """``耕地地力保护补贴 2025年度`` for each row position."""
        pp = self.pp[np.asarray(pos, dtype="int64")]
        return (self.periods["program_name"].to_numpy()[pp] + " "
                + self.periods["label"].to_numpy()[pp]).astype(object)

    def _place(self, pos: np.ndarray) -> np.ndarray:
        """``批次 2025-gdzl 第 17 行`` for each row position."""
        pos = np.asarray(pos, dtype="int64")
        return ("批次 " + _take(self.records["batch_id"], pos) + " 第 "
                + self.records["source_row"].to_numpy()[pos].astype(str) + " 行").astype(object)

    def report_rows(self, kind: str, hits: pd.DataFrame) -> pd.DataFrame:
        pos = hits["pos"].to_numpy(dtype="int64")
        rec = self.records
        pp = self.pp[pos]
        ids = rec["id_number"].iloc[pos].fillna("").astype(str)
        cards = rec["card_number"].iloc[pos].fillna("").astype(str)
        paid = self.paid_on.iloc[pos]
        out = pd.DataFrame({
            "问题编号": kind + "-" + pd.Series(hits["case"].to_numpy() + 1).astype(str).str.zfill(4).to_numpy(),
            "批次": _take(rec["batch_id"], pos),
            "文件": _short_paths(rec["source_file"].iloc[pos]),
            "行号": rec["source_row"].to_numpy()[pos].astype("int64"),
            "乡镇": _take(rec["township"], pos),
            "村": _take(rec["village"], pos),
            "姓名": [mask_name(str(n), "partial") for n in _take(rec["name"], pos)],
            "身份证号": np.asarray(mask_id_series(ids, MAX_ID_HEAD, MAX_ID_TAIL), dtype=object),
            "卡号": np.asarray([mask_card_number(c) for c in cards], dtype=object),
            "补贴项目": self.periods["program_name"].to_numpy()[pp],
            "期别": self.periods["label"].to_numpy()[pp],
            "金额（元）": self.amount[pos],
            "发放日期": paid.dt.strftime("%Y-%m-%d").fillna("").to_numpy(),
            "发放状态": _take(rec["pay_status"], pos),
            "说明": hits["sentence"].to_numpy(),
        }, columns=list(REPORT_COLUMNS))
        return out.astype({c: "object" for c in REPORT_COLUMNS if c not in ("行号", "金额（元）")})


def _take(column: pd.Series, pos: np.ndarray) -> np.ndarray:
    """Values at row positions as an object array (select first: converting a whole
    Arrow-backed string column to numpy costs far more than the rows we need)."""
    return column.iloc[pos].to_numpy(dtype=object)


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes for a string column (-1 for blank) and the distinct values."""
    text = values.fillna("").astype(str)
    codes, uniques = pd.factorize(text, sort=False)
    uniques = np.asarray(uniques, dtype=object)
    blank = np.flatnonzero(uniques == "")
    codes = codes.astype("int64")
    if len(blank):
        codes[codes == blank[0]] = -1
    return codes, uniques


def _period_table(records: pd.DataFrame, county: County) -> pd.DataFrame:
    """One row per program × period: label, standard, cap and payment deadline.

    The frame's ``attrs["codes"]`` holds each record's row number in this table.
    """
    prog_code, programs = pd.factorize(records["program"].fillna("").astype(str))
    per_code, periods = pd.factorize(records["period"].fillna("").astype(str))
    year_of = records["year"].fillna("").astype(str).to_numpy()
    combined = prog_code.astype("int64") * max(len(periods), 1) + per_code
    codes, uniques = pd.factorize(combined)
    first = pd.Series(np.arange(len(combined))).groupby(codes).min().to_numpy() if len(codes) else np.array([], "int64")
    rows = []
    for pair, first_pos in zip(uniques, first, strict=True):
        code, period = str(programs[pair // max(len(periods), 1)]), str(periods[pair % max(len(periods), 1)])
        rows.append(_period_row(county, code, period, str(year_of[first_pos])))
    table = pd.DataFrame(rows, columns=["program", "period", "program_name", "label", "standard", "cap",
                                        "deadline", "deadline_days"])
    table["deadline"] = pd.to_datetime(table["deadline"])
    table[["standard", "cap", "deadline_days"]] = table[["standard", "cap", "deadline_days"]].astype("float64")
    table.attrs["codes"] = codes.astype("int64")
    return table


def _period_row(county: County, code: str, period: str, year: str) -> tuple:  # type: ignore[type-arg]
    program = county.programs.get(code)
    end = _period_end(period, year)
    label = (f"{period[:4]}年{int(period[5:7])}月" if end is not None and len(period) == 7
             else f"{period}年度" if len(period) == 4 else period or year)
    if program is None:
        return (code, period, code, label, np.nan, np.nan, pd.NaT, np.nan)
    by_year = program.extra.get("standard_by_year") or {}
    standard = by_year.get(int(year), by_year.get(year)) if year.isdigit() else None
    standard = program.standard_amount if standard is None else float(standard)
    days = program.payment_deadline_days
    deadline = end + pd.Timedelta(days=int(days)) if end is not None and days is not None else pd.NaT
    return (code, period, program.name, label, np.nan if standard is None else standard,
            np.nan if program.cap_per_person is None else program.cap_per_person,
            deadline, np.nan if days is None else days)


def _period_end(period: str, year: str) -> pd.Timestamp | None:
    """Last day of a period: ``2025`` → 2025-12-31, ``2025-03`` → 2025-03-31."""
    if len(period) == 4 and period.isdigit():
        return pd.Timestamp(int(period), 12, 31)
    if len(period) == 7 and period[:4].isdigit() and period[4] == "-" and period[5:].isdigit() \
            and 1 <= int(period[5:]) <= 12:
        return pd.Timestamp(int(period[:4]), int(period[5:]), 1) + pd.offsets.MonthEnd(0)
    if year.isdigit():
        return pd.Timestamp(int(year), 12, 31)
    return None


def _paid_dates(records: pd.DataFrame, batches: list[Batch]) -> pd.Series:
    """发放日期 per row, falling back to the batch's ``paid_on`` where the row has none."""
    paid = pd.to_datetime(records["paid_on"]).astype("datetime64[ns]")
    meta = {b.id: b.date("paid_on") for b in batches if b.date("paid_on") is not None}
    if meta and paid.isna().any():
        fallback = pd.to_datetime(records["batch_id"].map(meta)).astype("datetime64[ns]")
        paid = paid.fillna(fallback)
    return paid.reset_index(drop=True)


def _tail(values: np.ndarray) -> np.ndarray:
    text = pd.Series(values, dtype="str")
    return np.where(text.str.len().to_numpy() >= 8, text.str.slice(-4).to_numpy(), "????").astype(object)


def _short_paths(paths: pd.Series) -> np.ndarray:
    """``batches/2025/2025-gdzl/records.csv``: where to look inside the data directory."""
    unique = {p: "/".join(Path(str(p)).parts[-4:]) for p in paths.unique()}
    return paths.map(unique).to_numpy(dtype=object)


def _number(values: np.ndarray) -> np.ndarray:
    """Plain numbers without trailing zeros: 3, 12.5, 68.93."""
    text = pd.Series(np.round(np.asarray(values, dtype="float64"), 2)).map("{:.2f}".format).astype(str)
    return text.str.replace(r"\.?0+$", "", regex=True).to_numpy().astype(object)


def budget_line(budget: pd.DataFrame) -> str:
    """The latest year with payments: how much was paid, and against which budget."""
    spent = budget[budget["paid"] > 0]
    if spent.empty:
        return "预算执行：没有发放成功的记录。"
    year = str(spent["year"].max())
    rows = budget[budget["year"] == year]
    with_budget = rows[rows["budget"].notna() & (rows["budget"] > 0)]
    line = f"预算执行：{year} 年 {int((rows['paid'] > 0).sum())} 项补贴已发放 {format_money(float(rows['paid'].sum()))} 元"
    if not with_budget.empty:
        rate = float(with_budget["paid"].sum() / with_budget["budget"].sum())
        line += f"，有预算的 {len(with_budget)} 项合计执行率 {rate:.1%}"
    return line + "。"
