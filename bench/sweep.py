"""The deadline sweep over 1M open cases in PostgreSQL, in steady state: cases accepted over the last
30 days, earlier days' warnings already sent. Times one day's sweep (that day's deemed acceptances,
new yellow and red cases with their alerts) and a second pass that must find nothing left to do.

    .venv/bin/python bench/sweep.py [--size 1000000]

Uses its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/tongban_bench)."""

from __future__ import annotations

import sys
from pathlib import Path

# This file's name is a standard-library module's: keep its folder behind the standard library.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import time  # noqa: E402

from _bulk import copy_applications, reset_applications, setup_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    args = parser.parse_args()
    setup_django()
    from licensing.models import Applicant, Notification
    from licensing.workflow import deadlines_sweep
    from services.calendar import get_calendar
    from services.models import ServiceType

    reset_applications()
    applicant = Applicant.objects.first()
    services = list(ServiceType.objects.filter(status="published", components=[])
                    .values_list("pk", "authority_id"))
    calendar = get_calendar()
    today = dt.date(2025, 11, 20)

    def make_row(i, rng):
        service_pk, authority_pk = services[rng.randrange(len(services))]
        if rng.random() < 0.001:  # submitted and left unanswered past the 5 working days
            received = today - dt.timedelta(days=rng.randint(8, 12))
            due = calendar.add_working_days(received, 5)
            return {"case_number": f"S{i:010d}", "service_type_id": service_pk, "authority_id": authority_pk,
                    "applicant_id": applicant.pk, "state": "submitted", "received_on": received,
                    "acceptance_clock_from": received, "acceptance_due": due, "current_due": due,
                    "yellow_from": due, "submitted_at": dt.datetime.combine(received, dt.time(9), dt.UTC)}
        accepted = today - dt.timedelta(days=rng.randint(0, 30))
        committed = calendar.add_working_days(accepted, 14)
        yellow = calendar.working_day_at(calendar.nth_working_day_index(committed) - 2)
        return {"case_number": f"S{i:010d}", "service_type_id": service_pk, "authority_id": authority_pk,
                "applicant_id": applicant.pk, "state": "in_review", "received_on": accepted,
                "accepted_on": accepted, "committed_due": committed, "current_due": committed,
                "statutory_due": calendar.add_working_days(accepted, 20), "yellow_from": yellow,
                # yesterday's sweep already sent what was due before today
                "warned_on": yellow if yellow < today else None,
                "overdue_notified_on": committed + dt.timedelta(days=1) if committed + dt.timedelta(days=1) < today
                else None}

    seconds = copy_applications(args.size, make_row=make_row)
    print(f"loaded {args.size:,} open cases in {seconds:.1f} s")
    started = time.perf_counter()
    first = deadlines_sweep(on=today)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    second = deadlines_sweep(on=today)
    second_s = time.perf_counter() - started
    print(f"first sweep:  {first_s:7.2f} s  deemed {first.deemed_accepted:,}, yellow {first.warned:,}, "
          f"red {first.overdue:,}, alerts {Notification.objects.count():,}")
    print(f"second sweep: {second_s:7.2f} s  deemed {second.deemed_accepted}, yellow {second.warned}, "
          f"red {second.overdue} (idempotent)")
    reset_applications()


if __name__ == "__main__":
    main()
