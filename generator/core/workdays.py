"""Working days in mainland China: official holidays and make-up working weekends (调休).

``chinesecalendar`` knows the State Council's notices up to its last release; later years
come from ``data/holidays.yml``::

    2027:
      holidays: [2027-01-01, 2027-02-06, ...]
      workdays: [2027-02-14, ...]      # 调休: weekends that are working days

A date in a year known to neither raises ``UnknownCalendarYear``; callers turn that into an
explicit warning and fall back to Monday–Friday, never a silent guess.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import chinese_calendar
import yaml


class UnknownCalendarYear(Exception):
    def __init__(self, year: int):
        super().__init__(f"{year} 年的法定节假日和调休安排未知：请在 data/holidays.yml 中按国务院办公厅通知补充。")
        self.year = year


@dataclass
class WorkCalendar:
    """A working-day calendar: chinesecalendar plus extra years from holidays.yml."""

    holidays: set[dt.date] = field(default_factory=set)
    workdays: set[dt.date] = field(default_factory=set)
    extra_years: set[int] = field(default_factory=set)
    strict: bool = True  # False: unknown years fall back to Mon–Fri and are recorded
    unknown_years: set[int] = field(default_factory=set)

    @classmethod
    def from_data(cls, data_dir: Path | None, strict: bool = True) -> WorkCalendar:
        cal = cls(strict=strict)
        path = Path(data_dir) / "holidays.yml" if data_dir else None
        if path and path.exists():
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for year, spec in raw.items():
                cal.extra_years.add(int(year))
                cal.holidays |= {_as_date(d) for d in (spec or {}).get("holidays", [])}
                cal.workdays |= {_as_date(d) for d in (spec or {}).get("workdays", [])}
        return cal

    def is_workday(self, day: dt.date) -> bool:
        if day.year in self.extra_years:
            if day in self.workdays:
                return True
            if day in self.holidays:
                return False
            return day.weekday() < 5
        try:
            return bool(_cc_is_workday(day))
        except NotImplementedError:
            if self.strict:
                raise UnknownCalendarYear(day.year) from None
            self.unknown_years.add(day.year)
            return day.weekday() < 5

    def add_workdays(self, start: dt.date, days: int) -> dt.date:
        """The date `days` working days after `start` (the start day itself not counted)."""
        current = start
        remaining = days
        while remaining > 0:
            current += dt.timedelta(days=1)
            if self.is_workday(current):
                remaining -= 1
        return current

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.workdays_between(end, start)
        count = 0
        current = start
        while current < end:
            current += dt.timedelta(days=1)
            if self.is_workday(current):
                count += 1
        return count

    def add_days(self, start: dt.date, days: int, unit: str = "calendar") -> dt.date:
        """Deadline arithmetic in calendar or working days."""
        if unit == "working":
            return self.add_workdays(start, days)
        return start + dt.timedelta(days=days)


@lru_cache(maxsize=8192)
def _cc_is_workday(day: dt.date) -> bool:
    return chinese_calendar.is_workday(day)


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
