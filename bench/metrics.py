"""Per-service processing-time report at 1M closed cases in PostgreSQL: times
licensing.metrics.selectors.processing_times() — every service, with baselines, reductions and the
bootstrap interval, read from the rollup — against its floor, one hand-written SQL aggregate
(percentile_cont over the rows) computing the same figures, and prints both and their ratio
(target <= 0.05x). Also times the same report from the rows (the path of a period that is not whole
months), the rollup's rebuild, and the supervisor's dashboard page (target <= 300 ms), and checks
that the rollup and the rows give identical figures.

    .venv/bin/python bench/metrics.py [--cases 1000000] [--runs 5] [--keep]

Uses its own database (BENCH_METRICS_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/tongban_bench_metrics), loaded with COPY."""

from __future__ import annotations

import sys
from pathlib import Path

# This folder holds calendar.py and queue.py, standard-library names: keep it behind the standard library.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from _bulk import copy_applications, reset_applications, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tongban_bench_metrics"

# service: (share of cases, typical headline days (low, mode, high), committed, statutory)
MIX = {
    "lab-animal-production": (0.12, (4, 10, 16), 14, 20),
    "lab-animal-use": (0.25, (4, 10, 16), 14, 20),
    "lab-animal-change": (0.10, (1, 3, 7), 5, 20),
    "lab-animal-renewal": (0.08, (4, 9, 15), 14, 20),
    "lab-animal-cancel": (0.03, (1, 2, 4), 3, 20),
    "foreign-work-permit": (0.22, (2, 6, 11), 10, 20),
    "foreign-residence-permit": (0.10, (2, 6, 14), 15, 15),
    "foreign-talent-one-stop": (0.10, (4, 8, 14), 7, 20),
}

# The same figures in one statement, written as one would by hand (one sort per column for both
# percentiles, FILTER for the cases that are not counted).
HAND_SQL = """
SELECT service_code,
       COUNT(*) FILTER (WHERE counted),
       AVG(headline_days) FILTER (WHERE counted),
       percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY headline_days) FILTER (WHERE counted),
       MAX(headline_days) FILTER (WHERE counted),
       {durations}
       COUNT(*) FILTER (WHERE counted AND on_time_committed),
       COUNT(*) FILTER (WHERE counted AND on_time_statutory),
       AVG(paused_days) FILTER (WHERE counted),
       COUNT(*) FILTER (WHERE outcome = 'withdrawn'),
       COUNT(*) FILTER (WHERE outcome = 'not_accepted')
FROM licensing_casemetrics
GROUP BY service_code
""".format(durations="".join(
    f"AVG({d}) FILTER (WHERE counted), percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY {d}) "
    f"FILTER (WHERE counted), MAX({d}) FILTER (WHERE counted),\n"
    for d in ("receipt_to_acceptance", "acceptance_to_decision", "decision_to_issuance", "receipt_to_issuance")))


