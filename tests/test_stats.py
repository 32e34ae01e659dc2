"""Public statistics (generator/stats.py): stats.json figures, determinism, pages."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from planted_data import AS_OF, REPO_DATA, write_planted

from generator.checks.audit import audit_findings
from generator.ingest.validate import validate_data
from generator.privacy.mask import mask_records
from generator.publish.timeliness import on_time_rates, overall_rate
from generator.render.statistics import build_stats, stats_json, timeliness_stats
from generator.render.stats import (
    render_budget_page,
    render_stats_page,
)
from tests.ux import AXE, MODES, Mode, axe_violations, screen_problems, shoot, tab

ROWS = [
    {"id": "a", "program": "gdzl", "department": "nyncj", "produced_on": "2025-05-20", "first_published": "2025-05-30",
     "deadline": "2025-06-09", "status": "on_time", "days_late": 0, "revisions": 0},
    {"id": "b", "program": "ymsc", "department": "nyncj", "produced_on": "2025-10-15", "first_published": "2025-11-20",
     "deadline": "2025-11-04", "status": "late", "days_late": 16, "revisions": 2},
    {"id": "c", "program": "gljt", "department": "mzj", "produced_on": "2025-03-20", "first_published": "2025-03-25",
     "deadline": "2025-04-09", "status": "on_time", "days_late": 0, "revisions": 0},
    {"id": "d", "program": "gljt", "department": "mzj", "produced_on": "2025-06-20", "first_published": None,
     "deadline": "2025-07-10", "status": "withdrawn", "days_late": 0, "revisions": 0},
    {"id": "e", "program": "nccb", "department": "mzj", "produced_on": "2026-11-10", "first_published": None,
     "deadline": "2026-11-30", "status": "notice", "days_late": 0, "revisions": 0},
]
COMPLAINTS = {"ok": True, "total": 7, "by_kind": {"inquiry": 4, "complaint": 2, "report": 1, "disclosure_request": 0},
              "by_state": {"submitted": 2, "closed": 5},
              "by_department": {"nyncj": {"name": "集贤县农业农村局", "total": 5, "open": 2, "overdue": 1,
                                          "escalated": 1, "on_time_rate": 0.75},
                                "mzj": {"name": "集贤县民政局", "total": 2, "open": 0, "overdue": 0,
                                        "escalated": 0, "on_time_rate": 1.0}},
              "on_time_rate": 0.8, "overdue": 1, "escalated": 1, "secret": "not for the page"}


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory):
    result = validate_data(write_planted(tmp_path_factory.mktemp("planted")), AS_OF)
    return result, mask_records(result.records, result.county)


@pytest.fixture(scope="module")
def stats(planted) -> dict:
    result, public = planted
    return build_stats(public, result.county, batch_rows=ROWS)


@pytest.fixture(scope="module")
def sample():
    result = validate_data(REPO_DATA, AS_OF)
    return result, mask_records(result.records, result.county)


# ---------------------------------------------------------------- the figures


def test_totals_count_successful_payments_only(stats: dict) -> None:
    assert stats["totals"] == {"paid": 7975.52, "payments": 23, "recipients": 18, "programs": 2, "townships": 1,
                               "failed_payments": 2, "failed_amount": 888.0}
    assert stats["years"] == ["2025"]
    assert stats["by_year"] == [{"year": "2025", "paid": 7975.52, "payments": 23}]
    assert stats["data_through"] == "2025-07-05"


def test_per_program(stats: dict) -> None:
    programs = {p["program"]: p for p in stats["by_program"]}
    assert programs["gdzl"]["by_year"]["2025"] == {"paid": 5311.52, "payments": 17, "recipients": 13}
    assert programs["cxjm"]["by_year"]["2025"] == {"paid": 2664.0, "payments": 6, "recipients": 5}
    assert programs["gdzl"]["name"] == "耕地地力保护补贴"
    assert programs["gdzl"]["department_name"] == "集贤县农业农村局"
    assert programs["nccb"]["paid"] == 0  # listed even without payments
    assert [p["program"] for p in stats["by_program"]] == sorted(programs)


def test_per_township_in_county_order(stats: dict, planted) -> None:
    result, _ = planted
    assert [t["township"] for t in stats["by_township"]] == [t.name for t in result.county.townships]
    town = stats["by_township"][0]
    assert (town["township"], town["paid"], town["by_year"]["2025"]["payments"]) == ("福利镇", 7975.52, 23)
    assert stats["by_township"][1]["paid"] == 0


def test_trends(stats: dict) -> None:
    assert stats["trends"] == {"years": ["2025"], "total": [7975.52],
                               "programs": {"cxjm": [2664.0], "gdzl": [5311.52]}}


def test_budget_execution_matches_the_audit(stats: dict, planted) -> None:
    result, _ = planted
    exact = audit_findings(result.records, result.county, AS_OF).budget
    published = {(b["program"], b["year"]): (b["paid"], b["recipients"], b["budget"]) for b in stats["budget"]}
    assert published == {(r.program, r.year): (r.paid, r.recipients, r.budget) for r in exact.itertuples()}
    gdzl = next(b for b in stats["budget"] if (b["program"], b["year"]) == ("gdzl", "2025"))
    assert gdzl["rate"] == round(5311.52 / result.county.programs["gdzl"].budget[2025], 4)
    assert gdzl["department_name"] == "集贤县农业农村局"


def test_public_recipient_counts_equal_exact_ones_on_the_sample(sample) -> None:
    result, public = sample
    exact = audit_findings(result.records, result.county, AS_OF)
    built = build_stats(public, result.county)
    assert [(b["program"], b["year"], b["recipients"]) for b in built["budget"]] == [
        (r.program, r.year, r.recipients) for r in exact.budget.itertuples()]
    towns = {(r["township"], r["program"], r["year"]): r["recipients"] for r in built["budget_by_township"]}
    assert towns == {(r.township, r.program, r.year): r.recipients for r in exact.township_budget.itertuples()}


def test_timeliness_agrees_with_the_timeliness_page(stats: dict, planted) -> None:
    result, _ = planted
    county = result.county
    mine = {d["department"]: (d["published"], d["on_time"], d["rate"]) for d in stats["timeliness"]["by_department"]}
    theirs = {r.key: (r.published, r.on_time, round(r.rate, 4)) for r in on_time_rates(ROWS, county, "department")}
    assert mine == theirs == {"mzj": (1, 1, 1.0), "nyncj": (2, 1, 0.5)}
    assert stats["timeliness"]["rate"] == round(overall_rate(ROWS).rate, 4) == 0.6667
    assert timeliness_stats([], county) == {"by_department": [], "published": 0, "on_time": 0, "rate": None,
                                            "batches": 0}


def test_without_batch_rows_or_complaints(planted) -> None:
    result, public = planted
    built = build_stats(public, result.county)
    assert built["timeliness"] is None and built["complaints"] is None


def test_complaints_keep_only_the_public_keys(planted) -> None:
    result, public = planted
    built = build_stats(public, result.county, complaints=COMPLAINTS)
    assert set(built["complaints"]) == {"total", "by_kind", "by_state", "by_department", "on_time_rate",
                                        "overdue", "escalated"}


# ---------------------------------------------------------------- stats.json


def test_stats_json_is_deterministic_and_order_independent(planted) -> None:
    result, public = planted
    first = stats_json(build_stats(public, result.county, batch_rows=ROWS))
    shuffled = public.sample(frac=1.0, random_state=3)
    assert stats_json(build_stats(shuffled, result.county, batch_rows=ROWS)) == first
    assert first == stats_json(json.loads(first))


def test_stats_json_is_plain_json_without_personal_data(sample) -> None:
    result, public = sample
    text = stats_json(build_stats(public, result.county, batch_rows=ROWS))
    parsed = json.loads(text)  # strict: NaN would fail here
    assert list(parsed) == sorted(parsed)
    assert not re.search(r"\d{17}[\dX]|\d{12,}", text)
    for value in set(result.records["id_number"]) | set(result.records["name"]):
        assert value not in text


# ---------------------------------------------------------------- the pages


def test_stats_page_structure(stats: dict, planted) -> None:
    result, _ = planted
    soup = BeautifulSoup(render_stats_page(stats, result.county), "html.parser")
    root = soup.find(True)
    assert root.name == "div" and "yk-stats" in root["class"]
    assert [s["id"] for s in soup.select("section")] == ["by-year", "by-program", "trend", "by-township", "budget",
                                                         "timeliness"]
    assert soup.select_one('a[href="../data/stats.json"]') is not None
    assert soup.select_one('a[href="budget/"]') is not None
    for svg in soup.select("svg"):
        assert svg["role"] == "img" and svg["width"] == "100%" and svg.find("title").text


def test_complaint_block_hidden_until_the_service_answers(stats: dict, planted) -> None:
    result, _ = planted
    soup = BeautifulSoup(render_stats_page(stats, result.county), "html.parser")
    block = soup.select_one("div#complaint-stats")
    assert block["data-src"] == "../api/v1/stats"
    assert block.has_attr("hidden")
    assert json.loads(block["data-departments"])["nyncj"] == "集贤县农业农村局"
    script = soup.find("script").string
    assert 'fetch(box.getAttribute("data-src")' in script and "box.hidden = true" in script


def test_complaint_block_prefilled_when_the_build_has_figures(planted) -> None:
    result, public = planted
    built = build_stats(public, result.county, complaints=COMPLAINTS)
    soup = BeautifulSoup(render_stats_page(built, result.county), "html.parser")
    block = soup.select_one("div#complaint-stats")
    assert not block.has_attr("hidden")
    assert block.select_one('[data-part="total"]').text == "共收到 7 件，按期办结率 80.0%。"
    kinds = [[td.text for td in tr.select("td")] for tr in block.select('[data-part="by_kind"] tr')]
    assert kinds == [["投诉", "2"], ["信息公开申请", "0"], ["咨询", "4"], ["举报", "1"]]
    assert block.select_one('[data-part="overdue"]').text == "目前逾期未办结 1 件，督办中 1 件。"
    table = block.select_one("table#complaints-by-department")
    assert [th.text for th in table.select("thead th")] == ["部门", "件数", "办理中", "逾期", "督办中"]
    assert [[c.text for c in tr.select("th, td")] for tr in table.select("tbody tr")] == [
        ["集贤县民政局", "2", "0", "0", "0"], ["集贤县农业农村局", "5", "2", "1", "1"]]
    assert table.select_one("tbody th")["scope"] == "row"
    assert "timeliness" not in [s["id"] for s in soup.select("section")]


def test_budget_page(stats: dict, planted) -> None:
    result, _ = planted
    soup = BeautifulSoup(render_budget_page(stats, result.county), "html.parser")
    years = [s["id"] for s in soup.select("section[id^=budget-]")]
    assert years == ["budget-2026", "budget-2025", "budget-2024"]
    rows = soup.select("#budget-2025 table tbody tr")
    gdzl = next(r for r in rows if r.th.text == "耕地地力保护补贴")
    budget = result.county.programs["gdzl"].budget[2025]  # from the repository's data/programs/gdzl.yml
    assert [td.text for td in gdzl.select("td")][2:] == ["5,311.52", f"{5311.52 / budget * 100:.1f}%", "13", "17"]
    town = soup.select_one("details summary")
    assert town.text == "福利镇：各项补贴明细"


def test_pages_render_with_no_records(planted, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(REPO_DATA / "programs", data / "programs")
    shutil.copy(REPO_DATA / "county.yml", data / "county.yml")
    result = validate_data(data, AS_OF)
    built = build_stats(mask_records(result.records, result.county), result.county)
    assert built["totals"]["paid"] == 0 and built["years"] == []
    assert "yk-stats" in render_stats_page(built, result.county)
    assert "yk-stats" in render_budget_page(built, result.county)


# ---------------------------------------------------------------- in a real browser


CHROMIUM = Path("/usr/bin/chromium")
ORIGIN = "http://yikatong.test"


def open_stats_page(browser, body: str, api):
    """The statistics fragment at /stats/ on a 360 px screen; `api` answers /api/v1/stats."""
    html = ('<!doctype html><html lang="zh"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width"></head><body>' + body + "</body></html>")
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.route(f"{ORIGIN}/stats/", lambda route: route.fulfill(body=html, content_type="text/html"))
    context.route(f"{ORIGIN}/api/v1/stats", api)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{ORIGIN}/stats/")
    return context, page, errors


@pytest.mark.browser
def test_browser_fills_complaint_stats_from_the_service(browser, stats: dict, planted) -> None:
    result, _ = planted
    answer = json.dumps(COMPLAINTS, ensure_ascii=False)
    context, page, errors = open_stats_page(
        browser, render_stats_page(stats, result.county),
        lambda route: route.fulfill(body=answer, content_type="application/json"))
    block = page.locator("#complaint-stats")
    block.wait_for(state="visible")
    assert block.locator('[data-part="total"]').inner_text() == "共收到 7 件，按期办结率 80.0%。"
    kinds = block.locator('[data-part="by_kind"] tr').all_inner_texts()
    assert [k.split("\t") for k in kinds] == [["咨询", "4"], ["投诉", "2"], ["举报", "1"], ["信息公开申请", "0"]]
    assert block.locator('[data-part="by_department"] tr').all_inner_texts() == [
        "集贤县民政局\t2\t0\t0\t0", "集贤县农业农村局\t5\t2\t1\t1"]
    assert block.locator('[data-part="overdue"]').inner_text() == "目前逾期未办结 1 件，督办中 1 件。"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    assert errors == []
    context.close()


@pytest.mark.browser
def test_browser_hides_complaint_stats_when_the_service_is_down(browser, stats: dict, planted) -> None:
    result, _ = planted
    context, page, errors = open_stats_page(browser, render_stats_page(stats, result.county),
                                            lambda route: route.fulfill(status=503, body="down"))
    page.wait_for_load_state("networkidle")
    assert page.locator("#complaint-stats").is_hidden()
    assert page.locator("svg.yk-chart").first.bounding_box()["width"] <= 360
    assert errors == []
    context.close()


# ------------------------------------------- on the built site, with the real service


@pytest.fixture(scope="module")
def stats_portal(built_site: Path, tmp_path_factory: pytest.TempPathFactory):
    """The built sample site and the service, with one case overdue and escalated (督办), one
    overdue and not yet escalated (the worker has not run since), and one in time."""
    from tests.ux import portal

    with portal(built_site, built_site.parent / "data", tmp_path_factory.mktemp("stats-db"),
                today="2026-06-01") as (base, app):
        client = app.test_client()

        def submit(program: str) -> str:
            answer = client.post("/api/v1/submissions", json={
                "kind": "complaint", "category": "amount", "program": program, "subject": "补贴金额少了",
                "body": "我家承包12亩，只发了700元。", "name": "王大娘", "phone": "13800138000"})
            assert answer.status_code == 201, answer.get_json()
            return str(answer.get_json()["department"]["code"])

        first = submit("gdzl")
        app.config["TODAY"] = "2026-07-15"
        run = app.test_cli_runner().invoke(args=["notify"])  # escalates the first case
        assert run.exit_code == 0, run.output
        assert submit("gdzl") == first
        app.config["TODAY"] = "2026-09-01"  # the second is late now; no worker run since
        other = submit("gljt")
        assert other != first
        yield base, app, first, other


@pytest.mark.browser
@pytest.mark.parametrize("mode", MODES, ids=[m.name for m in MODES])
def test_overdue_and_escalated_per_department_on_every_screen(browser, stats_portal, mode: Mode) -> None:
    base, app, first, other = stats_portal
    names = {code: app.extensions["yikatong"].department_name(code) for code in (first, other)}
    with tab(browser, base, mode) as page:
        page.goto(base + "stats/")
        block = page.locator("#complaint-stats")
        block.wait_for(state="visible")
        assert block.locator('[data-part="total"]').inner_text().startswith("共收到 3 件")
        assert block.locator('[data-part="overdue"]').inner_text() == "目前逾期未办结 2 件，督办中 1 件。"
        table = page.locator("table#complaints-by-department")
        assert table.locator("thead th").all_inner_texts() == ["部门", "件数", "办理中", "逾期", "督办中"]
        rows = {r.locator("th").inner_text(): r.locator("td").all_inner_texts()
                for r in table.locator("tbody tr").all()}
        assert rows == {names[first]: ["2", "2", "2", "1"], names[other]: ["1", "1", "0", "0"]}
        table.scroll_into_view_if_needed()
        shoot(page, "stats", mode, 1, "complaints-by-department")
        assert screen_problems(page, mode) == []
        if AXE.exists():
            assert axe_violations(page) == []
        # on a phone each department is a card: every figure under its label, inside the
        # screen (no scrolling to reach 逾期 or 督办中)
        width = page.viewport_size["width"]
        caption = table.locator("caption")
        size = float(caption.evaluate("c => parseFloat(getComputedStyle(c).fontSize)"))
        assert caption.bounding_box()["height"] < 3 * size  # one line, not a character per line
        for row in table.locator("tbody tr").all():
            assert row.evaluate("r => getComputedStyle(r).display") == "block"
            for cell in row.locator("td").all():
                label = cell.evaluate("c => getComputedStyle(c, '::before').content")
                assert label == f'"{cell.get_attribute("data-label")}："'
                box = cell.bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1
        assert [c.get_attribute("data-label") for c in table.locator("tbody tr").first.locator("td").all()] == [
            "件数", "办理中", "逾期", "督办中"]
