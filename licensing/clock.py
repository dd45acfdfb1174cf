"""The legal clock (DESIGN.md §3), pure functions over a WorkingCalendar and pause intervals.

A deadline of n working days from start s is the smallest date D with
working_days(s, D) − paused(s, D) ≥ n, where paused counts working days inside closed pauses
(pause_start, pause_end]. While a pause is open there is no due date, only the days left."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from services.workdays import WorkingCalendar


@dataclass(frozen=True)
class Pause:
    start: dt.date
    end: dt.date | None  # None while the pause is open


def paused_working_days(
    calendar: WorkingCalendar, start: dt.date, end: dt.date, pauses: Sequence[Pause], *, today: dt.date | None = None
) -> int:
    """Working days in (start, end] covered by pauses; an open pause counts up to `today`."""
    total = 0
    for pause in pauses:
        pause_end = pause.end if pause.end is not None else today
        if pause_end is None:
            continue
        lo, hi = max(pause.start, start), min(pause_end, end)
        if hi > lo:
            total += calendar.working_days(lo, hi)
    return total


def clock_days(
    calendar: WorkingCalendar, start: dt.date, end: dt.date, pauses: Sequence[Pause], *, today: dt.date | None = None
) -> int:
    """Working days the clock ran in (start, end]."""
    return calendar.working_days(start, end) - paused_working_days(calendar, start, end, pauses, today=today)


def deadline(calendar: WorkingCalendar, start: dt.date, days: int, pauses: Sequence[Pause]) -> dt.date | None:
    """The due date, or None while a pause is open."""
    if any(p.end is None for p in pauses):
        return None
    closed = [p for p in pauses if p.end is not None]
    due = calendar.add_working_days(start, days)
    # Each pass pushes the date by the paused days found so far; pauses are finite so it settles.
    while True:
        needed = days + paused_working_days(calendar, start, due, closed)
        candidate = calendar.add_working_days(start, needed)
        if candidate == due:
            return due
        due = candidate


def remaining_working_days(
    calendar: WorkingCalendar, start: dt.date, days: int, pauses: Sequence[Pause], *, today: dt.date
) -> int:
    """Working days left on the clock as of the end of `today` (negative when overdue)."""
    return days - clock_days(calendar, start, today, pauses, today=today) if today > start else days


def yellow_from(calendar: WorkingCalendar, due: dt.date, warning_days: int) -> dt.date:
    """The first date on which at most `warning_days` working days remain before `due`."""
    index = calendar.nth_working_day_index(due) - warning_days
    return calendar.working_day_at(index) if index > 0 else due


def warning_colour(today: dt.date, due: dt.date | None, yellow: dt.date | None) -> str:
    if due is None:
        return "green"
    if today > due:
        return "red"
    if yellow is not None and today >= yellow:
        return "yellow"
    return "green"
