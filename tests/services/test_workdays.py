"""Working-day arithmetic (services.workdays): the semantics of working_days and add_working_days,
agreement with the day-by-day reference, and the rule-based calendar for years without data."""

import datetime as dt
import random

import pytest

from services.workdays import (
    FIRST_YEAR,
    LAST_YEAR,
    OutOfRange,
    WorkingCalendar,
    naive_add_working_days,
    statutory_holidays_by_rule,
)

from .official_schedules import china_statutory_holidays, d, days_from_to

ONE_DAY = dt.timedelta(days=1)

# March 2025 in a one-year calendar: Wednesday 5th declared a holiday, Saturday 8th a make-up day.
#   Mon 3  Tue 4  [Wed 5 off]  Thu 6  Fri 7  [Sat 8 work]  Sun 9  Mon 10
SMALL = WorkingCalendar({d("2025-03-05"): False, d("2025-03-08"): True}, [2025], first_year=2025, last_year=2025)


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        ("2025-03-03", "2025-03-03", 0),  # empty interval
        ("2025-03-03", "2025-03-04", 1),  # the end is counted, the start is not
        ("2025-03-04", "2025-03-03", 0),  # end before start
        ("2025-03-04", "2025-03-05", 0),  # only the holiday
        ("2025-03-05", "2025-03-06", 1),  # starting on a holiday
        ("2025-03-03", "2025-03-09", 4),  # 4, 6, 7 and the make-up Saturday 8
        ("2025-03-07", "2025-03-10", 2),  # Sat 8 (make-up), Mon 10
        ("2025-03-14", "2025-03-17", 1),  # an ordinary weekend: Mon 17 only
    ],
)
def test_working_days_counts_days_after_start_up_to_and_including_end(start, end, count):
    assert SMALL.working_days(d(start), d(end)) == count


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        ("2025-03-04", 0, "2025-03-04"),
        ("2025-03-05", 0, "2025-03-05"),  # zero days from a holiday is the start itself
        ("2025-03-04", 1, "2025-03-06"),  # the holiday is skipped
        ("2025-03-06", 2, "2025-03-08"),  # the make-up Saturday counts
        ("2025-03-07", 2, "2025-03-10"),  # 8 then 10
        ("2025-03-08", 1, "2025-03-10"),
        ("2025-03-14", 1, "2025-03-17"),  # from a Friday over an ordinary weekend
        ("2025-03-15", 1, "2025-03-17"),  # from a Saturday
    ],
)
def test_add_working_days_is_the_first_day_reaching_the_count(start, days, due):
    assert SMALL.add_working_days(d(start), days) == d(due)


def test_is_working_day_applies_weekends_holidays_and_make_up_days():
    week = {day.isoformat(): SMALL.is_working_day(day) for day in days_from_to(d("2025-03-03"), d("2025-03-09"))}
    assert week == {
        "2025-03-03": True, "2025-03-04": True, "2025-03-05": False, "2025-03-06": True,
        "2025-03-07": True, "2025-03-08": True, "2025-03-09": False,
    }


def test_negative_working_days_are_refused():
    with pytest.raises(ValueError, match="negative"):
        SMALL.add_working_days(d("2025-03-03"), -1)


@pytest.mark.parametrize("outside", ["2024-12-31", "2026-01-01"])
def test_dates_outside_the_calendar_raise_out_of_range(outside):
    with pytest.raises(OutOfRange):
        SMALL.is_working_day(d(outside))
    with pytest.raises(OutOfRange):
        SMALL.working_days(d("2025-06-02"), d(outside))
    with pytest.raises(OutOfRange):
        SMALL.add_working_days(d(outside), 1)


def test_a_due_date_beyond_the_last_year_raises_out_of_range():
    with pytest.raises(OutOfRange):
        SMALL.add_working_days(d("2025-12-29"), 5)


def test_the_default_calendar_spans_first_to_last_year():
    calendar = WorkingCalendar({}, [])
    assert calendar.is_working_day(dt.date(FIRST_YEAR, 1, 5)) == (dt.date(FIRST_YEAR, 1, 5).weekday() < 5)
    with pytest.raises(OutOfRange):
        calendar.is_working_day(dt.date(FIRST_YEAR - 1, 12, 31))
    with pytest.raises(OutOfRange):
        calendar.is_working_day(dt.date(LAST_YEAR + 1, 1, 1))


