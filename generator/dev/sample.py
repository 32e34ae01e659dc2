"""``yikatong sample``: a complete synthetic county data tree, deterministic for a seed.

The county comes from a ``SampleModel`` (``generator.dev.model``): by default the sample
county's real townships and departments (``sampledata.county``), or any ``county.yml``;
villages and people are invented. People get valid ID
numbers (GB 11643 checksum), Luhn-valid card numbers and mobile numbers; batches are written
as CSV (UTF-8, UTF-8 with BOM, GB18030) and XLSX with the header variants clerks use,
extra columns the loader must drop (phone numbers, disability type) and, in some Excel
files, a title row and a 合计 row. A few cases of every cross-check finding are planted
(``_plant_findings``), so every sheet of ``yikatong audit`` has rows. Generation is
vectorised: 1,000,000 records in about a minute.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from openpyxl import Workbook

from generator.core.idnumber import ID_CHECK_CHARS, ID_WEIGHTS
from generator.core.xlsx import save_workbook
from generator.dev.model import SampleModel, default_model
from generator.dev.sampledata import names
from generator.dev.sampledata.county import COUNTY, PROGRAMS, WEBSITE

log = logging.getLogger(__name__)

PERIODS_PER_YEAR = {"yearly": 1, "quarterly": 4}
YEARS_BACK = 3



def invented_website(model: SampleModel) -> dict[str, str]:
    """A government site's footer block for a county other than the sample's own (invented
    numbers, named after the county; a real county fills in its own)."""
    return {
        "organizer": f"{model.name}人民政府办公室", "undertaker": f"{model.name}财政局",
        "site_code": f"{model.code}0099", "icp": "ICP备00000000号-1",
        "public_security": f"公网安备{model.code}02000000号",
        "address": f"{model.name}{model.townships[0][1]}", "phone": "0000-0000000",
        "domain": "https://ykt.example.gov.cn",
    }


@dataclass
class SampleSummary:
    batches: int
    records: int
    people: int
    out: Path


def write_sample(out: Path, records: int = 2000, seed: int = 230521,
                 as_of: dt.date | None = None, model: SampleModel | None = None,
                 plant: bool = True) -> SampleSummary:
    """Write county.yml, programs/, batches/ and holidays.yml under `out` (replacing them).

    `model` is the county (default: the sample county); `plant` adds a few cases of every
    cross-check finding.
    """
    as_of = as_of or dt.date.today()
    model = model or default_model()
    rng = np.random.default_rng(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for sub in ("programs", "batches"):
        shutil.rmtree(out / sub, ignore_errors=True)
    villages = _make_villages(rng, model)
    _write_county(out, villages, model)
    _write_holidays(out)
    years = list(range(as_of.year - YEARS_BACK + 1, as_of.year + 1))
    per_person = sum(p["_share"] * PERIODS_PER_YEAR[p["_periods"]] * len(years) for p in PROGRAMS)
    people = _make_people(rng, max(60, math.ceil(records * 1.085 / per_person)), villages, as_of, model)
    batches = 0
    written = 0
    paid: dict[tuple[str, int], float] = {}
    made = [b for program in PROGRAMS for b in _program_batches(rng, program, people, years, as_of)]
    if plant:
        _plant_findings(rng, made, model, as_of)
    for batch in made:
        _write_batch(out, batch, rng, model)
        batches += 1
        written += len(batch["rows"])
        key = (batch["program"]["code"], batch["year"])
        paid[key] = paid.get(key, 0.0) + float(batch["rows"]["amount"].sum())
    _write_programs(out, as_of, paid, model)
    notice = _notice_batch(rng, people, as_of)
    if notice is not None:
        _write_batch(out, notice, rng, model)
        batches += 1
        written += len(notice["rows"])
    _write_ledger(out, as_of)
    log.info("样例数据：%d 个批次，%d 条记录，%d 人 → %s", batches, written, len(people), out)
    return SampleSummary(batches, written, len(people), out)


# ---------------------------------------------------------------- planted findings

PLANTED_CASES = 2  # of each kind, where the sample is big enough


def _plant_findings(rng: np.random.Generator, batches: list[dict[str, Any]], model: SampleModel,
                    as_of: dt.date) -> None:
    """A few cases of every cross-check finding, so each sheet of ``yikatong audit`` has rows.

    重发: a row repeated in its batch; 多发: a second, smaller payment for the same person and
    period; 一人多卡: a person's card replaced in their latest batch of a program; 一卡多人: a
    row paid to a neighbour's card; 漏发: a payment 退回 and never re-paid; 迟发: payment dates
    after the program's deadline; 身份异常: an ID number of someone born in 1912.
    """
    paid = [b for b in batches if len(b["rows"]) >= 4]
    if not paid:
        return
    monthly = [b for b in paid if b["program"]["_qty"] == "months"]
    used: set[tuple[int, int]] = set()

    def pick(pool: list[dict[str, Any]], n: int) -> list[tuple[dict[str, Any], int]]:
        chosen = []
        order = rng.permutation(len(pool)) if pool else np.zeros(0, dtype=int)
        for bi in order:
            batch = pool[int(bi)]
            free = [r for r in range(len(batch["rows"])) if (id(batch), r) not in used
                    and batch["rows"].at[r, "pay_status"] == "成功"]
            if free:
                row = free[int(rng.integers(0, len(free)))]
                used.add((id(batch), row))
                chosen.append((batch, row))
            if len(chosen) == n:
                break
        return chosen

    for batch, row in pick(paid, PLANTED_CASES):  # 重发
        batch["rows"] = pd.concat([batch["rows"], batch["rows"].iloc[[row]]], ignore_index=True)
        used.add((id(batch), len(batch["rows"]) - 1))
    for batch, row in pick(monthly, PLANTED_CASES):  # 多发: one more month, paid separately
        extra = batch["rows"].iloc[[row]].copy()
        extra["quantity"] = 1.0
        extra["amount"] = round(float(extra["standard"].iloc[0]), 2)
        batch["rows"] = pd.concat([batch["rows"], extra], ignore_index=True)
        used.add((id(batch), len(batch["rows"]) - 1))
    latest: dict[str, dict[str, Any]] = {}
    for batch in paid:
        latest[batch["program"]["code"]] = batch
    for batch, row in pick(list(latest.values()), PLANTED_CASES):  # 一人多卡
        batch["rows"].at[row, "card_number"] = str(_make_cards(rng, 1)[0])
    for batch, row in pick(paid, PLANTED_CASES):  # 一卡多人
        rows = batch["rows"]
        other = next(r for r in range(len(rows)) if rows.at[r, "id_number"] != rows.at[row, "id_number"])
        rows.at[row, "card_number"] = rows.at[other, "card_number"]
        used.add((id(batch), other))
    for batch, row in pick(paid, PLANTED_CASES):  # 漏发
        batch["rows"].at[row, "pay_status"] = "退回"
    for batch, row in pick([b for b in paid if _late_date(b, as_of)], PLANTED_CASES):  # 迟发
        batch["rows"].at[row, "paid_on"] = _late_date(batch, as_of)
    for batch, row in pick(paid, PLANTED_CASES):  # 身份异常
        batch["rows"].at[row, "id_number"] = _id_number(model.code, f"1912{int(rng.integers(1, 13)):02d}15",
                                                        int(rng.integers(0, 999)))


def _late_date(batch: dict[str, Any], as_of: dt.date) -> str:
    """A payment date 10 days after the program's deadline, or "" if that is after `as_of`."""
    days = batch["program"].get("payment_deadline_days")
    period = str(batch["period"])
    if days is None:
        return ""
    if len(period) == 7:
        year, month = int(period[:4]), int(period[5:])
        end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    else:
        end = dt.date(int(period[:4]), 12, 31)
    late = end + dt.timedelta(days=int(days) + 10)
    return late.isoformat() if late <= as_of - dt.timedelta(days=1) else ""


