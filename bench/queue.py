"""Queue endpoint at 10k and 1M applications in PostgreSQL: p50/p95 of GET /api/v1/queue/ for an
intake officer and a reviewer, and the ratio between the two sizes.

    .venv/bin/python bench/queue.py [--sizes 10000 1000000] [--requests 200]

Uses its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/tongban_bench).
Most cases of a realistic year are closed; 5 % are open in one of the queues' states."""

from __future__ import annotations

import sys
from pathlib import Path

# This file's name is a standard-library module's: keep its folder behind the standard library.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import time  # noqa: E402

from _bulk import copy_applications, percentile, reset_applications, setup_django  # noqa: E402

OPEN_STATES = ["submitted", "in_review", "paused", "legal_review", "approved"]
CLOSED_STATES = ["issued", "refused", "withdrawn", "not_accepted"]


def load(size: int) -> float:
    from licensing.models import Applicant
    from services.models import Authority, ServiceType

    reset_applications()
    applicant = Applicant.objects.first()
    authorities = list(Authority.objects.values_list("pk", flat=True))
    services = list(ServiceType.objects.filter(status="published").values_list("pk", "authority_id"))
    today = dt.date.today()

    def make_row(i, rng):
        service_pk, authority_pk = services[rng.randrange(len(services))]
        is_open = rng.random() < 0.05
        state = rng.choice(OPEN_STATES) if is_open else rng.choice(CLOSED_STATES)
        due = today + dt.timedelta(days=rng.randint(-10, 30)) if is_open and state != "paused" else None
        return {
            "case_number": f"B{i:010d}", "service_type_id": service_pk,
            "authority_id": authority_pk if rng.random() < 0.9 else rng.choice(authorities),
            "applicant_id": applicant.pk, "state": state, "joint": False,
            "current_due": due, "yellow_from": due - dt.timedelta(days=2) if due else None,
            "received_on": today - dt.timedelta(days=rng.randint(0, 400)),
        }

    return copy_applications(size, make_row=make_row)


def time_queue(username: str, requests: int) -> tuple[float, float, int]:
    from rest_framework.test import APIClient

    from django.contrib.auth import get_user_model

    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username=username))
    timings = []
    count = 0
    for i in range(requests):
        params = [{}, {"warning": "red"}, {"stage": "intake"}, {"page": 2}][i % 4]
        started = time.perf_counter()
        response = client.get("/api/v1/queue/", params)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
        count = max(count, response.json()["count"])
    return percentile(timings, 0.5), percentile(timings, 0.95), count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    setup_django()
    results = {}
    for size in args.sizes:
        seconds = load(size)
        print(f"loaded {size:>9,} applications in {seconds:6.1f} s")
        for username in ("intake", "reviewer"):
            p50, p95, count = time_queue(username, args.requests)
            results[(size, username)] = (p50, p95)
            print(f"  queue as {username:<9} ({count:>6,} actionable): p50 {p50:7.2f} ms  p95 {p95:7.2f} ms")
    small, large = min(args.sizes), max(args.sizes)
    if small != large:
        for username in ("intake", "reviewer"):
            ratio50 = results[(large, username)][0] / results[(small, username)][0]
            ratio95 = results[(large, username)][1] / results[(small, username)][1]
            print(f"ratio {large:,}/{small:,} as {username}: p50 {ratio50:.2f}x, p95 {ratio95:.2f}x")
    reset_applications()


if __name__ == "__main__":
    main()
