"""Deadline arithmetic across holidays and 调休 weekends (complaints_api/deadlines.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from complaints_api import deadlines
from generator.core.workdays import WorkCalendar

D = dt.date
CAL = WorkCalendar.from_data(None, strict=False)

SUBMIT_CASES = [
    # National Day 2025: Oct 1–8 off, Sun Sep 28 and Sat Oct 11 are working days.
    ("inquiry", D(2025, 9, 26), D(2025, 10, 10), None),
    ("disclosure_request", D(2025, 9, 26), D(2025, 10, 30), None),
    # Spring Festival 2026: Feb 15–23 off, Sat Feb 14 and Sat Feb 28 are working days.
    ("inquiry", D(2026, 2, 13), D(2026, 2, 27), None),
    ("inquiry", D(2026, 2, 12), D(2026, 2, 26), None),
    ("disclosure_request", D(2026, 2, 13), D(2026, 3, 19), None),
    # Complaints count calendar days (信访工作条例 says 日): 15 days to decide acceptance.
    ("complaint", D(2025, 9, 26), D(2025, 10, 11), D(2025, 10, 11)),
    ("report", D(2026, 2, 13), D(2026, 2, 28), D(2026, 2, 28)),
]


@pytest.mark.parametrize(("kind", "submitted", "due", "accept_due"), SUBMIT_CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in SUBMIT_CASES])
def test_deadline_on_submit(kind, submitted, due, accept_due):
    clock = deadlines.on_submit(kind, submitted, CAL)
    assert (clock.due, clock.accept_due) == (due, accept_due)


def test_complaint_answer_60_days_after_acceptance_then_30_more() -> None:
    clock = deadlines.on_submit("complaint", D(2025, 9, 26), CAL)
    accepted = deadlines.on_accept("complaint", D(2025, 10, 9), clock, CAL)
    assert (accepted.start, accepted.due, accepted.accept_due) == (D(2025, 10, 9), D(2025, 12, 8), D(2025, 10, 11))
    assert deadlines.on_extend("complaint", accepted, CAL).due == D(2026, 1, 7)


def test_disclosure_extension_adds_20_working_days_over_spring_festival() -> None:
    clock = deadlines.on_submit("disclosure_request", D(2026, 1, 19), CAL)
    assert clock.due == D(2026, 2, 14)  # a 调休 Saturday is a working day
    assert deadlines.on_extend("disclosure_request", clock, CAL).due == D(2026, 3, 20)


def test_disclosure_clock_restarts_when_the_citizen_completes_the_request() -> None:
    clock = deadlines.on_submit("disclosure_request", D(2025, 9, 1), CAL)
    restarted = deadlines.on_supplement("disclosure_request", D(2025, 9, 26), clock, False, CAL)
    assert restarted == deadlines.Clock(D(2025, 9, 26), D(2025, 10, 30), None)
    complaint = deadlines.on_submit("complaint", D(2025, 9, 1), CAL)
    assert deadlines.on_supplement("complaint", D(2025, 9, 26), complaint, False, CAL) == complaint


def test_transfer_window_is_5_working_days() -> None:
    assert deadlines.transfer_deadline(D(2025, 9, 30), CAL) == D(2025, 10, 14)
    assert deadlines.transfer_deadline(D(2026, 2, 13), CAL) == D(2026, 2, 27)


WARNING_CASES = [
    # inquiry submitted 2025-09-26, due 2025-10-10 (5 working days)
    (D(2025, 9, 26), 0, 0),
    (D(2025, 9, 28), 20, 0),
    (D(2025, 9, 30), 60, 50),
    (D(2025, 10, 8), 60, 50),  # holidays do not use up time
    (D(2025, 10, 9), 80, 80),
    (D(2025, 10, 10), 100, 100),
    (D(2025, 10, 13), 140, 100),
]


@pytest.mark.parametrize(("today", "percent", "level"), WARNING_CASES, ids=[str(c[0]) for c in WARNING_CASES])
def test_warning_levels(today, percent, level):
    clock = deadlines.on_submit("inquiry", D(2025, 9, 26), CAL)
    used = deadlines.elapsed_percent("inquiry", clock, today, CAL)
    assert (used, deadlines.warning_level(used)) == (percent, level)


def test_holidays_yml_supplies_later_years(tmp_path) -> None:
    (tmp_path / "holidays.yml").write_text(
        "2027:\n  holidays: [2027-01-01]\n  workdays: []\n", encoding="utf-8")
    cal = WorkCalendar.from_data(tmp_path)
    assert deadlines.on_submit("inquiry", D(2026, 12, 30), cal).due == D(2027, 1, 7)


def test_unknown_year_falls_back_to_weekdays_with_a_warning(app, client, caplog) -> None:
    app.config["TODAY"] = "2029-12-28"
    response = client.post("/api/v1/submissions", json={"kind": "inquiry", "subject": "问", "body": "问"})
    assert response.get_json()["due_date"] == "2030-01-04"
    assert "2030 年的节假日安排未知，期限按周一至周五计算：请在 data/holidays.yml 中补充。" in caplog.text
