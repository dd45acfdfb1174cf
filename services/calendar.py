"""The working-day calendar as the rest of Tongban sees it: built once from the database
(bundled official schedules plus administrators' corrections), cached per process, rebuilt when
an administrator changes a day — every process compares the calendar it holds with the revision
counted in the database (services.models.CalendarRevision) at most every RECHECK_SECONDS. Also the
loaders for the bundled data and for a year's notice."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .constants import DaySource
from .models import CalendarDay, CalendarRevision, CalendarYear
from .tasks import enqueue, task
from .workdays import FIRST_YEAR, LAST_YEAR, WorkingCalendar

# A change made in another process is seen here within this many seconds (one one-row query per
# check). The revision is not kept in the cache: a change made while the cache was unreachable
# would be lost there, and every worker would keep the old calendar.
RECHECK_SECONDS = 10

_lock = threading.Lock()
_state: dict = {"calendar": None, "version": None, "checked": 0.0}

# Called with the set of years whose schedule changed, after the change commits. The licensing
# app registers the recomputation of stored deadlines here (services never imports licensing).
calendar_changed_hooks: list[Callable[[set[int]], None]] = []

HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _build() -> WorkingCalendar:
    overrides = dict(CalendarDay.objects.values_list("date", "is_workday"))
    official = CalendarYear.objects.filter(official=True).values_list("year", flat=True)
    return WorkingCalendar(overrides, official)


def calendar_revision() -> int:
    """How many times the calendar has changed, read from the database."""
    return CalendarRevision.objects.values_list("revision", flat=True).first() or 0


def get_calendar() -> WorkingCalendar:
    """The process-wide calendar; other processes' changes are picked up within RECHECK_SECONDS."""
    now = time.monotonic()
    calendar = _state["calendar"]
    if calendar is not None and now - _state["checked"] < RECHECK_SECONDS:
        return calendar
    version = calendar_revision()
    with _lock:
        if _state["calendar"] is None or version != _state["version"]:
            _state["calendar"] = _build()
            _state["version"] = version
        _state["checked"] = now
        return _state["calendar"]


def reset_calendar_cache() -> None:
    """Forget this process's calendar (tests, and after loading data outside a transaction)."""
    with _lock:
        _state["calendar"] = None
        _state["version"] = None


def invalidate_calendar(years: set[int] | None = None) -> None:
    """Raise the calendar's revision in the change's transaction (every other process rebuilds its
    calendar within RECHECK_SECONDS of the commit) and drop this process's calendar after the commit;
    the change hooks run as an outbox job recorded with the change (calendar_changed)."""
    CalendarRevision.objects.get_or_create(pk=1)
    CalendarRevision.objects.filter(pk=1).update(revision=F("revision") + 1, changed_at=timezone.now())

    def _after_commit() -> None:
        with _lock:
            _state["calendar"] = None

    transaction.on_commit(_after_commit)
    enqueue(calendar_changed, years=sorted(years or ()))


@task
def calendar_changed(*, years: list[int]) -> None:
    """The change hooks for the changed years (licensing recomputes the stored deadlines of those
    years): delivered after the commit by the task seam — on the worker when there is one, not in
    the administrator's request — and again later if that delivery was lost."""
    reset_calendar_cache()  # this process may hold the calendar from before the change
    for hook in calendar_changed_hooks:
        hook(set(years))


@dataclass
class LoadResult:
    years: list[int]
    days: int