def _id_number(region: str, birth: str, seq: int) -> str:
    first17 = f"{region}{birth}{seq:03d}"
    return first17 + ID_CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


# ---------------------------------------------------------------- county and programs


def _make_villages(rng: np.random.Generator, model: SampleModel) -> list[tuple[str, str, str]]:
    """(township name, village code, village name) for every village (invented unless given)."""
    villages = []
    for code, town, count in model.townships:
        if not isinstance(count, int):
            villages += [(town, vc, vn) for vc, vn in count]
            continue
        stems = rng.choice(len(names.VILLAGE_STEMS), size=count, replace=False)
        for i, stem in enumerate(sorted(stems)):
            villages.append((town, f"{code}{201 + i:03d}", f"{names.VILLAGE_STEMS[stem]}村"))
    return villages


def _write_county(out: Path, villages: list[tuple[str, str, str]], model: SampleModel) -> None:
    townships = []
    for code, town, _count in model.townships:
        townships.append({
            "code": code, "name": town, "department": f"town-{code}",
            "phone": f"0469-46{int(code[-3:]) % 100:02d}{int(code[-1]) + 100:03d}",
            "villages": [{"code": vc, "name": vn} for t, vc, vn in villages if t == town],
        })
    departments = [
        {"code": c, "name": n, "short_name": s, "phone": p, "roles": r, "kind": k,
         "address": f"{model.name}{model.townships[0][1]}"}
        for c, n, s, p, r, k in model.departments
    ]
    doc = {
        "county": model.county,
        "website": WEBSITE if model.code == COUNTY["code"] else invented_website(model),
        "publication": {"window_days": 20, "window_unit": "calendar"},
        "townships": townships,
        "departments": departments,
        "routing": {
            "eligibility": "program", "amount": "program", "list": "township",
            "payment_not_received": "bank", "delay": "finance", "misconduct": "discipline",
            "other": "triage", "disclosure_request": "holder",
            "copy_finance_on": ["payment_not_received"],
        },
        **model.extra,
    }
    _dump_yaml(out / "county.yml", doc, "县情、乡镇村、部门及投诉转办规则（样例数据，人员均为虚构）")


