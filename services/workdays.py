"""Working-day arithmetic on the official Chinese calendar (Administrative Licensing Law Art. 82).

Pure Python, no Django: build a `WorkingCalendar` once from the official adjustments, then every
query is a binary search over the sorted working-day ordinals (O(log n)). Years without an official
schedule fall back to weekends plus the statutory holidays by rule and are reported as provisional.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping

FIRST_YEAR = 2004
LAST_YEAR = 2035

# Lunar festivals by Gregorian date (Spring Festival = 正月初一, Dragon Boat = 五月初五,
# Mid-Autumn = 八月十五) and the Qingming solar term, for years the bundled schedule does not cover.
_LUNAR = {
    2027: ("2027-02-06", "2027-04-05", "2027-06-09", "2027-09-15"),
    2028: ("2028-01-26", "2028-04-04", "2028-05-28", "2028-10-03"),
    2029: ("2029-02-13", "2029-04-04", "2029-06-16", "2029-09-22"),
    2030: ("2030-02-03", "2030-04-05", "2030-06-05", "2030-09-12"),
    2031: ("2031-01-23", "2031-04-05", "2031-06-24", "2031-10-01"),
    2032: ("2032-02-11", "2032-04-04", "2032-06-12", "2032-09-19"),
    2033: ("2033-01-31", "2033-04-04", "2033-06-01", "2033-09-08"),
    2034: ("2034-02-19", "2034-04-05", "2034-06-20", "2034-09-27"),
    2035: ("2035-02-08", "2035-04-05", "2035-06-10", "2035-09-16"),
}


class OutOfRange(ValueError):
    """A date outside the years this calendar can answer for."""


def statutory_holidays_by_rule(year: int) -> dict[dt.date, str]:
    """The statutory holidays of 《全国年节及纪念日放假办法》 (as amended 2024, 13 days), without
    the make-up workdays the State Council announces each winter."""
    days: dict[dt.date, str] = {dt.date(year, 1, 1): "元旦"}
    for offset in (1, 2):
        days[dt.date(year, 5, offset)] = "劳动节"
    for offset in (1, 2, 3):
        days[dt.date(year, 10, offset)] = "国庆节"
    lunar = _LUNAR.get(year)
    if lunar:
        spring, qingming, dragon, autumn = (dt.date.fromisoformat(s) for s in lunar)
        for offset in (-1, 0, 1, 2):
            days[spring + dt.timedelta(days=offset)] = "春节"
        days[qingming] = "清明节"
        days[dragon] = "端午节"
        days.setdefault(autumn, "中秋节")
    return days


class WorkingCalendar:
    """Answers working-day questions for FIRST_YEAR..LAST_YEAR.

    `overrides` maps a date to True (a make-up workday) or False (a holiday) for the years listed in
    `official_years`; every other year follows `statutory_holidays_by_rule` and is provisional.
    """

    def __init__(
        self,
        overrides: Mapping[dt.date, bool],
        official_years: Iterable[int],
        *,
        first_year: int = FIRST_YEAR,
        last_year: int = LAST_YEAR,
    ) -> None:
        self.official_years = frozenset(official_years)
        self.first = dt.date(first_year, 1, 1)
        self.last = dt.date(last_year, 12, 31)
        rule_holidays: set[dt.date] = set()
        for year in range(first_year, last_year + 1):
            if year not in self.official_years:
                rule_holidays.update(statutory_holidays_by_rule(year))
        ordinals: list[int] = []
        for ordinal in range(self.first.toordinal(), self.last.toordinal() + 1):
            day = dt.date.fromordinal(ordinal)
            if day.year in self.official_years and day in overrides:
                working = overrides[day]
            else:
                working = day.weekday() < 5 and day not in rule_holidays
            if working:
                ordinals.append(ordinal)
        self._ordinals = ordinals

    def _check(self, day: dt.date) -> None:
        if not (self.first <= day <= self.last):
            raise OutOfRange(f"{day.isoformat()} is outside {self.first.year}–{self.last.year}")

    def is_working_day(self, day: dt.date) -> bool:
        self._check(day)
        ordinal = day.toordinal()
        index = bisect_left(self._ordinals, ordinal)
        return index < len(self._ordinals) and self._ordinals[index] == ordinal

    def working_days(self, start: dt.date, end: dt.date) -> int:
        """Number of working days d with start < d <= end (0 when end <= start)."""
        self._check(start)
        self._check(end)
        if end <= start:
            return 0
        return bisect_right(self._ordinals, end.toordinal()) - bisect_right(self._ordinals, start.toordinal())

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The smallest date D with working_days(start, D) >= days (start itself for 0)."""
        if days < 0:
            raise ValueError("days must not be negative")
        self._check(start)
        if days == 0:
            return start
        index = bisect_right(self._ordinals, start.toordinal()) + days - 1
        if index >= len(self._ordinals):
            raise OutOfRange(f"{days} working days after {start.isoformat()} is beyond {self.last.year}")
        return dt.date.fromordinal(self._ordinals[index])

    def nth_working_day_index(self, day: dt.date) -> int:
        """Number of working days on or before `day` since the calendar's first day (for SQL-free
        differences and bulk work)."""
        self._check(day)
        return bisect_right(self._ordinals, day.toordinal())

    def working_day_at(self, index: int) -> dt.date:
        """The working day whose nth_working_day_index is `index` (1-based)."""
        if not 1 <= index <= len(self._ordinals):
            raise OutOfRange(f"working day #{index} is outside the calendar")
        return dt.date.fromordinal(self._ordinals[index - 1])

    def is_provisional(self, day: dt.date) -> bool:
        return day.year not in self.official_years

    def any_provisional(self, start: dt.date, end: dt.date) -> bool:
        """True when a year in [start, end] has no official schedule yet."""
        return any(year not in self.official_years for year in range(start.year, end.year + 1))


def naive_add_working_days(calendar: WorkingCalendar, start: dt.date, days: int) -> dt.date:
    """Reference implementation, one day at a time (used by tests and the benchmark)."""
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return day