def load(cases: int) -> tuple[float, float]:
    """`cases` closed applications and their stored figures; 95 % decided, the rest withdrawn or
    not accepted; decisions spread over 2021–2025."""
    from django.db import connection

    from licensing.metrics.models import CaseMetrics
    from licensing.metrics.services import legacy_cases_import
    from licensing.metrics.simulation import legacy_cohort_csv
    from licensing.models import Applicant
    from services.models import Authority, ServiceType

    reset_applications()
    applicant = Applicant.objects.first()
    services = {s.code: s for s in ServiceType.objects.filter(status="published")}
    authorities = list(Authority.objects.values_list("pk", flat=True))
    codes = list(MIX)
    weights = [MIX[c][0] for c in codes]
    rng = random.Random(11)
    plan = [rng.choices(codes, weights)[0] for _ in range(cases)]
    start = dt.date(2021, 1, 4)

    def make_row(i, rng):
        service = services[plan[i]]
        return {"case_number": f"M{i:010d}", "service_type_id": service.pk, "authority_id": service.authority_id,
                "applicant_id": applicant.pk, "state": "issued", "joint": bool(service.components)}

    seconds = copy_applications(cases, make_row=make_row)
    started = time.perf_counter()
    fields = [f for f in CaseMetrics._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    now = dt.datetime.now(dt.UTC)
    raw = connection.connection
    with raw.cursor() as cursor, cursor.copy(f"COPY licensing_casemetrics ({', '.join(columns)}) FROM STDIN") as copy:
        for i in range(cases):
            code = plan[i]
            _share, (low, mode, high), committed, statutory = MIX[code]
            service = services[code]
            roll = rng.random()
            outcome = "issued" if roll < 0.90 else "refused" if roll < 0.95 else (
                "withdrawn" if roll < 0.98 else "not_accepted")
            counted = outcome in ("issued", "refused")
            decided = start + dt.timedelta(days=rng.randrange(5 * 365))
            headline = max(0, round(rng.triangular(low, high, mode))) if counted else None
            paused = rng.choice([0, 0, 0, 3, 5, 8]) if counted else 0
            to_acceptance = rng.choice([0, 1, 1, 2, 3]) if counted else None
            issuance = 0 if outcome == "issued" else None
            values = {
                "application_id": i + 1, "service_type_id": service.pk, "service_code": code,
                "authority_id": service.authority_id if rng.random() < 0.9 else rng.choice(authorities),
                "category": "", "joint": bool(service.components), "track": False, "outcome": outcome,
                "counted": counted, "received_on": decided - dt.timedelta(days=30), "accepted_on": None,
                "decided_on": decided if counted else None, "issued_on": decided if issuance == 0 else None,
                "closed_on": decided, "period_on": decided, "deemed_accepted": False,
                "receipt_to_acceptance": to_acceptance, "acceptance_to_decision": headline,
                "decision_to_issuance": issuance,
                "receipt_to_issuance": headline + to_acceptance + paused if counted else None,
                "headline_days": headline, "paused_days": paused, "extension_days": 0, "correction_rounds": 0,
                "committed_limit": committed, "statutory_limit": statutory,
                "on_time_committed": headline <= committed if counted else None,
                "on_time_statutory": headline <= statutory if counted else None, "trips": 0,
                "materials_submitted": 6, "commitments_signed": 2, "computed_at": now,
            }
            copy.write_row([values[c] for c in columns])
    raw.commit()
    from licensing.metrics.models import LegacyCase

    LegacyCase.objects.all().delete()
    legacy_cases_import(text=legacy_cohort_csv(seed=7), file_name="legacy_cohort_2022.csv", replace=True)
    return seconds, time.perf_counter() - started


def rollup_current() -> bool:
    """Whether the rollup counts exactly the stored rows (per service), as after a rebuild."""
    from django.db.models import Count, Sum

    from licensing.metrics.models import CaseMetrics, MetricsRollup

    rows = dict(CaseMetrics.objects.order_by().values_list("service_code").annotate(n=Count("*")))
    buckets = dict(MetricsRollup.objects.filter(figure="cases").order_by().values_list("service_code")
                   .annotate(n=Sum("cases")))
    return bool(rows) and rows == buckets


def timed(functions, runs: int) -> list[list[float]]:
    """Run the functions in turn, `runs` rounds (interleaved, so that load on the machine hits both)."""
    timings: list[list[float]] = [[] for _ in functions]
    for _ in range(runs):
        for fn, times in zip(functions, timings, strict=True):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="reuse the rows already loaded")
    args = parser.parse_args()
    setup_django(os.environ.get("BENCH_METRICS_DATABASE_URL", DEFAULT_URL))
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from licensing.metrics.models import CaseMetrics, MetricsRollup
    from licensing.metrics.rollup import rollup_rebuild
    from licensing.metrics.selectors import processing_times

    if not args.keep or CaseMetrics.objects.count() != args.cases:
        apps_s, metrics_s = load(args.cases)
        print(f"loaded {args.cases:,} applications in {apps_s:.1f} s and their figures in {metrics_s:.1f} s")
    if not args.keep or not rollup_current():
        # The rows were COPYed, not recorded case by case: build the rollup as --recompute does.
        started = time.perf_counter()
        buckets = rollup_rebuild()
        print(f"rollup rebuilt from the rows: {buckets:,} buckets in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        # What autovacuum does to an insert-only table in production: statistics and the visibility
        # map, so that the distribution (per-service histogram) is an index-only scan.
        cursor.execute("VACUUM ANALYZE licensing_casemetrics")
        cursor.execute("SHOW work_mem")
        work_mem = cursor.fetchone()[0]
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(",")[0]
    print(f"{version}; work_mem {work_mem}; {CaseMetrics.objects.count():,} case rows, "
          f"{MetricsRollup.objects.count():,} rollup buckets; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")

    def report():
        return processing_times()

    def report_rows():
        return processing_times(use_rollup=False)

    def hand():
        with connection.cursor() as cursor:
            cursor.execute(HAND_SQL)
            return cursor.fetchall()

    client = Client()
    client.force_login(get_user_model().objects.get(username="supervisor"))

    def dashboard():
        response = client.get("/dashboard/")
        assert response.status_code == 200, response.status_code

    report()  # warm the catalog queries and the plan cache once, as a running server would be
    hand()
    dashboard()
    report_all, hand_all, dashboard_all = timed([report, hand, dashboard], args.runs)
    report_s, hand_s = statistics.median(report_all), statistics.median(hand_all)
    dashboard_s = statistics.median(dashboard_all)
    rows_all = timed([report_rows], max(1, min(args.runs, 3)))[0]
    rows_s = statistics.median(rows_all)
    figures = report()
    assert figures == report_rows(), "the rollup and the rows disagree"
    rows = {row[0]: row for row in hand()}
    for code, f in figures.items():  # and both agree with the hand-written aggregate
        assert f["count"] == rows[code][1] and abs(f["median"] - rows[code][3][0]) < 0.01, code
        assert abs(f["p90"] - rows[code][3][1]) < 0.01 and f["max"] == rows[code][4], code

    def runs(values):
        return ", ".join(f"{t * 1000:.0f}" for t in values)

    print(f"processing_times() from the rollup: median {report_s * 1000:8.1f} ms  (runs: {runs(report_all)})")
    print(f"floor, hand-written percentile_cont over the rows: median {hand_s * 1000:8.1f} ms  "
          f"(runs: {runs(hand_all)})")
    print(f"ratio rollup report / floor: {report_s / hand_s:.3f}x   target <= 0.05x")
    print(f"processing_times() from the rows (periods not made of whole months): median {rows_s * 1000:8.1f} ms "
          f"= {rows_s / hand_s:.2f}x the floor  (runs: {runs(rows_all)})")
    print(f"GET /dashboard/ (supervisor, every service): median {dashboard_s * 1000:8.1f} ms  "
          f"(runs: {runs(dashboard_all)})   target <= 300 ms")
    print("figures: rollup == rows (every service, every figure)")
    lab = figures.get("lab-animal-use")
    if lab:
        print(f"lab-animal-use: n={lab['count']:,} median {lab['median']} vs 63 → "
              f"{lab['reduction']['vs_legacy_limit']['median']:.1%}; vs cohort "
              f"{lab['reduction'].get('vs_measured', {}).get('median')}, CI {lab['reduction'].get('ci95')}")


if __name__ == "__main__":
    main()