def _write_programs(out: Path, as_of: dt.date, paid: dict[tuple[str, int], float],
                    model: SampleModel) -> None:
    """The policy list; yearly budgets a little above what past years actually paid."""
    (out / "programs").mkdir(parents=True, exist_ok=True)
    for spec in PROGRAMS:
        doc = {k: v for k, v in spec.items() if not k.startswith("_")}
        years = range(as_of.year - YEARS_BACK + 1, as_of.year + 1)
        full_year = max([paid.get((spec["code"], y), 0.0) for y in years[:-1]] or [0.0])
        doc["budget"] = {y: float(round(max(paid.get((spec["code"], y), 0.0), full_year) * 1.04 + 500, -3))
                         for y in years}
        doc["how_to_apply"] = (
            "本人持身份证、户口簿和社会保障卡向户籍所在村（社区）提出申请，村委会初审并张榜公示，"
            f"乡镇审核后报{model.department_name(spec['department'])}审批，资金通过社会保障卡“一卡通”发放。"
        )
        doc["materials"] = "身份证、户口簿、社会保障卡（一卡通）" + (
            "、土地承包经营权证" if spec["_qty"].startswith("area") else "")
        doc["disclosure"] = {**doc["disclosure"], "retention_years": 3, "min_group": 3}
        _dump_yaml(out / "programs" / f"{spec['code']}.yml", doc, f"补贴政策清单：{spec['name']}")


def _write_holidays(out: Path) -> None:
    path = out / "holidays.yml"
    if path.exists():
        return
    path.write_text(
        "# 法定节假日和调休工作日：chinesecalendar 尚未收录的年份在此按国务院办公厅通知补充。\n"
        "# 例：\n# 2027:\n#   holidays: [2027-01-01]\n#   workdays: [2027-02-07]\n{}\n",
        encoding="utf-8")


# ---------------------------------------------------------------- people


def _make_people(rng: np.random.Generator, count: int, villages: list[tuple[str, str, str]],
                 as_of: dt.date, model: SampleModel) -> pd.DataFrame:
    village_idx = rng.integers(0, len(villages), size=count)
    male = rng.random(count) < 0.5
    # ages 6–95, weighted towards the elderly as in the region's villages
    ages = np.clip(rng.gamma(6.0, 9.0, size=count) + 6, 6, 98).astype(int)
    born = np.array([np.datetime64(as_of)] * count, dtype="datetime64[D]")
    born = born - (ages * 365.25).astype(int) - rng.integers(0, 365, size=count)
    region = np.where(rng.random(count) < 0.9, model.code,
                      np.array(model.neighbours)[rng.integers(0, len(model.neighbours), count)])
    birth = pd.Series(born).dt.strftime("%Y%m%d").to_numpy()
    seq = rng.integers(0, 500, size=count) * 2 + np.where(male, 1, 0)
    people = pd.DataFrame({
        "region": region, "birth": birth, "seq": seq, "male": male, "age": ages,
        "township": [villages[i][0] for i in village_idx],
        "village": [villages[i][2] for i in village_idx],
        "group": rng.integers(1, 10, size=count).astype(str),
    })
    people = _unique_ids(people)
    people["name"] = _make_names(rng, male)
    people["card_number"] = _make_cards(rng, count)
    people["phone"] = ("1" + pd.Series(rng.choice(list("3456789"), size=count))
                       + pd.Series(rng.integers(0, 10**9, size=count)).astype(str).str.zfill(9)).to_numpy()
    people["area"] = np.round(np.clip(rng.lognormal(2.6, 0.6, size=count), 1.5, 300), 2)
    return people


