"""Issue 4 end to end: what the built site shows for late, corrected, noticed, expired and
small-group batches (built with build_site on a small county)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
from bs4 import BeautifulSoup

from generator.build import build_site
from tests.publishing_factory import make_data_dir, make_person, write_batch


def _build(data: Path, out: Path, as_of: str) -> Path:
    build_site(data, out, as_of=dt.date.fromisoformat(as_of))
    return out


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _batches(site: Path) -> dict[str, dict]:
    return {b["id"]: b for b in json.loads((site / "data" / "batches.json").read_text(encoding="utf-8"))}


def _search_text(site: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in (site / "search").rglob("*.json"))


def _downloads_text(site: Path) -> str:
    return "".join(p.read_text(encoding="utf-8-sig") for p in (site / "downloads").rglob("*.csv"))


def test_late_batch_shows_late_by_the_right_number_of_days(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path)
    write_batch(data, "2025-gdzl", "gdzl", "2025-03-01", [make_person(i) for i in range(4)])
    site = _build(data, tmp_path / "site", "2025-03-31")  # deadline 2025-03-21: 10 days late
    row = _batches(site)["2025-gdzl"]
    assert (row["first_published"], row["deadline"], row["status"], row["days_late"]) == (
        "2025-03-31", "2025-03-21", "late", 10)
    assert "2025-gdzl" in (data / "ledger.csv").read_text(encoding="utf-8")
    soup = _soup(site / "timeliness" / "index.html")
    assert "2025-gdzl" in soup.get_text()


def test_correction_shows_a_dated_masked_diff_and_keeps_the_old_version(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path)
    people = [make_person(i) for i in range(4)]
    write_batch(data, "2025-gdzl", "gdzl", "2025-03-20", people)
    _build(data, tmp_path / "site", "2025-03-25")
    people[1] = {**people[1], "数量": 12.0, "金额": 1200.0}
    write_batch(data, "2025-gdzl", "gdzl", "2025-03-20", people)
    site = _build(data, tmp_path / "site", "2025-04-10")
    page = next(site.glob("t/*/*/gdzl-2025/index.html"))
    text = _soup(page).get_text()
    assert "更正" in text and "2025-04-10" in text
    assert "1,200.00" in text and people[1]["身份证号"] not in page.read_text(encoding="utf-8")
    row = _batches(site)["2025-gdzl"]
    assert row["revisions"] == 1 and row["deadline"] == "2025-04-30"
    old_pages = list(page.parent.glob("v/*/index.html"))
    assert len(old_pages) == 1 and "1,000.00" in _soup(old_pages[0]).get_text()


def test_notice_batch_becomes_a_disclosure_after_its_last_day(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path)
    # 7 working days after Friday 2025-03-07 (start not counted): 10–14, 17, 18 → Tuesday 2025-03-18
    write_batch(data, "2025-gdzl", "gdzl", "2025-03-07", [make_person(i, 发放日期="", 发放状态="") for i in range(4)],
                status="notice", notice_start="2025-03-07", notice_days=7)
    during = _build(data, tmp_path / "during", "2025-03-18")
    page = next(during.glob("t/*/*/gdzl-2025/index.html"))
    assert "2025-03-18" in _soup(page).get_text() and "公示" in _soup(page).get_text()
    assert _batches(during)["2025-gdzl"]["status"] == "notice"
    after = _build(data, tmp_path / "after", "2025-03-19")
    page = next(after.glob("t/*/*/gdzl-2025/index.html"))
    assert "我要反映" not in _soup(page).select_one("section.yk-batch").get_text()
    assert _batches(after)["2025-gdzl"]["status"] != "notice"


def test_expired_batch_leaves_pages_downloads_and_search(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path, retention_years=1)
    old = [make_person(i, 姓名=f"旧{'甲乙丙'[i]}") for i in range(3)]
    new = [make_person(i + 10, 发放日期="2026-03-25") for i in range(3)]
    write_batch(data, "2024-gdzl", "gdzl", "2024-03-20", [{**p, "发放日期": "2024-03-25"} for p in old])
    write_batch(data, "2026-gdzl", "gdzl", "2026-03-20", new)
    site = _build(data, tmp_path / "site", "2026-04-01")
    assert not list(site.glob("t/*/*/gdzl-2024/index.html"))
    assert "2024-gdzl" not in _batches(site)
    assert "旧0" not in _downloads_text(site) and "旧0" not in _search_text(site)
    assert list(site.glob("t/*/*/gdzl-2026/index.html"))


def test_sensitive_village_with_two_recipients_shows_totals_only(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path)
    rows = [make_person(i, 数量=3, 标准=420, 金额=1260) for i in range(2)]
    write_batch(data, "2025-03-nccb", "nccb", "2025-03-20", rows, period="2025-03")
    site = _build(data, tmp_path / "site", "2025-03-31")
    page = next(site.glob("t/*/*/nccb-2025/index.html"))
    soup = _soup(page)
    assert soup.select("tr[id^='r-']") == []
    assert "仅公开合计：2 人，2,520.00 元" in soup.select_one(".yk-small-group").get_text()
    surname = rows[0]["姓名"][0]
    assert f"{surname}*" not in _search_text(site) and "nccb" not in _downloads_text(site)
    assert pd.read_csv(next((site / "downloads" / "files").glob("*.csv")), dtype=str).empty if list(
        (site / "downloads" / "files").glob("*.csv")) else True