@transaction.atomic
def calendar_load_bundled(*, years: list[int] | None = None) -> LoadResult:
    """Load the official schedules shipped with the `chinesecalendar` package. Days an
    administrator entered are kept; bundled days are replaced."""
    from chinese_calendar import constants

    wanted = set(years) if years else {d.year for d in constants.holidays}
    rows: dict[dt.date, tuple[bool, str]] = {}
    for day, name in constants.holidays.items():
        if day.year in wanted:
            rows[day] = (False, HOLIDAY_NAMES_ZH.get(str(name), str(name)))
    for day, name in constants.workdays.items():
        if day.year in wanted and day.weekday() >= 5:
            rows[day] = (True, f"{HOLIDAY_NAMES_ZH.get(str(name), str(name))}调休上班")
    admin_days = set(CalendarDay.objects.filter(source=DaySource.ADMIN).values_list("date", flat=True))
    CalendarDay.objects.filter(source=DaySource.BUNDLED, date__year__in=wanted).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(date=day, is_workday=work, name=name, source=DaySource.BUNDLED)
        for day, (work, name) in sorted(rows.items())
        if day not in admin_days
    )
    for year in sorted(wanted):
        CalendarYear.objects.update_or_create(
            year=year, defaults={"official": True, "notice": "国务院办公厅节假日安排通知（chinesecalendar）"}
        )
    invalidate_calendar(wanted)
    return LoadResult(years=sorted(wanted), days=len(rows))


class ScheduleError(ValueError):
    """A schedule file that cannot be read; carries the line number."""


_LINE = re.compile(
    r"^(?P<kind>holiday|workday)\s+(?P<start>\d{4}-\d{2}-\d{2})(?:\s*(?:\.\.|~|至)\s*(?P<end>\d{4}-\d{2}-\d{2}))?"
    r"\s*(?P<name>.*)$"
)


def parse_schedule(text: str) -> tuple[int, str, dict[dt.date, tuple[bool, str]]]:
    """Parse a year's schedule:

        year 2027
        notice 国办发明电〔2026〕N号
        holiday 2027-01-01..2027-01-03 元旦
        workday 2027-02-07 春节调休上班

    Returns (year, notice, {date: (is_workday, name)}). Raises ScheduleError naming the line."""
    year: int | None = None
    notice = ""
    days: dict[dt.date, tuple[bool, str]] = {}
    # Windows Notepad saves UTF-8 with a byte-order mark, which would hide the 'year' line.
    text = text.removeprefix("\ufeff")
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("year "):
            try:
                year = int(line.split()[1])
            except (IndexError, ValueError) as exc:
                raise ScheduleError(f"line {number}: 'year' needs a four-digit year") from exc
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise ScheduleError(f"line {number}: year {year} is outside {FIRST_YEAR}–{LAST_YEAR}")
            continue
        if line.startswith("notice "):
            notice = line[len("notice "):].strip()
            continue
        match = _LINE.match(line)
        if not match:
            raise ScheduleError(f"line {number}: expected 'holiday FROM[..TO] NAME' or 'workday DATE NAME'")
        if year is None:
            raise ScheduleError(f"line {number}: the file must start with 'year YYYY'")
        try:
            start = dt.date.fromisoformat(match["start"])
            end = dt.date.fromisoformat(match["end"]) if match["end"] else start
        except ValueError as exc:
            raise ScheduleError(f"line {number}: {exc}") from exc
        if end < start:
            raise ScheduleError(f"line {number}: the range ends before it starts")
        if start.year != year or end.year != year:
            raise ScheduleError(f"line {number}: dates must fall in {year}")
        work = match["kind"] == "workday"
        day = start
        while day <= end:
            days[day] = (work, match["name"].strip())
            day += dt.timedelta(days=1)
    if year is None:
        raise ScheduleError("the file has no 'year YYYY' line")
    return year, notice, days


@transaction.atomic
def calendar_load_schedule(*, text: str) -> LoadResult:
    """Enter a year's official schedule: replaces that year's days and marks it official, so
    provisional deadlines in it are recomputed."""
    year, notice, days = parse_schedule(text)
    CalendarDay.objects.filter(date__year=year).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(date=day, is_workday=work, name=name, source=DaySource.ADMIN)
        for day, (work, name) in sorted(days.items())
    )
    CalendarYear.objects.update_or_create(year=year, defaults={"official": True, "notice": notice})
    invalidate_calendar({year})
    return LoadResult(years=[year], days=len(days))


def provisional_years(*, today: dt.date, ahead: int = 2) -> list[int]:
    """Years from this one to `ahead` years on that still have no official schedule."""
    official = set(CalendarYear.objects.filter(official=True).values_list("year", flat=True))
    return [y for y in range(today.year, today.year + ahead + 1) if y not in official]