def _unique_ids(people: pd.DataFrame) -> pd.DataFrame:
    for _ in range(50):
        first17 = people["region"] + people["birth"] + people["seq"].astype(str).str.zfill(3)
        dup = first17.duplicated().to_numpy()
        if not dup.any():
            break
        people.loc[dup, "seq"] = (people.loc[dup, "seq"] + 2) % 1000
    digits = np.frombuffer(first17.to_numpy(dtype="S17").tobytes(), dtype=np.uint8).reshape(-1, 17) - 48
    check = np.array(list(ID_CHECK_CHARS))[(digits.astype(np.int64) @ np.array(ID_WEIGHTS)) % 11]
    people["id_number"] = (first17 + pd.Series(check, index=first17.index)).to_numpy()
    return people


def _make_names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    count = len(male)
    surnames = np.array(list(names.SURNAMES))
    weights = np.array(list(names.SURNAMES.values()), dtype=float)
    sur = surnames[rng.choice(len(surnames), size=count, p=weights / weights.sum())]
    male_pool = np.array(names.GIVEN_MALE)
    female_pool = np.array(names.GIVEN_FEMALE)
    first = np.where(male, male_pool[rng.integers(0, len(male_pool), count)],
                     female_pool[rng.integers(0, len(female_pool), count)])
    second = np.where(male, male_pool[rng.integers(0, len(male_pool), count)],
                      female_pool[rng.integers(0, len(female_pool), count)])
    two_chars = rng.random(count) < 0.7
    given = np.where(two_chars, np.char.add(first, second), first)
    full = np.char.add(sur, given).astype(object)  # object: a fixed-width dtype cut 买买提·艾力 to 买买提·
    middot = rng.random(count) < 0.002
    if middot.any():
        full[middot] = np.array(names.MIDDOT_NAMES)[rng.integers(0, len(names.MIDDOT_NAMES), middot.sum())]
    return full


def _make_cards(rng: np.random.Generator, count: int) -> np.ndarray:
    """19-digit social-security card (bank) numbers with a valid Luhn digit."""
    body = np.concatenate([
        np.tile([6, 2, 3, 1], (count, 1)),
        rng.integers(0, 10, size=(count, 14)),
    ], axis=1)
    doubled = body.copy()
    # positions counted from the right of the full number; check digit is position 0
    idx = np.arange(18)[::-1] % 2 == 0
    doubled[:, idx] *= 2
    doubled[doubled > 9] -= 9
    check = (10 - doubled.sum(axis=1) % 10) % 10
    full = np.concatenate([body, check[:, None]], axis=1).astype(np.uint8) + 48
    return full.view("S19").ravel().astype(str)


# ---------------------------------------------------------------- batches


def _eligible(program: dict[str, Any], people: pd.DataFrame) -> np.ndarray:
    age = people["age"].to_numpy()
    code = program["code"]
    if code == "gljt":
        return age >= 80
    if code == "cxjm":
        return age >= 60
    if code == "ywjy":
        return (age >= 6) & (age <= 15)
    if code == "yljh":
        return (age >= 15) & (age <= 22)
    return age >= 18


def _program_batches(rng: np.random.Generator, program: dict[str, Any], people: pd.DataFrame,
                     years: list[int], as_of: dt.date) -> list[dict[str, Any]]:
    eligible = np.flatnonzero(_eligible(program, people))
    wanted = int(round(program["_share"] * len(people)))
    if len(eligible) == 0 or wanted == 0:
        return []
    base = rng.choice(eligible, size=min(wanted, len(eligible)), replace=False)
    batches = []
    for year in years:
        for period, produced in _periods(program, year):
            if produced > as_of - dt.timedelta(days=7):
                continue
            churn = rng.random(len(base)) < 0.03
            chosen = np.sort(base[~churn])
            if len(chosen) == 0:
                continue
            batches.append(_batch(rng, program, people.iloc[chosen], year, period, produced, as_of))
    return batches


