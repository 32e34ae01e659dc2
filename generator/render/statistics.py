"""Public statistics: the figures of ``site/data/stats.json`` (and of the statistics pages).

Everything here reads the *masked* public frame (``privacy.mask.mask_records``) and the batch
rows of ``site/data/batches.json``; nothing personal goes in. What counts as paid is
``generator.core.vocab.is_paid``. Recipients are counted by what the public pages show
(masked name, masked ID, township and village) within one program; this matches the exact
count except when two people of one village share all of those; the masker's ``recipient``
ordinal makes it exact. The pages that show these
figures are ``generator.render.stats``; the figures come from ``checks.budget`` (execution)
and ``publish.timeliness`` (which batches an on-time rate counts).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from generator.checks.budget import budget_execution, paid_mask, township_execution
from generator.core import vocab
from generator.core.county import County
from generator.publish.timeliness import counted_rows


def build_stats(public_records: pd.DataFrame, county: County,
                batch_rows: Sequence[dict[str, Any]] | None = None,
                complaints: dict[str, Any] | None = None) -> dict[str, Any]:
    """Totals per program, township and year, trends, budget execution and timeliness.

    Deterministic: the same input gives the same dict (serialise with ``stats_json``).
    `complaints` is the ``/api/v1/stats`` object when the build has one; the page fetches
    the live figures anyway.
    """
    frame = public_records
    paid = frame.loc[paid_mask(frame)]
    person = _public_person(frame)
    years = sorted({str(y) for y in frame["year"].unique()})
    budget = budget_execution(frame, county, person)
    budget_years = sorted({str(y) for y in budget["year"]}) if not budget.empty else []
    stats: dict[str, Any] = {
        "county": {"name": county.name, "code": county.code},
        "years": years,
        "data_through": _data_through(paid),
        "totals": _totals(frame, paid, person),
        "by_year": _by_year(paid, years),
        "by_program": _by_program(paid, person[paid.index], county, years),
        "by_township": _by_township(paid, county, years),
        "trends": _trends(paid, county, years),
        "budget": _records(budget.rename(columns={"program_name": "name", "department": "department_name"})),
        "budget_years": budget_years,
        "budget_by_township": _records(
            township_execution(frame, county, person).drop(columns=["program_name"])),
        "timeliness": timeliness_stats(batch_rows, county) if batch_rows is not None else None,
        "complaints": _complaints(complaints) if complaints else None,
    }
    return _clean(stats)


def stats_json(stats: dict[str, Any]) -> str:
    """``stats.json`` text: sorted keys, UTF-8, no NaN — same stats, same bytes."""
    return json.dumps(_clean(stats), ensure_ascii=False, sort_keys=True, indent=1, allow_nan=False) + "\n"


def timeliness_stats(batch_rows: Sequence[dict[str, Any]], county: County) -> dict[str, Any]:
    """On-time publishing per department: published batches (not withdrawn) with no day late."""
    groups: dict[str, dict[str, int]] = {}
    for row in counted_rows(batch_rows):
        counts = groups.setdefault(str(row.get("department") or ""), {"published": 0, "on_time": 0, "days_late": 0})
        counts["published"] += 1
        counts["on_time"] += int(row.get("days_late", 0) == 0)
        counts["days_late"] = max(counts["days_late"], int(row.get("days_late", 0)))
    rows: list[dict[str, Any]] = []
    for code, c in sorted(groups.items()):
        department = county.departments.get(code)
        rows.append({"department": code, "name": department.name if department else (code or "未登记部门"),
                     "published": c["published"], "on_time": c["on_time"],
                     "late": c["published"] - c["on_time"], "max_days_late": c["days_late"],
                     "rate": round(c["on_time"] / c["published"], 4)})
    published = sum(c["published"] for c in groups.values())
    on_time = sum(c["on_time"] for c in groups.values())
    return {"by_department": rows, "published": published, "on_time": on_time,
            "rate": round(on_time / published, 4) if published else None,
            "batches": len(batch_rows)}


def _public_person(frame: pd.DataFrame) -> pd.Series:
    """One integer per recipient of a program: the masker's ``recipient`` ordinal (exact even
    where a sensitive program's namesakes look alike), or, for a frame without it, what the
    pages show (program, place, masked name and ID)."""
    if "recipient" in frame.columns:
        return frame["recipient"]
    columns = ["program", "township", "village", "name_shown", "id_shown"]
    return frame.groupby(columns, sort=False, dropna=False).ngroup()


def _data_through(paid: pd.DataFrame) -> str | None:
    dates = paid["paid_on"][paid["paid_on"] != ""]
    return str(dates.max()) if len(dates) else None


def _totals(frame: pd.DataFrame, paid: pd.DataFrame, person: pd.Series) -> dict[str, Any]:
    failed = frame[frame["pay_status"].isin(vocab.FAILED_STATUSES)]
    return {"paid": round(float(paid["amount"].sum()), 2), "payments": len(paid),
            "recipients": int(person[paid.index].nunique()),
            "programs": int(paid["program"].nunique()), "townships": int(paid["township"].nunique()),
            "failed_payments": len(failed), "failed_amount": round(float(failed["amount"].sum()), 2)}


def _by_year(paid: pd.DataFrame, years: list[str]) -> list[dict[str, Any]]:
    grouped = paid.groupby("year")["amount"].agg(["sum", "size"])
    return [{"year": y, "paid": round(float(grouped["sum"].get(y, 0.0)), 2),
             "payments": int(grouped["size"].get(y, 0))} for y in years]


def _by_program(paid: pd.DataFrame, person: pd.Series, county: County,
                years: list[str]) -> list[dict[str, Any]]:
    per_year = paid.assign(person=person).groupby(["program", "year"]).agg(
        paid=("amount", "sum"), payments=("amount", "size"), recipients=("person", "nunique"))
    codes = sorted(set(county.programs) | set(paid["program"].unique()))
    rows = []
    for code in codes:
        program = county.programs.get(code)
        department = county.departments.get(program.department) if program else None
        by_year = {y: _year_cell(per_year, (code, y)) for y in years}
        rows.append({
            "program": code, "name": program.name if program else code,
            "department": program.department if program else "",
            "department_name": department.name if department else "",
            "category": program.category if program else "",
            "paid": round(sum(c["paid"] for c in by_year.values()), 2),
            "payments": sum(c["payments"] for c in by_year.values()),
            "by_year": by_year,
        })
    return rows


def _by_township(paid: pd.DataFrame, county: County, years: list[str]) -> list[dict[str, Any]]:
    per_year = paid.groupby(["township", "year"]).agg(paid=("amount", "sum"), payments=("amount", "size"))
    known = [t.name for t in county.townships]
    names = known + sorted(set(paid["township"].unique()) - set(known))
    rows = []
    for name in names:
        town = county.township(name)
        by_year = {y: _year_cell(per_year, (name, y)) for y in years}
        rows.append({"township": name, "code": town.code if town else "",
                     "paid": round(sum(c["paid"] for c in by_year.values()), 2),
                     "payments": sum(c["payments"] for c in by_year.values()), "by_year": by_year})
    return rows


def _year_cell(table: pd.DataFrame, key: tuple[str, str]) -> dict[str, Any]:
    if key not in table.index:
        return {"paid": 0.0, "payments": 0, **({"recipients": 0} if "recipients" in table else {})}
    row = table.loc[key]
    cell = {"paid": round(float(row["paid"]), 2), "payments": int(row["payments"])}
    if "recipients" in table:
        cell["recipients"] = int(row["recipients"])
    return cell


def _trends(paid: pd.DataFrame, county: County, years: list[str]) -> dict[str, Any]:
    per = paid.groupby(["program", "year"])["amount"].sum()
    total = paid.groupby("year")["amount"].sum()
    programs = sorted(set(paid["program"].unique()))
    return {
        "years": years,
        "total": [round(float(total.get(y, 0.0)), 2) for y in years],
        "programs": {code: [round(float(per.get((code, y), 0.0)), 2) for y in years] for code in programs},
    }


def _complaints(data: dict[str, Any]) -> dict[str, Any]:
    keys = ("total", "by_kind", "by_state", "by_department", "on_time_rate", "overdue", "escalated", "as_of")
    return {k: data[k] for k in keys if k in data}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [] if frame.empty else frame.astype(object).where(frame.notna(), None).to_dict("records")


def _clean(value: Any) -> Any:
    """Plain JSON types: numpy scalars → Python, NaN → None, money rounded to cents."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 4)
    return value

