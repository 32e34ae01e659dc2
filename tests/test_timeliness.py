"""Deadlines, notice periods, batches.json rows, the timeliness page and ``yikatong deadlines``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from publishing_factory import make_data_dir, make_person, write_batch

from generator.cli import main
from generator.core.county import County, load_county
from generator.core.workdays import WorkCalendar
from generator.ingest.load import Batch, load_batches
from generator.publish.ledger import (
    Ledger,
    LedgerEntry,
    plan_publication,
    read_ledger,
    write_ledger,
)
from generator.publish.timeliness import (
    BATCH_ROW_KEYS,
    batch_rows,
    calendar_warnings,
    complaint_href,
    deadline_for,
    notice_state,
    on_time_rates,
)
from generator.render.notices import render_notice_banner, render_timeliness_page

D = dt.date


def county_with(tmp_path: Path, **kwargs) -> tuple[Path, County]:
    data = make_data_dir(tmp_path, **kwargs)
    return data, load_county(data)


def batch(batch_id: str = "2025-03-gdzl", **meta) -> Batch:
    meta = {"program": "gdzl", "produced_on": "2025-03-20", **meta}
    return Batch(batch_id, batch_id[:4], Path(batch_id), meta, None, content_hash="a" * 64)


# ---------------------------------------------------------------- deadlines


@pytest.mark.parametrize(("unit", "produced", "deadline"), [
    # 2026 Spring Festival: 15–23 Feb off; Sat 14 Feb and Sat 28 Feb are 调休 working days
    ("working", D(2026, 2, 10), D(2026, 3, 16)),
    ("calendar", D(2026, 2, 10), D(2026, 3, 2)),
    # 2025 National Day + Mid-Autumn: 1–8 Oct off; Sun 28 Sep and Sat 11 Oct are working days
    ("working", D(2025, 9, 26), D(2025, 10, 30)),
    ("calendar", D(2025, 9, 26), D(2025, 10, 16)),
    ("working", D(2025, 9, 27), D(2025, 10, 30)),  # produced on a Saturday off: the count starts the next working day
], ids=["spring-festival-working", "spring-festival-calendar", "national-day-working",
        "national-day-calendar", "national-day-from-saturday"])
def test_deadline_across_holidays(tmp_path: Path, unit: str, produced: dt.date, deadline: dt.date) -> None:
    data, county = county_with(tmp_path, window_unit=unit)
    assert deadline_for(produced, county, WorkCalendar.from_data(data)) == deadline


def test_make_up_weekend_counts_as_a_working_day(tmp_path: Path) -> None:
    data, county = county_with(tmp_path, window_days=1, window_unit="working")
    calendar = WorkCalendar.from_data(data)
    assert deadline_for(D(2026, 2, 13), county, calendar) == D(2026, 2, 14)  # Saturday, 调休
    assert deadline_for(D(2026, 2, 14), county, calendar) == D(2026, 2, 24)  # after the holiday


def test_unknown_year_is_an_explicit_warning(tmp_path: Path) -> None:
    data, county = county_with(tmp_path, window_unit="working")
    calendar = WorkCalendar.from_data(data, strict=False)
    deadline_for(D(2027, 3, 1), county, calendar)
    assert calendar_warnings(calendar) == [
        "2027 年的法定节假日和调休安排未知：请在 data/holidays.yml 中按国务院办公厅通知补充。（已暂按周一至周五计算工作日）"]


# ---------------------------------------------------------------- batches.json rows


def rows_for(county: County, entries: list[LedgerEntry], batches: list[Batch], as_of: dt.date) -> list[dict]:
    return batch_rows(batches, Ledger(tuple(entries)), county, WorkCalendar(), as_of)


@pytest.mark.parametrize(("published", "status", "late"), [
    (D(2025, 4, 9), "on_time", 0),  # produced 20 Mar + 20 days = 9 Apr: the last day is on time
    (D(2025, 4, 10), "late", 1),
    (D(2025, 4, 15), "late", 6),
], ids=["deadline-day", "one-day-late", "six-days-late"])
def test_a_batch_published_late_shows_late_by_the_right_days(tmp_path: Path, published, status, late) -> None:
    _, county = county_with(tmp_path)
    entry = LedgerEntry("2025-03-gdzl", 1, "a" * 64, D(2025, 3, 20), published)
    [row] = rows_for(county, [entry], [batch()], D(2025, 6, 1))
    assert row == {"id": "2025-03-gdzl", "program": "gdzl", "department": "nyncj", "produced_on": "2025-03-20",
                   "first_published": published.isoformat(), "deadline": "2025-04-09", "status": status,
                   "days_late": late, "revisions": 0}
    assert tuple(row) == BATCH_ROW_KEYS


def test_a_revision_has_its_own_deadline(tmp_path: Path) -> None:
    _, county = county_with(tmp_path)
    entries = [LedgerEntry("2025-03-gdzl", 1, "a" * 64, D(2025, 3, 20), D(2025, 4, 1)),
               LedgerEntry("2025-03-gdzl", 2, "b" * 64, D(2025, 5, 2), D(2025, 5, 30))]
    [row] = rows_for(county, entries, [batch()], D(2025, 6, 1))
    assert (row["first_published"], row["deadline"], row["status"], row["days_late"], row["revisions"]) == (
        "2025-04-01", "2025-05-22", "late", 8, 1)


def test_withdrawn_and_expired_batches(tmp_path: Path) -> None:
    _, county = county_with(tmp_path, retention_years=1)
    entries = [LedgerEntry("2025-03-gdzl", 1, "a" * 64, D(2025, 3, 20), D(2025, 4, 1))]
    batches = [batch(status="withdrawn"), batch("2024-03-gdzl", produced_on="2024-03-20")]
    rows = rows_for(county, entries, batches, D(2025, 6, 1))
    assert [(r["id"], r["status"], r["first_published"]) for r in rows] == [("2025-03-gdzl", "withdrawn", "2025-04-01")]


def test_on_time_rates_per_department_and_year(tmp_path: Path) -> None:
    _, county = county_with(tmp_path)
    entries = [LedgerEntry("2025-03-gdzl", 1, "a" * 64, D(2025, 3, 20), D(2025, 4, 1)),
               LedgerEntry("2025-03-nccb", 1, "a" * 64, D(2025, 3, 20), D(2025, 4, 20)),
               LedgerEntry("2024-03-nccb", 1, "a" * 64, D(2024, 3, 20), D(2024, 3, 21))]
    batches = [batch(), batch("2025-03-nccb", program="nccb"),
               batch("2024-03-nccb", program="nccb", produced_on="2024-03-20")]
    rows = rows_for(county, entries, batches, D(2025, 6, 1))
    by_dept = {r.key: (r.published, r.on_time, r.percent) for r in on_time_rates(rows, county, "department")}
    assert by_dept == {"mzj": (2, 1, "50.0%"), "nyncj": (1, 1, "100.0%")}
    by_year = {r.key: (r.published, r.on_time) for r in on_time_rates(rows, county, "year")}
    assert by_year == {"2024": (1, 1), "2025": (2, 1)}


def test_timeliness_page_marks_late_batches(tmp_path: Path) -> None:
    _, county = county_with(tmp_path)
    entries = [LedgerEntry("2025-03-gdzl", 1, "a" * 64, D(2025, 3, 20), D(2025, 4, 1)),
               LedgerEntry("2025-03-nccb", 1, "a" * 64, D(2025, 3, 20), D(2025, 4, 12))]
    rows = rows_for(county, entries, [batch(), batch("2025-03-nccb", program="nccb")], D(2025, 6, 1))
    soup = BeautifulSoup(render_timeliness_page(rows, county), "html.parser")
    late = soup.select("table.ykt-batches tr.ykt-late")
    assert [tr.th.get_text() for tr in late] == ["2025-03-nccb"]
    assert late[0].select_one(".ykt-status").get_text(strip=True) == "⚠ 逾期 3 天"
    cells = [td.get_text() for td in soup.select_one("#b-2025-03-gdzl").find_all("td")]
    assert cells == ["耕地地力保护补贴", "农业农村局", "2025-03-20", "2025-04-01", "2025-04-09", "按时公开", "0"]
    rates = {tr["data-key"]: tr.select_one(".ykt-rate").get_text() for tr in soup.select('table[data-group="department"] tbody tr')}
    assert rates == {"mzj": "0.0%", "nyncj": "100.0%"}
    assert soup.select_one(".ykt-overall").get_text(" ", strip=True).endswith("按时公开率 50.0% 。")


# ---------------------------------------------------------------- notice period (公示)


@pytest.mark.parametrize(("as_of", "phase", "left"), [
    (D(2026, 2, 11), "scheduled", 7),
    (D(2026, 2, 12), "notice", 7),  # the start day is not counted
    (D(2026, 2, 20), "notice", 5),  # Spring Festival: 24–27 Feb and the 调休 Saturday 28 Feb
    (D(2026, 2, 28), "notice", 0),  # last day
    (D(2026, 3, 1), "ended", 0),  # an ordinary disclosure from the next day
], ids=["before", "start-day", "festival", "last-day", "next-day"])
def test_notice_ends_after_seven_working_days(as_of: dt.date, phase: str, left: int) -> None:
    state = notice_state(batch(status="notice", notice_start="2026-02-12"), WorkCalendar(), as_of)
    assert state is not None
    assert (state.phase, state.end_text, state.working_days_left) == (phase, "2026-02-28", left)


def test_notice_days_can_be_set() -> None:
    state = notice_state(batch(status="notice", notice_start="2025-09-26", notice_days=5), WorkCalendar(), D(2025, 9, 26))
    assert state is not None and state.end_text == "2025-10-10"  # 28, 29, 30 Sep, 9, 10 Oct


def test_paid_batch_has_no_notice() -> None:
    assert notice_state(batch(), WorkCalendar(), D(2025, 4, 1)) is None


def test_notice_batch_turns_into_a_disclosure_on_the_right_day(tmp_path: Path) -> None:
    _, county = county_with(tmp_path)
    nb = batch("2026-02-nccb", program="nccb", produced_on="2026-02-10", status="notice", notice_start="2026-02-12")
    entries = [LedgerEntry("2026-02-nccb", 1, "a" * 64, D(2026, 2, 10), D(2026, 2, 12))]
    on_last_day = rows_for(county, entries, [nb], D(2026, 2, 28))
    next_day = rows_for(county, entries, [nb], D(2026, 3, 1))
    assert on_last_day[0]["status"] == "notice"
    assert next_day[0]["status"] == "on_time"


def test_notice_banner(tmp_path: Path) -> None:
    state = notice_state(batch(status="notice", notice_start="2026-02-12"), WorkCalendar(), D(2026, 2, 20))
    href = complaint_href("../../../complaint/", "nccb", "福利镇", "东升村")
    html = render_notice_banner(state, href, program_name="农村最低生活保障金", department_name="集贤县民政局")
    soup = BeautifulSoup(html, "html.parser")
    link = soup.select_one("a.ykt-notice-report")
    assert link.get_text() == "我要反映"
    assert link["href"] == ("../../../complaint/?kind=complaint&category=list&program=nccb"
                            "&township=%E7%A6%8F%E5%88%A9%E9%95%87&village=%E4%B8%9C%E5%8D%87%E6%9D%91")
    assert soup.select_one("time.ykt-notice-end").get_text() == "2026-02-28"
    assert soup.select_one(".ykt-notice-left").get_text() == "5"
    assert soup.select_one(".ykt-notice-title").get_text(strip=True) == "公示中：农村最低生活保障金名单"
    ended = notice_state(batch(status="notice", notice_start="2026-02-12"), WorkCalendar(), D(2026, 3, 1))
    assert render_notice_banner(ended, href) == ""


# ---------------------------------------------------------------- yikatong deadlines


@pytest.fixture
def deadline_data(tmp_path: Path) -> Path:
    data = make_data_dir(tmp_path)
    rows = [make_person(i) for i in range(3)]
    write_batch(data, "2025-03-gdzl", "gdzl", "2025-03-20", rows)  # published below
    write_batch(data, "2025-03-nccb", "nccb", "2025-03-20", rows)  # published, then changed
    write_batch(data, "2025-04-gdzl", "gdzl", "2025-04-01", rows)  # unpublished, overdue
    write_batch(data, "2025-05-nccb", "nccb", "2025-05-01", rows)  # unpublished, due in 2 days
    write_batch(data, "2025-05-gdzl", "gdzl", "2025-05-10", rows)  # unpublished, due in 11 days: not listed
    write_batch(data, "2025-04-nccb", "nccb", "2025-04-01", rows, status="withdrawn")  # never listed
    published = [b for b in load_batches(data).batches if b.id in ("2025-03-gdzl", "2025-03-nccb")]
    write_ledger(data, plan_publication(published, read_ledger(data), D(2025, 4, 1)).ledger)
    write_batch(data, "2025-03-nccb", "nccb", "2025-03-20", rows[:2], changed_on="2025-05-01")
    return data


def test_deadlines_lists_overdue_and_due_soon(deadline_data: Path) -> None:
    result = CliRunner().invoke(main, ["deadlines", "--data", str(deadline_data), "--as-of", "2025-05-19"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "公开期限检查（2025-05-19，公开时限 20 日（自然日））",
        "已逾期（1 个）：",
        "  2025-04-gdzl  未公开  农业农村局  耕地地力保护补贴  信息产生 2025-04-01  期限 2025-04-21  已逾期 28 天",
        "5 天内到期（2 个）：",
        "  2025-03-nccb  有更正未公开  民政局  农村最低生活保障金  信息变更 2025-05-01  期限 2025-05-21  还剩 2 天",
        "  2025-05-nccb  未公开  民政局  农村最低生活保障金  信息产生 2025-05-01  期限 2025-05-21  还剩 2 天",
    ]


def test_deadlines_strict_fails_on_overdue(deadline_data: Path) -> None:
    runner = CliRunner()
    args = ["deadlines", "--data", str(deadline_data), "--strict"]
    assert runner.invoke(main, args + ["--as-of", "2025-05-19"]).exit_code == 1
    quiet = runner.invoke(main, args + ["--as-of", "2025-04-02"])
    assert quiet.exit_code == 0
    assert quiet.stdout.splitlines()[-1] == "没有逾期或 5 天内到期的未公开批次。"


def test_deadlines_warns_about_unknown_calendar_years(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path, window_unit="working")
    write_batch(data, "2027-01-gdzl", "gdzl", "2027-01-04", [make_person(1)])
    result = CliRunner().invoke(main, ["deadlines", "--data", str(data), "--as-of", "2027-01-05"])
    assert result.exit_code == 0
    assert "警告：2027 年的法定节假日和调休安排未知" in result.stderr