def _notice_batch(rng: np.random.Generator, people: pd.DataFrame, as_of: dt.date) -> dict[str, Any] | None:
    """New 低保 applicants in their 7-working-day village notice (公示) before approval."""
    program = next(p for p in PROGRAMS if p["code"] == "nccb")
    adults = np.flatnonzero(people["age"].to_numpy() >= 18)
    if len(adults) < 3:
        return None
    chosen = np.sort(rng.choice(adults, size=min(len(adults), max(3, len(people) // 150)), replace=False))
    who = people.iloc[chosen]
    start = as_of - dt.timedelta(days=2)
    batch = _batch(rng, program, who, as_of.year, f"{as_of.year}-{as_of.month:02d}", start, as_of)
    batch["rows"]["paid_on"] = ""
    batch["rows"]["pay_status"] = ""
    batch["id"] = f"{as_of.year}-{as_of.month:02d}-nccb-gs"
    batch["notice"] = {"status": "notice", "notice_start": start.isoformat(), "notice_days": 7}
    batch["title"] = f"{as_of.year}年{as_of.month}月农村低保新增对象公示名单"
    return batch


def _write_ledger(out: Path, as_of: dt.date) -> None:
    """A plausible publication history, so the sample's timeliness page has a past."""
    from generator.ingest.load import load_batches
    from generator.publish.ledger import seed_history, write_ledger

    write_ledger(out, seed_history(load_batches(out).batches, as_of))


def _periods(program: dict[str, Any], year: int) -> list[tuple[str, dt.date]]:
    if program["_periods"] == "quarterly":
        return [(f"{year}-{m:02d}", dt.date(year, m, 20)) for m in (3, 6, 9, 12)]
    month, day = program["_produced"]
    return [(str(year), dt.date(year, month, day))]


def _batch(rng: np.random.Generator, program: dict[str, Any], who: pd.DataFrame, year: int,
           period: str, produced: dt.date, as_of: dt.date) -> dict[str, Any]:
    n = len(who)
    standard = float(program["standard_amount"])
    qty_kind = program["_qty"]
    if qty_kind == "area":
        qty = np.round(who["area"].to_numpy() * rng.uniform(0.97, 1.0, n), 2)
    elif qty_kind == "area_small":
        qty = np.round(who["area"].to_numpy() / 4 + 1, 2)
    elif qty_kind == "months":
        qty = np.full(n, 3.0)
    else:
        qty = np.ones(n)
    amount = np.round(qty * standard, 2)
    paid = produced + dt.timedelta(days=int(rng.integers(2, 12)))
    paid = min(paid, as_of)
    status = np.where(rng.random(n) < 0.995, "成功", np.where(rng.random(n) < 0.5, "失败", "退回"))
    remark = np.full(n, "", dtype=object)
    note = rng.random(n)
    remark[note < 0.01] = "补发上期差额"
    remark[(note >= 0.01) & (note < 0.015)] = "本人委托家属代领"
    phones = who["phone"].to_numpy()
    with_phone = (note >= 0.015) & (note < 0.018)
    remark[with_phone] = np.char.add("联系电话", phones[with_phone].astype(str))
    code = program["code"]
    batch_id = f"{period}-{code}" if program["_periods"] == "quarterly" else f"{year}-{code}"
    rows = pd.DataFrame({
        "name": who["name"].to_numpy(), "id_number": who["id_number"].to_numpy(),
        "card_number": who["card_number"].to_numpy(), "phone": phones,
        "township": who["township"].to_numpy(), "village": who["village"].to_numpy(),
        "group": who["group"].to_numpy(), "quantity": qty, "standard": standard, "amount": amount,
        "paid_on": paid.isoformat(), "pay_status": status, "remark": remark,
    })
    rows = rows.sort_values(["township", "village", "group"], kind="stable").reset_index(drop=True)
    return {
        "id": batch_id, "year": year, "period": period, "program": program, "produced": produced,
        "paid": paid, "rows": rows,
    }


HEADER_STYLES = {
    "area": {"quantity": "面积（亩）", "standard": "补贴标准（元/亩）", "amount": "补贴金额（元）"},
    "plain": {"quantity": "数量", "standard": "标准", "amount": "金额"},
}


def _write_batch(out: Path, batch: dict[str, Any], rng: np.random.Generator, model: SampleModel) -> None:
    program = batch["program"]
    folder = out / "batches" / str(batch["year"]) / batch["id"]
    folder.mkdir(parents=True, exist_ok=True)
    meta = {
        "program": program["code"],
        "title": batch.get("title") or f"{batch['period'].replace('-', '年', 1)}"
                 f"{'月' if '-' in batch['period'] else '年度'}{program['name']}发放名单",
        "period": batch["period"],
        "produced_on": batch["produced"].isoformat(),
        "paid_on": batch["paid"].isoformat() if "notice" not in batch else None,
        "status": "paid",
        **batch.get("notice", {}),
        "approved_by": f"{model.department_name(program['department'])}（经办）、{model.finance_name()}（复核）",
    }
    _dump_yaml(folder / "batch.yml", {k: v for k, v in meta.items() if v is not None}, None)
    table = _clerk_table(batch["rows"], program)
    fmt = program["_format"]
    if fmt == "xlsx":
        _write_xlsx(folder / "records.xlsx", table, meta["title"])
    elif fmt == "csv-gb18030":
        table.to_csv(folder / "records.csv", index=False, encoding="gb18030")
    elif fmt == "csv-bom":
        table.to_csv(folder / "records.csv", index=False, encoding="utf-8-sig")
    else:
        table.to_csv(folder / "records.csv", index=False, encoding="utf-8")


def _clerk_table(rows: pd.DataFrame, program: dict[str, Any]) -> pd.DataFrame:
    """The table as a clerk's Excel sheet has it: Chinese headers, 序号, extra columns."""
    style = HEADER_STYLES["area" if program["_qty"].startswith("area") else "plain"]
    table = pd.DataFrame({"序号": np.arange(1, len(rows) + 1)})
    table["乡镇"] = rows["township"]
    table["村"] = rows["village"]
    table["组"] = rows["group"]
    table["姓名"] = rows["name"]
    table["身份证号" if program["_format"] != "csv-gb18030" else "公民身份号码"] = rows["id_number"]
    table["社保卡号" if program["_format"] != "xlsx" else "银行账号"] = rows["card_number"]
    table["联系电话"] = rows["phone"]  # an unknown column: the loader must drop it
    if program.get("_sensitive_column"):
        kinds = np.array(["肢体残疾", "视力残疾", "听力残疾", "智力残疾", "精神残疾"])
        table[program["_sensitive_column"]] = kinds[np.arange(len(rows)) % len(kinds)]
    table[style["quantity"]] = rows["quantity"].map(lambda v: f"{v:.2f}" if v % 1 else f"{int(v)}")
    table[style["standard"]] = rows["standard"].map(lambda v: f"{v:.2f}")
    table[style["amount"]] = rows["amount"].map(lambda v: f"{v:.2f}")
    table["发放日期"] = rows["paid_on"]
    table["发放状态"] = rows["pay_status"]
    table["备注"] = rows["remark"]
    return table


def _write_xlsx(path: Path, table: pd.DataFrame, title: str) -> None:
    """An Excel sheet as clerks make them: a title row, the header, rows, a 合计 row."""
    wb = Workbook()
    ws = wb.active
    ws.title = "发放名单"
    ws.append([title])
    ws.append(list(table.columns))
    numeric = {c for c in table.columns if "金额" in c or "标准" in c or c in ("数量", "面积（亩）")}
    for values in table.itertuples(index=False):
        ws.append([float(v) if col in numeric else v for col, v in zip(table.columns, values, strict=True)])
    amount_col = next(c for c in table.columns if "金额" in c)
    total = round(sum(float(v) for v in table[amount_col]), 2)
    ws.append(["合计"] + [""] * (list(table.columns).index(amount_col) - 1) + [total])
    save_workbook(wb, path)


def _dump_yaml(path: Path, doc: dict[str, Any], comment: str | None) -> None:
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000)
    if comment:
        text = f"# {comment}\n{text}"
    path.write_text(text, encoding="utf-8")
