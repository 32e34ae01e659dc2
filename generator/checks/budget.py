"""Budget monitoring (绩效“双监控”): budget against money actually paid, per program and year.

Shared by the audit report (exact recipients, counted by ID number) and the public
statistics (recipients counted by what the page itself shows). What counts as paid is
``generator.core.vocab.is_paid`` — the same rule everywhere.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from generator.core import vocab
from generator.core.county import County


def paid_mask(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose money reached the recipient (``vocab.is_paid``) and whose amount is known."""
    return vocab.paid_mask(frame["pay_status"]) & frame["amount"].notna().to_numpy()


def budget_execution(frame: pd.DataFrame, county: County, person: pd.Series) -> pd.DataFrame:
    """One row per program × year: budget, paid, rate, recipients, payments.

    `frame` needs the columns program, year, amount, pay_status; `person` (aligned with
    `frame`) identifies a recipient. Years with a budget but no payment appear with paid 0,
    so an unspent budget shows up too. `rate` is paid / budget (NaN without a budget).
    """
    paid = _paid_rows(frame, person)
    grouped = paid.groupby(["program", "year"], sort=True)
    table = pd.DataFrame({
        "paid": grouped["amount"].sum(),
        "payments": grouped["amount"].size(),
        "recipients": grouped["person"].nunique(),
    })
    budgets = pd.Series(
        {(code, str(year)): amount for code, program in county.programs.items()
         for year, amount in program.budget.items()}, dtype="float64")
    if len(budgets):
        budgets.index = pd.MultiIndex.from_tuples(budgets.index, names=["program", "year"])
    index = table.index.union(budgets.index) if len(budgets) else table.index
    table = table.reindex(index)
    table[["paid", "payments", "recipients"]] = table[["paid", "payments", "recipients"]].fillna(0)
    table["budget"] = budgets.reindex(index) if len(budgets) else np.nan
    table["rate"] = table["paid"] / table["budget"].where(table["budget"] > 0)
    table = table.reset_index().rename(columns={"level_0": "program", "level_1": "year"})
    table["program_name"] = table["program"].map(lambda c: _program_name(county, c))
    table["department"] = table["program"].map(lambda c: _department_name(county, c))
    table["paid"] = table["paid"].round(2)
    table[["payments", "recipients"]] = table[["payments", "recipients"]].astype("int64")
    columns = ["program", "program_name", "department", "year", "budget", "paid", "rate",
               "recipients", "payments"]
    return table[columns].sort_values(["year", "program"], kind="stable").reset_index(drop=True)


def township_execution(frame: pd.DataFrame, county: County, person: pd.Series) -> pd.DataFrame:
    """One row per township × program × year: paid, payments, recipients, share of the program.

    `share` is this township's part of everything the program paid that year: budgets are
    set per program for the whole county, so a township is compared with the program's total.
    """
    paid = _paid_rows(frame, person)
    grouped = paid.groupby(["township", "program", "year"], sort=True)
    table = pd.DataFrame({
        "paid": grouped["amount"].sum(),
        "payments": grouped["amount"].size(),
        "recipients": grouped["person"].nunique(),
    }).reset_index()
    program_total = table.groupby(["program", "year"])["paid"].transform("sum")
    table["share"] = (table["paid"] / program_total.where(program_total > 0)).fillna(0.0)
    table["program_name"] = table["program"].map(lambda c: _program_name(county, c))
    order = {t.name: i for i, t in enumerate(county.townships)}
    table["_order"] = table["township"].map(order).fillna(len(order))
    table["paid"] = table["paid"].round(2)
    table = table.sort_values(["year", "_order", "township", "program"], kind="stable")
    columns = ["township", "year", "program", "program_name", "paid", "payments", "recipients", "share"]
    return table[columns].reset_index(drop=True)


def _paid_rows(frame: pd.DataFrame, person: pd.Series) -> pd.DataFrame:
    mask = paid_mask(frame)
    out = frame.loc[mask, ["township", "program", "year", "amount"]].copy()
    out["person"] = person.to_numpy()[mask]
    out["year"] = out["year"].astype(str)
    return out


def _program_name(county: County, code: str) -> str:
    program = county.programs.get(code)
    return program.name if program else code


def _department_name(county: County, code: str) -> str:
    program = county.programs.get(code)
    if program is None:
        return ""
    department = county.departments.get(program.department)
    return department.name if department else program.department