@pytest.mark.django_db
def test_add_working_days_is_the_smallest_date_reaching_the_count(official_calendar):
    rng = random.Random(82)  # Administrative Licensing Law, Art. 82
    span = (dt.date(2034, 12, 31) - dt.date(FIRST_YEAR, 1, 1)).days
    for _ in range(400):
        start = dt.date(FIRST_YEAR, 1, 1) + dt.timedelta(days=rng.randrange(span))
        days = rng.randint(1, 300)
        due = official_calendar.add_working_days(start, days)
        assert official_calendar.working_days(start, due) == days, (start, days, due)
        assert official_calendar.working_days(start, due - ONE_DAY) == days - 1, (start, days, due)
        assert official_calendar.is_working_day(due)


@pytest.mark.django_db
def test_add_working_days_agrees_with_the_day_by_day_loop(official_calendar):
    rng = random.Random(20250928)
    span = (dt.date(2034, 12, 31) - dt.date(FIRST_YEAR, 1, 1)).days
    cases = [
        (dt.date(FIRST_YEAR, 1, 1) + dt.timedelta(days=rng.randrange(span)), rng.choice((0, 1, 5, 14, 20, 63, 250)))
        for _ in range(600)
    ]
    fast = [official_calendar.add_working_days(start, days) for start, days in cases]
    slow = [naive_add_working_days(official_calendar, start, days) for start, days in cases]
    assert fast == slow


@pytest.mark.django_db
def test_working_days_is_the_difference_of_day_indexes(official_calendar):
    rng = random.Random(7)
    for _ in range(300):
        start = dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(9000))
        end = start + dt.timedelta(days=rng.randrange(400))
        counted = sum(1 for day in days_from_to(start + ONE_DAY, end) if official_calendar.is_working_day(day))
        assert official_calendar.working_days(start, end) == counted
        assert (
            official_calendar.nth_working_day_index(end) - official_calendar.nth_working_day_index(start) == counted
        )


@pytest.mark.parametrize("year", range(2027, LAST_YEAR + 1))
def test_statutory_holidays_by_rule_match_the_holidays_package(year):
    assert set(statutory_holidays_by_rule(year)) == china_statutory_holidays(year)


@pytest.mark.parametrize("year", range(2027, 2031))
def test_statutory_holidays_by_rule_are_thirteen_days_unless_two_festivals_coincide(year):
    # 《全国年节及纪念日放假办法》(2024): New Year 1, Spring Festival 4, Qingming 1, Labour Day 2,
    # Dragon Boat 1, Mid-Autumn 1, National Day 3 = 13 days.
    expected = 13 - (1 if year == 2028 else 0)  # Mid-Autumn 2028 falls on 3 October
    assert len(statutory_holidays_by_rule(year)) == expected


@pytest.mark.parametrize("year", range(2027, 2031))
def test_a_year_without_official_data_follows_weekends_and_statutory_holidays(year):
    calendar = WorkingCalendar({}, [], first_year=2027, last_year=2030)
    statutory = china_statutory_holidays(year)
    wrong = [
        day.isoformat()
        for day in days_from_to(dt.date(year, 1, 1), dt.date(year, 12, 31))
        if calendar.is_working_day(day) != (day.weekday() < 5 and day not in statutory)
    ]
    assert wrong == []
    assert calendar.is_provisional(dt.date(year, 3, 1))


def test_adjustments_count_only_for_official_years_and_mark_them_not_provisional():
    make_up = d("2027-02-13")  # a Saturday
    provisional = WorkingCalendar({make_up: True}, [], first_year=2027, last_year=2027)
    official = WorkingCalendar({make_up: True}, [2027], first_year=2027, last_year=2027)
    assert not provisional.is_working_day(make_up)
    assert provisional.any_provisional(d("2027-01-04"), d("2027-03-01"))
    assert official.is_working_day(make_up)
    assert not official.any_provisional(d("2027-01-04"), d("2027-03-01"))


def test_any_provisional_is_true_when_one_year_of_the_span_lacks_data():
    calendar = WorkingCalendar({}, [2026], first_year=2026, last_year=2027)
    assert not calendar.any_provisional(d("2026-03-01"), d("2026-12-31"))
    assert calendar.any_provisional(d("2026-12-01"), d("2027-01-15"))
