"""Benchmark of the working-day calendar: the one-time build cost, and the cost per
`add_working_days` call against the day-by-day loop (`naive_add_working_days`) for n = 5, 20, 250.

Pure Python, no database: the calendar is built straight from the `chinesecalendar` package data,
the same source `services.calendar.calendar_load_bundled` loads.

    .venv/bin/python bench/calendar.py [--starts 1000] [--repeats 7]
"""

import sys
from pathlib import Path

# This file is called calendar.py: keep its folder off sys.path so that the standard library's
# `calendar` module is not shadowed, and make the project importable.
BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from chinese_calendar import constants  # noqa: E402

from services.workdays import WorkingCalendar, naive_add_working_days  # noqa: E402

COUNTS = (5, 20, 250)


def official_adjustments() -> tuple[dict[dt.date, bool], set[int]]:
    """Days off on weekdays and make-up workdays on weekends, and the years the data covers."""
    overrides = {day: False for day in constants.holidays}
    overrides.update({day: True for day in constants.workdays if day.weekday() >= 5})
    return overrides, {day.year for day in constants.holidays}


def median_seconds(function, repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=1000, help="random start dates per measurement")
    parser.add_argument("--repeats", type=int, default=7, help="repeats; the median is reported")
    parser.add_argument("--seed", type=int, default=82)
    args = parser.parse_args()

    overrides, years = official_adjustments()
    build = median_seconds(lambda: WorkingCalendar(overrides, years), args.repeats)
    calendar = WorkingCalendar(overrides, years)

    rng = random.Random(args.seed)
    first, last = dt.date(2005, 1, 1), dt.date(2033, 12, 31)  # leaves room for 250 working days
    starts = [first + dt.timedelta(days=rng.randrange((last - first).days)) for _ in range(args.starts)]

    print(f"calendar {calendar.first.year}–{calendar.last.year}, official data for {min(years)}–{max(years)} "
          f"({len(overrides)} adjusted days)")
    print(f"build (one-time): {build * 1e3:.2f} ms  (median of {args.repeats})")
    print(f"{args.starts} random start dates, median of {args.repeats} repeats")
    print(f"{'n':>5} {'add_working_days':>18} {'naive loop':>14} {'naive / fast':>13}")
    for n in COUNTS:
        fast = [calendar.add_working_days(start, n) for start in starts]
        slow = [naive_add_working_days(calendar, start, n) for start in starts]
        if fast != slow:
            raise SystemExit(f"n={n}: add_working_days disagrees with the naive loop")
        fast_s = median_seconds(lambda n=n: [calendar.add_working_days(s, n) for s in starts], args.repeats)
        slow_s = median_seconds(lambda n=n: [naive_add_working_days(calendar, s, n) for s in starts], args.repeats)
        per_fast, per_slow = fast_s / len(starts), slow_s / len(starts)
        print(f"{n:>5} {per_fast * 1e6:>15.2f} µs {per_slow * 1e6:>11.2f} µs {per_slow / per_fast:>12.1f}×")
    print(f"build cost = {build / per_fast:,.0f} fast calls (n={COUNTS[-1]})")


if __name__ == "__main__":
    main()
