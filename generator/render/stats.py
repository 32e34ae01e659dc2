"""The statistics pages with inline SVG charts, from the figures of ``checks.statistics``.

The build calls::

    stats = build_stats(public_records, county, batch_rows=rows, complaints=None)
    (site / "data" / "stats.json").write_text(stats_json(stats), encoding="utf-8")
    body = render_stats_page(stats, county)     # → stats/
    body = render_budget_page(stats, county)    # → stats/budget/
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from generator.core import vocab
from generator.core.county import County
from generator.render import charts
from generator.render.env import render_fragment

TOP_PROGRAMS_IN_TREND = 5


# ---------------------------------------------------------------- the pages


def render_stats_page(stats: dict[str, Any], county: County) -> str:
    """HTML body fragment for ``stats/``: every chart with its data table beside it."""
    latest = stats["years"][-1] if stats["years"] else ""
    programs = sorted((p for p in stats["by_program"] if p["by_year"].get(latest, {}).get("paid")),
                      key=lambda p: (-p["by_year"][latest]["paid"], p["program"]))
    townships = [t for t in stats["by_township"] if t["code"] or t["paid"]]
    budget = [b for b in stats["budget"] if b["year"] == latest]
    timeliness = stats.get("timeliness")
    context = {
        "stats": stats, "county": county, "latest": latest, "programs": programs,
        "townships": townships, "budget": budget, "timeliness": timeliness,
        "names": {p["program"]: p["name"] for p in stats["by_program"]},
        "charts": {
            "years": charts.line_chart(
                stats["years"], [("发放总额", [y["paid"] for y in stats["by_year"]])],
                chart_id="chart-years", title="历年补贴资金发放总额"),
            "programs": charts.bar_chart(
                [(p["name"], p["by_year"][latest]["paid"]) for p in programs],
                chart_id="chart-programs", title=f"{latest} 年各项补贴发放金额"),
            "trend": _trend_chart(stats),
            "townships": charts.bar_chart(
                [(t["township"], t["by_year"].get(latest, {}).get("paid", 0.0)) for t in townships],
                chart_id="chart-townships", title=f"{latest} 年各乡镇补贴发放金额"),
            "budget": _budget_chart(budget, "chart-budget", f"{latest} 年各项补贴预算执行率"),
            "timeliness": charts.bar_chart(
                [(d["name"], d["rate"]) for d in timeliness["by_department"]],
                chart_id="chart-timeliness", title="各部门按时公开率",
                value_text=charts.format_percent, reference=1.0)
            if timeliness and timeliness["by_department"] else None,
        },
        "departments_json": json.dumps({c: d.name for c, d in sorted(county.departments.items())},
                                       ensure_ascii=False, sort_keys=True),
        "kinds": dict(vocab.KINDS),
        "short": charts.format_yuan_short,
        "complaints": stats.get("complaints"),
    }
    return render_fragment("stats.html.j2", **context)


def render_budget_page(stats: dict[str, Any], county: County) -> str:
    """HTML body fragment for ``stats/budget/``: budget execution per year, and per township."""
    years = sorted({b["year"] for b in stats["budget"]}, reverse=True)
    per_year = []
    for year in years:
        rows = sorted((b for b in stats["budget"] if b["year"] == year), key=lambda b: b["program"])
        per_year.append({"year": year, "rows": rows,
                         "budget": round(sum(b["budget"] or 0 for b in rows), 2),
                         "paid": round(sum(b["paid"] for b in rows), 2),
                         "chart": _budget_chart(rows, f"chart-budget-{year}", f"{year} 年各项补贴预算执行率")})
    townships = []
    for town in stats["by_township"]:
        rows = [r for r in stats["budget_by_township"] if r["township"] == town["township"]]
        if rows:
            townships.append({**town, "rows": sorted(rows, key=lambda r: (r["year"], r["program"]), reverse=False)})
    latest = stats["years"][-1] if stats["years"] else ""
    town_chart = charts.bar_chart(
        [(t["township"], t["by_year"].get(latest, {}).get("paid", 0.0)) for t in townships],
        chart_id="chart-budget-townships", title=f"{latest} 年各乡镇补贴发放金额")
    names = {p["program"]: p["name"] for p in stats["by_program"]}
    return render_fragment("budget.html.j2", stats=stats, county=county, per_year=per_year,
                           townships=townships, latest=latest, town_chart=town_chart, names=names)


def _budget_chart(rows: Sequence[dict[str, Any]], chart_id: str, title: str) -> Markup:
    with_budget = [b for b in rows if b["budget"]]
    return charts.bar_chart([(b["name"], b["rate"]) for b in with_budget], chart_id=chart_id, title=title,
                            value_text=charts.format_percent, reference=1.0, reference_label="100%")


def _trend_chart(stats: dict[str, Any]) -> Markup:
    trend = stats["trends"]
    names = {p["program"]: p["name"] for p in stats["by_program"]}
    top = top_trend_programs(stats)
    return charts.line_chart(trend["years"], [(names.get(c, c), trend["programs"][c]) for c in top],
                             chart_id="chart-trend", title=f"发放金额最多的 {len(top)} 项补贴历年变化")


def top_trend_programs(stats: dict[str, Any]) -> list[str]:
    """Codes of the programs drawn in the trend chart (largest total first)."""
    trend = stats["trends"]
    return sorted(trend["programs"], key=lambda c: (-sum(trend["programs"][c]), c))[:TOP_PROGRAMS_IN_TREND]
