"""Queue endpoint at 10k and 1M applications in PostgreSQL: p50/p95 of GET /api/v1/queue/ for an
intake officer and a reviewer against its floor — the same page served by a bare Django view that
runs one hand-written keyset SQL query (no DRF, no authentication lookups, rows as fetched) — the
ratio of the two (target <= 2x at p95), and the ratio between the two sizes (target <= 1.2x).

    .venv/bin/python bench/queue.py [--sizes 10000 1000000] [--requests 200]

Uses its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/tongban_bench).
Most cases of a realistic year are closed; 5 % are open in one of the queues' states. Requests cycle
through the first page, the red cases, the intake stage and the second page (the `next` cursor)."""

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
            "stage": rng.choice(["handling", "decision"]) if state == "in_review" else "",
            "current_due": due, "yellow_from": due - dt.timedelta(days=2) if due else None,
            "received_on": today - dt.timedelta(days=rng.randint(0, 400)),
        }

    return copy_applications(size, make_row=make_row)


# The floor's one statement: the page of an officer's queue, by keyset, with the columns the row shows.
FLOOR_SQL = """
SELECT a.id, a.case_number, st.code, st.name_zh, st.name_en, ap.name, a.state, a.stage, a.category,
       a.current_due, a.yellow_from, a.acceptance_due, a.committed_due, a.statutory_due, a.issuance_due,
       a.provisional, u.username, a.issue_error, a.submitted_at, p.case_number
FROM licensing_application a
JOIN services_servicetype st ON st.id = a.service_type_id
JOIN licensing_applicant ap ON ap.id = a.applicant_id
LEFT JOIN auth_user u ON u.id = a.claimed_by_id
LEFT JOIN licensing_application p ON p.id = a.parent_id
WHERE a.authority_id = %(authority)s AND NOT a.joint AND {work} {extra}
ORDER BY a.current_due ASC NULLS LAST, a.id ASC
LIMIT 51
"""
WORK = {"intake": "a.state = 'submitted'",
        "reviewer": "((a.state = 'in_review' AND a.stage = 'handling') OR a.state = 'paused')"}
VARIANTS = ["first", "red", "stage", "next"]


def floor_view(request):
    """The floor: one hand-written keyset query for the page, its rows as JSON."""
    from django.db import connection
    from django.http import JsonResponse

    role, variant = request.GET["role"], request.GET["variant"]
    params = {"authority": int(request.GET["authority"]), "today": request.GET["today"]}
    extra = ""
    if variant == "red":
        extra = "AND a.current_due < %(today)s"
    elif variant == "stage":
        extra = "AND a.state = 'submitted'"
    elif variant == "next":
        params["pk"] = int(request.GET["pk"])
        if request.GET.get("due"):
            params["due"] = request.GET["due"]
            extra = "AND ((a.current_due, a.id) > (%(due)s, %(pk)s) OR a.current_due IS NULL)"
        else:
            extra = "AND a.current_due IS NULL AND a.id > %(pk)s"
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL.format(work=WORK[role], extra=extra), params)
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return JsonResponse({"next": len(rows) > 50, "results": rows[:50]}, json_dumps_params={"default": str})


def _urls():
    """The project's URLs plus the floor's, as the URLconf of this run."""
    import types

    from django.conf import settings
    from django.urls import clear_url_caches, include, path

    module = types.ModuleType("bench_queue_urls")
    module.urlpatterns = [path("bench/queue-floor/", floor_view), path("", include(settings.ROOT_URLCONF))]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    clear_url_caches()


def time_queue(username: str, requests: int) -> tuple[tuple[float, float], tuple[float, float], int]:
    """(API p50, p95), (floor p50, p95) and the largest count, requests interleaved one by one."""
    from rest_framework.test import APIClient

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from licensing.permissions import officer_of

    user = get_user_model().objects.get(username=username)
    client = APIClient()
    client.force_authenticate(user)
    floor = Client()
    today = timezone.localdate().isoformat()
    first = client.get("/api/v1/queue/").json()
    last = first["results"][-1] if first["results"] else None
    api_params = {"first": {}, "red": {"warning": "red"}, "stage": {"stage": "intake"},
                  "next": {"cursor": first["next"].split("cursor=")[1]} if first["next"] else {}}
    floor_params = {"role": username, "authority": officer_of(user).authority_id, "today": today}
    if last:
        floor_params.update(due=last["current_due"] or "", pk=last["id"])
    api_times, floor_times = [], []
    from licensing.selectors import queue_for_officer

    count = queue_for_officer(user=user, on=timezone.localdate()).count()  # for the print, outside the timings
    for i in range(requests):
        variant = VARIANTS[i % 4] if first["next"] else VARIANTS[i % 3]
        started = time.perf_counter()
        response = client.get("/api/v1/queue/", api_params[variant])
        api_times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
        started = time.perf_counter()
        bare = floor.get("/bench/queue-floor/", {**floor_params, "variant": variant})
        floor_times.append((time.perf_counter() - started) * 1000)
        assert bare.status_code == 200, bare.content
        if i < 4:  # the floor serves the same page
            assert [r["id"] for r in response.json()["results"]] == [r["id"] for r in bare.json()["results"]], variant
    return ((percentile(api_times, 0.5), percentile(api_times, 0.95)),
            (percentile(floor_times, 0.5), percentile(floor_times, 0.95)), count)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    setup_django()
    _urls()
    results = {}
    for size in args.sizes:
        seconds = load(size)
        print(f"loaded {size:>9,} applications in {seconds:6.1f} s")
        for username in ("intake", "reviewer"):
            (p50, p95), (f50, f95), count = time_queue(username, args.requests)
            results[(size, username)] = (p50, p95)
            print(f"  queue as {username:<9} ({count:>6,} actionable): p50 {p50:7.2f} ms  p95 {p95:7.2f} ms;  "
                  f"floor p50 {f50:6.2f} ms  p95 {f95:6.2f} ms;  ratio p95 {p95 / f95:.2f}x (target <= 2x)")
    small, large = min(args.sizes), max(args.sizes)
    if small != large:
        for username in ("intake", "reviewer"):
            ratio50 = results[(large, username)][0] / results[(small, username)][0]
            ratio95 = results[(large, username)][1] / results[(small, username)][1]
            print(f"ratio {large:,}/{small:,} as {username}: p50 {ratio50:.2f}x, p95 {ratio95:.2f}x (target <= 1.2x)")
    reset_applications()


if __name__ == "__main__":
    main()
