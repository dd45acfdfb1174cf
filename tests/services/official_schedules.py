"""The State Council's holiday schedules for 2024–2026, transcribed from the notices (not from
the code or data under test), and small date helpers for the calendar tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import cache

import holidays


def d(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def days_from_to(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    current = first
    while current <= last:
        yield current
        current += dt.timedelta(days=1)


# (year, festival, first day off, last day off, make-up workdays)
# 国办发明电〔2023〕7号 (2024), 国办发明电〔2024〕12号 (2025), 国办发明电〔2025〕7号 (2026).
HOLIDAY_BLOCKS = [
    (2024, "元旦", "2023-12-30", "2024-01-01", []),
    (2024, "春节", "2024-02-10", "2024-02-17", ["2024-02-04", "2024-02-18"]),
    (2024, "清明节", "2024-04-04", "2024-04-06", ["2024-04-07"]),
    (2024, "劳动节", "2024-05-01", "2024-05-05", ["2024-04-28", "2024-05-11"]),
    (2024, "端午节", "2024-06-08", "2024-06-10", []),
    (2024, "中秋节", "2024-09-15", "2024-09-17", ["2024-09-14"]),
    (2024, "国庆节", "2024-10-01", "2024-10-07", ["2024-09-29", "2024-10-12"]),
    (2025, "元旦", "2025-01-01", "2025-01-01", []),
    (2025, "春节", "2025-01-28", "2025-02-04", ["2025-01-26", "2025-02-08"]),
    (2025, "清明节", "2025-04-04", "2025-04-06", []),
    (2025, "劳动节", "2025-05-01", "2025-05-05", ["2025-04-27"]),
    (2025, "端午节", "2025-05-31", "2025-06-02", []),
    (2025, "国庆节、中秋节", "2025-10-01", "2025-10-08", ["2025-09-28", "2025-10-11"]),
    (2026, "元旦", "2026-01-01", "2026-01-03", ["2026-01-04"]),
    (2026, "春节", "2026-02-15", "2026-02-23", ["2026-02-14", "2026-02-28"]),
    (2026, "清明节", "2026-04-04", "2026-04-06", []),
    (2026, "劳动节", "2026-05-01", "2026-05-05", ["2026-05-09"]),
    (2026, "端午节", "2026-06-19", "2026-06-21", []),
    (2026, "中秋节", "2026-09-25", "2026-09-27", []),
    (2026, "国庆节", "2026-10-01", "2026-10-07", ["2026-09-20", "2026-10-10"]),
]
OFFICIAL_YEARS = sorted({year for year, *_ in HOLIDAY_BLOCKS})
MAKE_UP_WORKDAYS = [(year, name, day) for year, name, _, _, make_up in HOLIDAY_BLOCKS for day in make_up]


@cache
def _china(year: int) -> holidays.HolidayBase:
    return holidays.China(years=year)


def china_is_working_day(day: dt.date) -> bool:
    """Working day according to the `holidays` package (its China calendar carries the official
    days off, including the swapped ones, and the weekend make-up workdays)."""
    china = _china(day.year)
    if day in china.weekend_workdays:
        return True
    return day.weekday() < 5 and day not in china


def china_statutory_holidays(year: int) -> set[dt.date]:
    """The statutory holidays alone: no 'observed' days, no days swapped for make-up workdays."""
    china = _china(year)
    return {
        day
        for day in china
        if any("observed" not in name and "substituted" not in name for name in china.get_list(day))
    }
