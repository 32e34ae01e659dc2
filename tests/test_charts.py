"""Inline SVG charts (generator/charts.py): valid SVG, accessible, numbers equal to stats.json."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator.ingest.validate import validate_data
from generator.privacy.mask import mask_records
from generator.render.charts import (
    bar_chart,
    format_percent,
    line_chart,
    nice_ticks,
)
from generator.render.statistics import build_stats, stats_json
from generator.render.stats import (
    render_budget_page,
    render_stats_page,
    top_trend_programs,
)

SVG = "{http://www.w3.org/2000/svg}"
REPO_DATA = Path(__file__).resolve().parent.parent / "data"
AS_OF = dt.date(2026, 11, 20)
BATCH_ROWS = [
    {"id": "2025-gdzl", "program": "gdzl", "department": "nyncj", "produced_on": "2025-05-20",
     "first_published": "2025-05-30", "deadline": "2025-06-09", "status": "on_time", "days_late": 0, "revisions": 0},
    {"id": "2025-03-gljt", "program": "gljt", "department": "mzj", "produced_on": "2025-03-20",
     "first_published": "2025-04-30", "deadline": "2025-04-09", "status": "late", "days_late": 21, "revisions": 1},
    {"id": "2025-06-gljt", "program": "gljt", "department": "mzj", "produced_on": "2025-06-20",
     "first_published": "2025-06-25", "deadline": "2025-07-10", "status": "on_time", "days_late": 0, "revisions": 0},
]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def marks(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter() if e.get("data-value") is not None]


# ---------------------------------------------------------------- bar and line charts


def test_bar_chart_is_accessible_scalable_svg() -> None:
    root = parse(bar_chart([("耕地地力保护补贴", 1234.5), ("高龄津贴", 99.0)], chart_id="c1", title="发放金额"))
    assert root.get("viewBox", "").startswith("0 0 360 ")
    assert root.get("width") == "100%"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    title, desc = list(root)[:2]
    assert (title.tag, title.get("id"), title.text) == (f"{SVG}title", "c1-title", "发放金额")
    assert (desc.tag, desc.text) == (f"{SVG}desc", "耕地地力保护补贴：1,234 元；高龄津贴：99 元")
    assert [(m.get("data-label"), float(m.get("data-value"))) for m in marks(root)] == [
        ("耕地地力保护补贴", 1234.5), ("高龄津贴", 99.0)]


def test_bar_lengths_are_proportional() -> None:
    root = parse(bar_chart([("甲", 100.0), ("乙", 50.0), ("丙", 0.0)], chart_id="c", title="t"))
    widths = [float(m.get("width")) for m in marks(root)]
    assert widths[0] == pytest.approx(2 * widths[1])
    assert widths[2] == 0


def test_bar_chart_escapes_labels_and_shows_missing_values() -> None:
    root = parse(bar_chart([("<甲&乙>", None)], chart_id="c", title="A & B", value_text=format_percent,
                           reference=1.0, reference_label="100%"))
    bar = marks(root)[0]
    assert bar.get("data-label") == "<甲&乙>" and bar.get("data-value") == ""
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "无预算" in texts and "100%" in texts
    assert len(list(root.iter(f"{SVG}line"))) == 1


def test_line_chart_series_gaps_and_legend() -> None:
    root = parse(line_chart(["2024", "2025", "2026"], [("甲", [1.0, None, 3.0]), ("乙", [2.0, 2.5, 0.0])],
                            chart_id="c", title="t"))
    points = [(m.get("data-series"), m.get("data-label"), float(m.get("data-value"))) for m in marks(root)]
    assert points == [("甲", "2024", 1.0), ("甲", "2026", 3.0),
                      ("乙", "2024", 2.0), ("乙", "2025", 2.5), ("乙", "2026", 0.0)]
    # the gap splits 甲 into two single points: no polyline for it; 乙 has one, dashed
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 1 and lines[0].get("stroke-dasharray") == "7 3"
    legend = [t.text for t in root.iter(f"{SVG}text") if t.text in ("甲", "乙")]
    assert legend == ["甲", "乙"]


def test_single_series_line_chart_labels_its_points() -> None:
    root = parse(line_chart(["2025"], [("发放总额", [123456.0])], chart_id="c", title="t"))
    assert "12.3 万元" in [t.text for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize(("maximum", "ticks"), [
    (0, [0.0, 1.0]), (7, [0.0, 2.0, 4.0, 6.0, 8.0]), (100, [0.0, 25.0, 50.0, 75.0, 100.0]),
    (880_171.61, [0.0, 250_000.0, 500_000.0, 750_000.0, 1_000_000.0]),
], ids=["zero", "small", "round", "money"])
def test_nice_ticks(maximum: float, ticks: list[float]) -> None:
    assert nice_ticks(maximum) == ticks


def test_percent_format() -> None:
    assert format_percent(0.8534) == "85.3%"
    assert format_percent(None) == "无预算"


# ---------------------------------------------------------------- the pages' charts against stats.json


@pytest.fixture(scope="module")
def stats() -> dict:
    result = validate_data(REPO_DATA, AS_OF)
    built = build_stats(mask_records(result.records, result.county), result.county, batch_rows=BATCH_ROWS)
    return json.loads(stats_json(built))  # exactly what site/data/stats.json holds


@pytest.fixture(scope="module")
def county():
    return validate_data(REPO_DATA, AS_OF).county


def page_charts(html: str) -> dict[str, ET.Element]:
    soup = BeautifulSoup(html, "html.parser")
    return {svg["id"]: parse(str(svg)) for svg in soup.select("svg.yk-chart")}


def test_stats_page_charts_match_stats_json(stats: dict, county) -> None:
    found = page_charts(render_stats_page(stats, county))
    assert set(found) == {"chart-years", "chart-programs", "chart-trend", "chart-townships", "chart-budget",
                          "chart-timeliness"}
    latest = stats["years"][-1]
    values = {k: [(m.get("data-label"), float(m.get("data-value"))) for m in marks(v)] for k, v in found.items()}
    assert values["chart-years"] == [(y["year"], y["paid"]) for y in stats["by_year"]]
    programs = {p["name"]: p["by_year"][latest]["paid"] for p in stats["by_program"] if p["by_year"][latest]["paid"]}
    assert dict(values["chart-programs"]) == programs
    assert [v for _, v in values["chart-programs"]] == sorted(programs.values(), reverse=True)
    assert values["chart-townships"] == [(t["township"], t["by_year"][latest]["paid"]) for t in stats["by_township"]]
    assert values["chart-budget"] == [(b["name"], b["rate"]) for b in stats["budget"]
                                      if b["year"] == latest and b["budget"]]
    assert values["chart-timeliness"] == [(d["name"], d["rate"]) for d in stats["timeliness"]["by_department"]]
    names = {p["program"]: p["name"] for p in stats["by_program"]}
    trend = [(m.get("data-series"), m.get("data-label"), float(m.get("data-value")))
             for m in marks(found["chart-trend"])]
    assert trend == [(names[c], y, stats["trends"]["programs"][c][i])
                     for c in top_trend_programs(stats) for i, y in enumerate(stats["trends"]["years"])]


def test_budget_page_charts_match_stats_json(stats: dict, county) -> None:
    found = page_charts(render_budget_page(stats, county))
    years = sorted({b["year"] for b in stats["budget"]})
    assert set(found) == {f"chart-budget-{y}" for y in years} | {"chart-budget-townships"}
    for year in years:
        drawn = [(m.get("data-label"), float(m.get("data-value"))) for m in marks(found[f"chart-budget-{year}"])]
        assert drawn == [(b["name"], b["rate"]) for b in stats["budget"] if b["year"] == year and b["budget"]]


def test_each_chart_has_its_data_table_beside_it(stats: dict, county) -> None:
    for html in (render_stats_page(stats, county), render_budget_page(stats, county)):
        soup = BeautifulSoup(html, "html.parser")
        for svg in soup.select("svg.yk-chart"):
            figure = svg.parent
            assert "yk-figure" in figure["class"]
            table = figure.select_one(f'table[data-chart="{svg["id"]}"]')
            assert table is not None and table.caption and table.select("tbody tr")
