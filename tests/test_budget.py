"""generator/checks/budget.py: budget against what was really paid, per program and year."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from generator.checks.budget import budget_execution, paid_mask, township_execution
from generator.core.county import load_county
from tests.publishing_factory import make_data_dir


def county_with_budget(tmp_path: Path, budget: dict[int, float]):
    data = make_data_dir(tmp_path)
    path = data / "programs" / "gdzl.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["budget"] = budget
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return load_county(data)


def frame(rows: list[tuple[str, str, float | None, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["program", "year", "amount", "pay_status"]).assign(
        township=["福利镇"] * len(rows))


def test_paid_counts_success_and_blank_not_failed_returned_or_missing_amounts() -> None:
    rows = frame([("gdzl", "2025", 100.0, "成功"), ("gdzl", "2025", 100.0, ""), ("gdzl", "2025", 100.0, "失败"),
                  ("gdzl", "2025", 100.0, "退回"), ("gdzl", "2025", None, "成功")])
    assert paid_mask(rows).tolist() == [True, True, False, False, False]


def test_execution_rate_recipients_and_an_unspent_budget(tmp_path: Path) -> None:
    county = county_with_budget(tmp_path, {2024: 5000, 2025: 4000})
    rows = frame([("gdzl", "2025", 1000.0, "成功"), ("gdzl", "2025", 1000.0, "成功"), ("gdzl", "2025", 500.0, "退回")])
    table = budget_execution(rows, county, pd.Series(["a", "a", "b"]))
    by_year = table.set_index("year")
    assert by_year.loc["2025", ["budget", "paid", "rate", "recipients", "payments"]].tolist() == [4000, 2000, 0.5, 1, 2]
    assert by_year.loc["2024", ["paid", "payments"]].tolist() == [0, 0]  # budgeted, nothing paid: still shown
    assert by_year.loc["2024", "rate"] == 0
    assert table["program_name"].unique().tolist() == ["耕地地力保护补贴"]


def test_program_without_budget_has_no_rate(tmp_path: Path) -> None:
    county = load_county(make_data_dir(tmp_path))
    table = budget_execution(frame([("nccb", "2025", 300.0, "成功")]), county, pd.Series(["a"]))
    assert table.loc[0, "paid"] == 300.0
    assert pd.isna(table.loc[0, "rate"])


def test_township_share_of_a_programs_year(tmp_path: Path) -> None:
    county = county_with_budget(tmp_path, {2025: 4000})
    rows = frame([("gdzl", "2025", 1000.0, "成功"), ("gdzl", "2025", 3000.0, "成功")])
    rows["township"] = ["福利镇", "兴安乡"]
    shares = township_execution(rows, county, pd.Series(["a", "b"])).set_index("township")["share"]
    assert shares.to_dict() == {"兴安乡": 0.75, "福利镇": 0.25}
