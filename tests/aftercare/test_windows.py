"""The renewal window's calendar rule (Art. 50 default), without a database."""

import datetime as dt

import pytest

from aftercare.windows import months_before, reminder_dates, renewal_window

D = dt.date


@pytest.mark.parametrize(("day", "months", "expected"), [
    (D(2031, 8, 31), 6, D(2031, 2, 28)),    # no 31 February: the month's last day
    (D(2032, 8, 31), 6, D(2032, 2, 29)),    # leap year
    (D(2031, 3, 1), 6, D(2030, 9, 1)),      # across a year
    (D(2031, 12, 31), 6, D(2031, 6, 30)),   # no 31 June
    (D(2031, 5, 31), 3, D(2031, 2, 28)),
    (D(2031, 3, 31), 1, D(2031, 2, 28)),
    (D(2031, 1, 15), 1, D(2030, 12, 15)),
])
def test_months_before_keeps_the_day_of_month_or_takes_the_months_last_day(day, months, expected):
    assert months_before(day, months) == expected


def test_the_default_window_runs_from_six_months_to_thirty_days_before_the_last_valid_day_inclusive():
    window = renewal_window(D(2031, 8, 31))
    assert (window.opens, window.closes) == (D(2031, 2, 28), D(2031, 8, 1))
    assert D(2031, 2, 27) not in window
    assert D(2031, 2, 28) in window and D(2031, 8, 1) in window
    assert D(2031, 8, 2) not in window


def test_a_configured_window_moves_both_ends():
    window = renewal_window(D(2031, 3, 1), months=3, days=10)
    assert (window.opens, window.closes) == (D(2030, 12, 1), D(2031, 2, 19))


def test_reminders_fall_on_the_window_opening_and_three_and_one_month_before():
    valid_to = D(2031, 8, 31)
    assert reminder_dates(valid_to, window=renewal_window(valid_to)) == {
        "renewal_window_open": D(2031, 2, 28), "renewal_3_months": D(2031, 5, 31), "renewal_1_month": D(2031, 7, 31)}
