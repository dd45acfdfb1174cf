"""Small date helpers of the demo (no Django)."""

import datetime as dt

from .windows import months_after


def years_later(day: dt.date, years: int) -> dt.date:
    return months_after(day, 12 * years)
