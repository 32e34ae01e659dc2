"""``yikatong province sample``: a synthetic province, deterministic for a seed.

Invented counties (own names, codes, townships, departments and people, each a complete
county data tree written by ``generator.dev.sample``) and, on purpose, people and cards
shared between neighbouring counties (county i and i+1), one extra batch per case:

- 重发: a person of county i paid again in county i+1, same program and period;
- near miss: a person of county i paid in county i+1 under a program and period they have
  no payment for in county i (same card): no finding;
- 一卡多人: an invented person of county i+1 paid to a card of county i;
- 一人多卡: a person of county i paid in county i+1 to a new card, under a program and
  period they have no payment for in county i (so it is not 重发 as well).
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from generator.dev import sample as county_sample
from generator.dev.model import SampleModel, invented_model
from generator.dev.sampledata.county import PROGRAMS
from generator.ingest.load import load_batches
from generator.province.model import write_province_file

log = logging.getLogger(__name__)

PROVINCE = ("黑龙江省", "230000")
CITY = "松江市"  # invented
AREA_CODE = "0450"
COUNTY_STEMS = ("清河", "安宁", "长丰", "北岭", "东原", "西平", "南川", "泰和", "永宁", "兴和", "宁远",
                "嘉禾", "临江", "望奎", "双城", "青冈", "明水", "富源", "保安", "靖远")
CASES_PER_KIND = 2
SPECS = {p["code"]: p for p in PROGRAMS}


@dataclass
class ProvinceSample:
    counties: int
    records: int
    out: Path


def county_code(n: int) -> str:
    return f"2399{n + 1:02d}"


def county_name(n: int) -> str:
    stem = COUNTY_STEMS[n % len(COUNTY_STEMS)]
    return f"{stem}县" if n < len(COUNTY_STEMS) else f"{stem}{n // len(COUNTY_STEMS) + 1}县"


def write_province_sample(out: Path, counties: int = 3, records: int = 2000, seed: int = 2300,
                          as_of: dt.date | None = None) -> ProvinceSample:
    """Write province.yml and one county data tree per county under `out` (replacing them)."""
    as_of = as_of or dt.date.today()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    models: list[SampleModel] = []
    total = 0
    for n in range(counties):
        rng = np.random.default_rng([seed, n])
        model = invented_model(rng, county_name(n), county_code(n), PROVINCE[0], CITY, AREA_CODE)
        models.append(model)
        shutil.rmtree(out / model.code, ignore_errors=True)
        summary = county_sample.write_sample(out / model.code, records=records, seed=seed * 100 + n,
                                             as_of=as_of, model=model)
        total += summary.records
    write_province_file(out, PROVINCE[0], PROVINCE[1], [(m.code, m.name) for m in models])
    if counties >= 2:
        loaded = {m.code: load_batches(out / m.code) for m in models}
        for n, model in enumerate(models):
            target = models[(n + 1) % counties]
            if counties == 2 and n == 1:
                break  # one direction is enough for two counties
            rng = np.random.default_rng([seed, 1000 + n])
            total += _plant_shared(rng, out / target.code, target, loaded[model.code], model, as_of)
    log.info("样例省：%d 个县，%d 条记录 → %s", counties, total, out)
    return ProvinceSample(counties, total, out)


def _plant_shared(rng: np.random.Generator, target_dir: Path, target: SampleModel, source, source_model: SampleModel,
                  as_of: dt.date) -> int:  # type: ignore[no-untyped-def]
    records: pd.DataFrame = source.records
    meta = {b.id: b.meta for b in source.batches}
    ok = records[(records["pay_status"] == "成功") & (records["program"].isin(list(SPECS)))
                 & records["batch_id"].map(lambda b: meta[b].get("status", "paid") == "paid")]
    if ok.empty:
        return 0
    person_periods = set(zip(ok["id_number"], ok["program"], ok["period"], strict=True))
    places = [(t[1], v[1]) for t in target.townships for v in _villages(target_dir, t[1])]
    order = rng.permutation(len(ok))
    used_people: set[str] = set()
    rows_written = 0
    picks = iter(int(i) for i in order)

    def next_row() -> pd.Series:
        for i in picks:
            row = ok.iloc[i]
            if row["id_number"] not in used_people:
                used_people.add(row["id_number"])
                return row
        raise StopIteration

    def free_program(row: pd.Series) -> tuple[str, str, str] | None:
        """A (program, period, year) the person has no payment for in the source county."""
        for code in ("njgz", "wfgz", "thgl", "slbc", "yljh"):
            year = str(row["year"])
            if (row["id_number"], code, year) not in person_periods:
                return code, year, year
        return None

    cases: list[tuple[str, pd.Series, str, str, str, str]] = []  # kind, row, program, period, year, card
    try:
        for _ in range(CASES_PER_KIND):
            row = next_row()  # 重发
            cases.append(("dup", row, row["program"], row["period"], str(row["year"]), row["card_number"]))
        for _ in range(CASES_PER_KIND):
            row = next_row()  # near miss: another program
            free = free_program(row)
            if free:
                cases.append(("near", row, *free, row["card_number"]))
        for _ in range(CASES_PER_KIND):
            row = next_row()  # 一卡多人: an invented person, the source person's card
            cases.append(("card", row, row["program"], row["period"], str(row["year"]), row["card_number"]))
        for _ in range(CASES_PER_KIND):
            row = next_row()  # 一人多卡
            free = free_program(row)
            if free:
                cases.append(("newcard", row, *free, str(county_sample._make_cards(rng, 1)[0])))
    except StopIteration:
        pass
    for n, (kind, row, program, period, year, card) in enumerate(cases):
        town, village = places[int(rng.integers(0, len(places)))]
        spec = SPECS[program]
        name, id_number = row["name"], row["id_number"]
        if kind == "card":
            name = str(county_sample._make_names(rng, np.array([True]))[0])
            id_number = county_sample._id_number(target.code, f"19{int(rng.integers(50, 90))}0{int(rng.integers(1, 10))}1{int(rng.integers(0, 10))}",
                                                 int(rng.integers(0, 999)))
        standard = float(spec["standard_amount"])
        quantity = float(row["quantity"] or 1) if program == row["program"] else 1.0
        paid_on = str(row["paid_on"] or as_of.isoformat())
        frame = pd.DataFrame([{
            "name": name, "id_number": id_number, "card_number": card, "phone": "",
            "township": town, "village": village, "group": "1", "quantity": quantity,
            "standard": standard, "amount": round(quantity * standard, 2), "paid_on": paid_on,
            "pay_status": "成功", "remark": "",
        }])
        produced = min(dt.date.fromisoformat(paid_on[:10]) - dt.timedelta(days=3), as_of)
        batch_id = f"{period}-{program}-x{source_model.code[-2:]}{n + 1:02d}"
        batch = {"id": batch_id, "year": int(year), "period": period, "program": {**spec, "_format": "csv"},
                 "produced": produced, "paid": dt.date.fromisoformat(paid_on[:10]), "rows": frame}
        county_sample._write_batch(target_dir, batch, rng, target)
        rows_written += 1
    return rows_written


def _villages(data_dir: Path, township: str) -> list[tuple[str, str]]:
    import yaml

    raw = yaml.safe_load((data_dir / "county.yml").read_text(encoding="utf-8"))
    town = next(t for t in raw["townships"] if t["name"] == township)
    return [(str(v["code"]), str(v["name"])) for v in town.get("villages") or ()]
