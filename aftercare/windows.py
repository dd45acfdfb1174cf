"""Calendar rules of a licence's life after issuing, without Django: the renewal window (Art. 50:
from the same day-of-month N months before the last valid day to D days before it, both inclusive;
the month's last day where that day does not exist) and the reminder dates."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day-of-month `months` calendar months before `day`, or that month's last day where
    the day does not exist (31 August − 6 months → 28/29 February)."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day-of-month `months` calendar months after `day` (the month's last day where it does
    not exist)."""
    return months_before(day, -months)


def period_end(start: dt.date, months: int) -> dt.date:
    """The last day of a period of `months` months starting on `start` (a year from 2026-03-02 ends on
    2027-03-01)."""
    return months_after(start, months) - dt.timedelta(days=1)


@dataclass(frozen=True)
class RenewalWindow:
    opens: dt.date
    closes: dt.date

    def __contains__(self, day: dt.date) -> bool:
        return self.opens <= day <= self.closes


def renewal_window(valid_to: dt.date, *, months: int = 6, days: int = 30) -> RenewalWindow:
    """The window in which a renewal of a licence whose last valid day is `valid_to` may be filed."""
    return RenewalWindow(opens=months_before(valid_to, months), closes=valid_to - dt.timedelta(days=days))


def reminder_dates(valid_to: dt.date, *, window: RenewalWindow) -> dict[str, dt.date]:
    """When each renewal reminder falls due: the window's opening, 3 months and 1 month before the
    last valid day (same day-of-month rule)."""
    return {
        "renewal_window_open": window.opens,
        "renewal_3_months": months_before(valid_to, 3),
        "renewal_1_month": months_before(valid_to, 1),
    }
