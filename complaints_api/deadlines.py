"""Deadlines per kind, and how far along the clock a case is.

Rules (see RULES.md):

* inquiry (咨询): answer within 5 working days; no extension.
* disclosure_request (信息公开申请, 政府信息公开条例 Art. 33): 20 working days, extendable
  once by 20 working days. A request sent back for completion (Art. 30) restarts the clock
  when the citizen supplies what was missing.
* complaint (投诉) and report (举报), 信访工作条例 Arts. 23, 34: tell whether it is accepted
  within 15 days, answer within 60 days of acceptance, extendable once by 30 days. The
  regulation says 日, not 工作日, so these count **calendar** days.

A start day is never counted. Transfers never restart a clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.core.workdays import WorkCalendar


@dataclass(frozen=True)
class KindRule:
    reply_days: int
    unit: str  # "working" | "calendar"
    extension_days: int
    accept_days: int | None = None  # calendar days to decide acceptance


RULES: dict[str, KindRule] = {
    "inquiry": KindRule(5, "working", 0),
    "disclosure_request": KindRule(20, "working", 20),
    "complaint": KindRule(60, "calendar", 30, accept_days=15),
    "report": KindRule(60, "calendar", 30, accept_days=15),
}
WARNING_LEVELS = (100, 80, 50)
TRANSFER_WINDOW_WORKDAYS = 5


@dataclass(frozen=True)
class Clock:
    """The running clock of a case: when it started and when it is due."""

    start: dt.date
    due: dt.date
    accept_due: dt.date | None = None


def on_submit(kind: str, submitted_on: dt.date, cal: WorkCalendar) -> Clock:
    rule = RULES[kind]
    if rule.accept_days is not None:
        accept_due = submitted_on + dt.timedelta(days=rule.accept_days)
        return Clock(submitted_on, accept_due, accept_due)
    return Clock(submitted_on, cal.add_days(submitted_on, rule.reply_days, rule.unit))


def on_accept(kind: str, accepted_on: dt.date, clock: Clock, cal: WorkCalendar) -> Clock:
    """Acceptance starts the 60-day clock of complaints and reports; others keep theirs."""
    rule = RULES[kind]
    if rule.accept_days is None:
        return clock
    return Clock(accepted_on, cal.add_days(accepted_on, rule.reply_days, rule.unit), clock.accept_due)


def on_extend(kind: str, clock: Clock, cal: WorkCalendar) -> Clock:
    rule = RULES[kind]
    return Clock(clock.start, cal.add_days(clock.due, rule.extension_days, rule.unit), clock.accept_due)


def on_supplement(kind: str, received_on: dt.date, clock: Clock, extended: bool,
                  cal: WorkCalendar) -> Clock:
    """Disclosure requests restart on receipt of the completed request (Art. 30)."""
    rule = RULES[kind]
    if kind != "disclosure_request":
        return clock
    days = rule.reply_days + (rule.extension_days if extended else 0)
    return Clock(received_on, cal.add_days(received_on, days, rule.unit), clock.accept_due)


def elapsed_percent(kind: str, clock: Clock, today: dt.date, cal: WorkCalendar) -> int:
    """How much of the allowed time has passed, in percent (may exceed 100)."""
    unit = "calendar" if clock.accept_due == clock.due else RULES[kind].unit
    if unit == "working":
        total = cal.workdays_between(clock.start, clock.due)
        used = cal.workdays_between(clock.start, today)
    else:
        total = (clock.due - clock.start).days
        used = (today - clock.start).days
    if today > clock.due:
        return max(101, round(100 * used / max(total, 1)))
    return max(0, min(100, round(100 * used / max(total, 1))))


def warning_level(percent: int) -> int:
    """0, 50, 80 or 100: the highest warning threshold reached."""
    return next((level for level in WARNING_LEVELS if percent >= level), 0)


def transfer_deadline(received_on: dt.date, cal: WorkCalendar) -> dt.date:
    """Last day a receiving department may send a case back or on."""
    return cal.add_workdays(received_on, TRANSFER_WINDOW_WORKDAYS)
