"""The deadline sweep over 1M open cases in PostgreSQL, in steady state: cases accepted over the last
30 days, earlier days' warnings already sent. Times one day's sweep (that day's deemed acceptances,
new yellow and red cases with their alerts) and a second pass that must find nothing left to do,
against a floor measured in the same run: hand-written statements that make the same rows' bare
changes (one `UPDATE … FROM` over the cases the sweep changes, one `INSERT … SELECT` of as many
alert rows), rolled back. The deemed cases' log chains are verified afterwards.

As in production, the e-mail jobs of the notices go to a broker (BENCH_BROKER_URL, default
redis://127.0.0.1:6379/15, emptied afterwards) for the workers to deliver; delivering them in the
sweep's process (no broker) adds one transaction per e-mail and is not the sweep's own work.

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
import os  # noqa: E402
import time  # noqa: E402

from _bulk import copy_applications, reset_applications, setup_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    args = parser.parse_args()
    setup_django()
    import redis

    from django.conf import settings

    broker = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/15")
    settings.CELERY_BROKER_URL, settings.CELERY_TASK_ALWAYS_EAGER = broker, False
    queue = redis.Redis.from_url(broker)
    queue.delete("celery")
    from licensing.models import Applicant, Application, Notification
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
    floor_s, floor_rows = floor(today, alerts_per_case=alerts_per_case())
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
    print(f"floor:        {floor_s:7.2f} s  hand-written UPDATE … FROM over the same {floor_rows:,} cases "
          f"and INSERT … SELECT of their alerts (committed, then put back untimed)")
    print(f"ratio: first sweep {first_s / floor_s:.2f}× the floor; second sweep {second_s:.2f} s (target ≤ 1 s)")
    print(f"e-mail jobs handed to the broker: {queue.llen('celery'):,}")
    queue.delete("celery")
    from licensing.caselog import verify_case_log

    deemed = list(Application.objects.filter(deemed_accepted=True).values_list("pk", flat=True))
    checked, breaks = verify_case_log(application_ids=deemed)
    print(f"case log of the {len(deemed):,} deemed cases: {checked:,} rows, {len(breaks)} breaks")
    if breaks or second.deemed_accepted or second.warned or second.overdue or len(deemed) != first.deemed_accepted:
        raise SystemExit("the sweep did not do what it should")
    reset_applications()


def alerts_per_case() -> float:
    """How many officers an alert goes to, on average over the authorities of the loaded cases (the
    seeded officers: supervisors and, for unclaimed cases, the case officers)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*)::float / greatest(1, (SELECT count(DISTINCT authority_id) FROM services_officer))
            FROM services_officer o
            WHERE EXISTS (SELECT 1 FROM services_officer_roles r JOIN services_staffrole s ON s.id = r.staffrole_id
                          WHERE r.officer_id = o.id
                            AND s.code IN ('supervisor', 'reviewer', 'approver', 'intake'))""")
        return cursor.fetchone()[0]


# The cases one day's sweep changes: deemed, warned yellow, flagged red (the floor's own predicate).
_FLOOR_CASES = """
    (state = 'submitted' AND acceptance_due < %(on)s)
    OR (current_due IS NOT NULL AND yellow_from <= %(on)s AND current_due >= %(on)s AND warned_on IS NULL)
    OR (current_due < %(on)s AND overdue_notified_on IS NULL)"""


def checkpoint() -> None:
    """Write every dirty page now (untimed), so that what is timed next starts from a checkpoint: the
    floor and the sweep then pay the same full-page images in the WAL and no forced checkpoint of the
    other's writes. Needs a superuser or pg_checkpoint; without them, skipped."""
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError as exc:
        print(f"(no CHECKPOINT before the timed run: {exc})")


def floor(today: dt.date, *, alerts_per_case: float) -> tuple[float, int]:
    """The same rows' bare changes in hand-written SQL, committed and timed: one UPDATE … FROM over
    the cases the sweep deems, warns or flags overdue, and one INSERT … SELECT of as many alerts.
    Afterwards (untimed) the rows are put back as they were and the alerts deleted, and both tables
    are vacuumed, so the sweep finds what it would have found. Committed like the sweep: a commit
    waits for the WAL of everything it wrote to reach the disk, a rollback does not."""
    from django.db import connection, transaction

    copies = max(1, round(alerts_per_case))
    with connection.cursor() as cursor:
        cursor.execute(f"""
            CREATE TEMP TABLE floor_before AS
            SELECT id, state, accepted_on, warned_on, overdue_notified_on FROM licensing_application
            WHERE {_FLOOR_CASES}""", {"on": today})
        cursor.execute("SELECT coalesce(max(id), 0) FROM licensing_notification")
        last_alert = cursor.fetchone()[0]
    checkpoint()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"""
            UPDATE licensing_application AS a
            SET state = CASE WHEN v.kind = 'deem' THEN 'in_review' ELSE a.state END,
                accepted_on = CASE WHEN v.kind = 'deem' THEN a.acceptance_clock_from ELSE a.accepted_on END,
                warned_on = CASE WHEN v.kind = 'yellow' THEN %(on)s ELSE a.warned_on END,
                overdue_notified_on = CASE WHEN v.kind = 'red' THEN %(on)s ELSE a.overdue_notified_on END
            FROM (SELECT id, CASE WHEN state = 'submitted' AND acceptance_due < %(on)s THEN 'deem'
                                  WHEN current_due < %(on)s THEN 'red' ELSE 'yellow' END AS kind
                  FROM licensing_application
                  WHERE {_FLOOR_CASES}) AS v
            WHERE a.id = v.id
            RETURNING a.id""", {"on": today})
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT min(user_id) FROM services_officer")
        user_id = cursor.fetchone()[0]
        cursor.execute("""
            INSERT INTO licensing_notification (user_id, application_id, kind, certificate_number, subject, body,
                                                created_at)
            SELECT %s, a.id, '', '', a.case_number, '', now()
            FROM licensing_application a CROSS JOIN generate_series(1, %s)
            WHERE a.id = ANY(%s)""", [user_id, copies, ids])
    seconds = time.perf_counter() - started
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("""
            UPDATE licensing_application AS a
            SET state = b.state, accepted_on = b.accepted_on, warned_on = b.warned_on,
                overdue_notified_on = b.overdue_notified_on
            FROM floor_before AS b WHERE a.id = b.id""")
        cursor.execute("DELETE FROM licensing_notification WHERE id > %s", [last_alert])
        cursor.execute("DROP TABLE floor_before")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE licensing_application, licensing_notification")
    checkpoint()
    return seconds, len(ids)


if __name__ == "__main__":
    main()
