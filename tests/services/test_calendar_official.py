"""The working-day calendar for 2024–2026 as the application sees it (bundled data loaded into the
database), against the State Council notices and cross-checked with the `holidays` package."""

import datetime as dt

import pytest

from .official_schedules import (
    HOLIDAY_BLOCKS,
    MAKE_UP_WORKDAYS,
    OFFICIAL_YEARS,
    china_is_working_day,
    d,
    days_from_to,
)

# The module's calendar is built from the test database (see conftest.official_calendar).
pytestmark = pytest.mark.django_db

ONE_DAY = dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("year", "festival", "first", "last"),
    [(year, name, first, last) for year, name, first, last, _ in HOLIDAY_BLOCKS],
)
def test_every_day_of_an_official_holiday_block_is_off(official_calendar, year, festival, first, last):
    off = list(days_from_to(d(first), d(last)))
    assert [day for day in off if official_calendar.is_working_day(day)] == []


@pytest.mark.parametrize(
    ("year", "festival", "first", "last"),
    [(year, name, first, last) for year, name, first, last, _ in HOLIDAY_BLOCKS],
)
def test_an_official_holiday_block_is_bounded_by_working_days(official_calendar, year, festival, first, last):
    before, after = d(first) - ONE_DAY, d(last) + ONE_DAY
    assert official_calendar.is_working_day(before)
    assert official_calendar.is_working_day(after)
    # Across the whole block only the day after it counts.
    assert official_calendar.working_days(before, after) == 1


@pytest.mark.parametrize(("year", "festival", "make_up"), MAKE_UP_WORKDAYS)
def test_an_official_make_up_weekend_day_is_a_working_day(official_calendar, year, festival, make_up):
    day = d(make_up)
    assert day.weekday() >= 5, "the notices only move work onto weekends"
    assert official_calendar.is_working_day(day)


@pytest.mark.parametrize(
    "make_up", ["2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14",
                "2024-09-29", "2024-10-12"],
)
def test_2024_make_up_workdays_named_in_the_issue(official_calendar, make_up):
    assert official_calendar.is_working_day(d(make_up))


def test_make_up_sunday_2025_09_28_and_saturday_2025_10_11_are_working_days(official_calendar):
    assert official_calendar.is_working_day(d("2025-09-28"))
    assert official_calendar.is_working_day(d("2025-10-11"))


def test_national_day_and_mid_autumn_2025_10_01_to_08_are_off(official_calendar):
    assert not any(official_calendar.is_working_day(day) for day in days_from_to(d("2025-10-01"), d("2025-10-08")))


@pytest.mark.parametrize("year", OFFICIAL_YEARS)
def test_every_day_of_an_official_year_agrees_with_the_holidays_package(official_calendar, year):
    disagreements = [
        (day.isoformat(), official_calendar.is_working_day(day))
        for day in days_from_to(dt.date(year, 1, 1), dt.date(year, 12, 31))
        if official_calendar.is_working_day(day) != china_is_working_day(day)
    ]
    assert disagreements == []


@pytest.mark.parametrize("year", OFFICIAL_YEARS)
def test_official_years_are_not_provisional(official_calendar, year):
    assert not official_calendar.is_provisional(dt.date(year, 6, 1))
    assert not official_calendar.any_provisional(dt.date(year, 1, 1), dt.date(year, 12, 31))


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Fri 26 Sep 2025: Sat off, Sun 28 is a make-up day.
        ("2025-09-26", 1, "2025-09-28"),
        ("2025-09-26", 2, "2025-09-29"),
        # 28, 29, 30 Sep, then 1–8 Oct off.
        ("2025-09-26", 4, "2025-10-09"),
        # 9, 10 Oct, then the make-up Saturday 11 Oct.
        ("2025-09-30", 3, "2025-10-11"),
        # Across the 2025 Spring Festival: 21–24 Jan, Sun 26 (make-up), 27 Jan, 5–7 Feb,
        # Sat 8 Feb (make-up), 10–13 Feb.
        ("2025-01-20", 14, "2025-02-13"),
        # Started on a holiday: the next working day is the first.
        ("2024-10-01", 1, "2024-10-08"),
        # Across 2025 into 2026: 31 Dec, 1–3 Jan off, Sun 4 Jan make-up, Mon 5 Jan.
        ("2025-12-30", 3, "2026-01-05"),
    ],
)
def test_add_working_days_over_official_holidays(official_calendar, start, days, due):
    assert official_calendar.add_working_days(d(start), days) == d(due)


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        ("2025-09-30", "2025-10-08", 0),  # the National Day block adds nothing
        ("2025-09-27", "2025-09-28", 1),  # end is counted, start is not
        ("2025-09-28", "2025-09-29", 1),
        ("2025-01-27", "2025-02-08", 4),  # 28 Jan–4 Feb off; 5, 6, 7 Feb and the make-up Sat 8 Feb
    ],
)
def test_working_days_over_official_holidays(official_calendar, start, end, count):
    assert official_calendar.working_days(d(start), d(end)) == count
