"""generator/core/vocab.py: one rule for what counts as paid, one list of every code and label.

The end-to-end test builds a county whose batch has paid, blank, 失败 and 退回 rows and reads
the execution rate where a citizen and an auditor would: the program page, the budget page
and stats.json must say the same thing.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup

from complaints_api import states
from generator.build import build_site
from generator.core import vocab
from generator.core.county import load_county
from tests.publishing_factory import make_data_dir, make_person, write_batch

AS_OF = dt.date(2025, 4, 10)


@pytest.mark.parametrize(("status", "paid"), [
    ("成功", True), ("", True), (None, True), (float("nan"), True), (" 成功 ", True),
    ("失败", False), ("退回", False), ("待发", False),
], ids=["success", "blank", "none", "nan", "spaces", "failed", "returned", "unknown"])
def test_what_counts_as_paid(status: object, paid: bool) -> None:
    assert vocab.is_paid(status) is paid
    assert bool(vocab.paid_mask(pd.Series([status], dtype="object"))[0]) is paid


def test_the_service_and_the_form_use_the_shared_vocabulary() -> None:
    assert states.KINDS is vocab.KINDS and states.STATES is vocab.STATES
    assert states.CATEGORIES is vocab.CATEGORIES
    assert set(vocab.CATEGORY_PROMPTS) == set(vocab.CATEGORIES)
    assert set(vocab.PAY_STATUSES) == {vocab.PAID, *vocab.FAILED_STATUSES}


def test_routing_defaults_live_in_one_place(tmp_path: Path) -> None:
    county = load_county(make_data_dir(tmp_path))
    for key, target in vocab.DEFAULT_ROUTING.items():
        assert county.routing[key] == target


def test_program_page_budget_page_and_stats_json_agree_on_execution(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path)
    program = data / "programs" / "gdzl.yml"
    doc = yaml.safe_load(program.read_text(encoding="utf-8"))
    doc["budget"] = {2025: 8000}
    program.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    statuses = ["成功", "成功", "", "", "失败", "退回"]  # 4 × 1,000 paid, 2 × 1,000 not
    rows = [make_person(i, 发放状态=s) for i, s in enumerate(statuses)]
    write_batch(data, "2025-gdzl", "gdzl", "2025-03-25", rows, paid_on="2025-03-25")
    site = tmp_path / "site"
    build_site(data, site, as_of=AS_OF)

    program_page = BeautifulSoup((site / "programs" / "gdzl" / "index.html").read_text(encoding="utf-8"),
                                 "html.parser")
    program_rate = program_page.select_one('td[data-label="执行率"]').get_text()
    budget_page = BeautifulSoup((site / "stats" / "budget" / "index.html").read_text(encoding="utf-8"),
                                "html.parser")
    row = next(tr for tr in budget_page.select("tr") if tr.select_one('a[href$="programs/gdzl/"]'))
    budget_cells = [td.get_text() for td in row.select("td")]
    stats = json.loads((site / "data" / "stats.json").read_text(encoding="utf-8"))
    entry = next(b for b in stats["budget"] if b["program"] == "gdzl" and str(b["year"]) == "2025")

    assert program_rate == "50.0%"
    assert budget_cells[1:4] == ["8,000.00", "4,000.00", "50.0%"]
    assert (entry["paid"], entry["rate"]) == (4000.0, 0.5)
