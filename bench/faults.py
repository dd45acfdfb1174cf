"""Fault figures on the production topology (tests/topology/deploy.py: the README's recipe with
PostgreSQL, a private Redis, 3 gunicorn workers, Celery worker and beat), black-box over HTTP:

- PostgreSQL backends killed (pg_terminate_backend of all of them, 20 times at random moments 0.1–0.6 s
  apart) during 20 approvals (4 at a time);
- Redis stopped during 20 verifications and 20 suspensions, then restarted;
- a signing key marked compromised while Redis is stopped;
- rate limits measured with 3 workers against the configured ones, with Redis and without it.

Prints lost acts, "valid" answers for suspended or compromised certificates, cases approved without
a certificate or a visible reason after 60 s, 5xx responses, and measured vs configured limits.

    .venv/bin/python bench/faults.py [--cases 20]

Needs PostgreSQL at PG_TEST_URL's server (default 127.0.0.1:5432) and `redis-server` on the PATH."""

from __future__ import annotations

import sys
from pathlib import Path

# bench/calendar.py is a standard-library module's name: keep this folder behind the standard library,
# and the repository in front (the topology lives in tests/topology).
_HERE = Path(__file__).resolve().parent
REPO = _HERE.parent
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse  # noqa: E402
import contextlib  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

import django  # noqa: E402

# This process only drives HTTP; the form data of a filing comes from the test helpers, which need
# Django's apps loaded (the test settings: nothing here touches a database).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

from tests.topology.deploy import started  # noqa: E402
from tests.topology.flows import (  # noqa: E402
    approve,
    file_case,
    issue_case,
    review,
    verify_api,
    verify_page,
    wait_for_certificate,
)

VERIFY_PAGE_LIMIT, VERIFY_API_LIMIT, STATUS_API_LIMIT = 60, 120, 30  # the defaults the topology runs with
SETTLE_SECONDS = 60


def people(topology, source: str = "127.0.0.1") -> dict:
    return {role: topology.client(source, f"topo-{role}") for role in ("applicant", "intake", "reviewer", "approver")}


def fresh_window(seconds: int = 60, spare: float = 20) -> None:
    while time.time() % seconds > seconds - spare:
        time.sleep(0.2)


def killed_backends_during_approvals(topology, count: int) -> dict:
    who = people(topology)
    cases = []
    for _ in range(count):
        pk, _number, _password = file_case(who["applicant"])
        review(pk, intake=who["intake"], reviewer=who["reviewer"])
        cases.append(pk)
    stop, killed = threading.Event(), [0]

    def killer() -> None:  # one kill of every backend per approval, at random moments while they run
        for _ in range(count):
            if stop.wait(random.uniform(0.1, 0.6)):
                return
            killed[0] += topology.terminate_backends()

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda pk: _status(lambda: approve(pk, approver=who["approver"])), cases))
    stop.set()
    thread.join()
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline and _unsettled(topology, cases):
        time.sleep(1)
    states = dict(topology.sql("SELECT id, state FROM licensing_application WHERE id = ANY(%s)", (cases,)))
    reasons = dict(topology.sql("SELECT id, issue_error FROM licensing_application WHERE id = ANY(%s)", (cases,)))
    certified = {pk for (pk,) in topology.sql(
        "SELECT application_id FROM certificates_certificate WHERE application_id = ANY(%s)", (cases,))}
    decided = {pk for pk in cases if states[pk] in ("approved", "issued")}
    return {
        "approvals": count,
        "backends killed": killed[0],
        "5xx": sum(1 for status in answers if status >= 500),
        "answered 200": sum(1 for status in answers if status == 200),
        "other answers": sorted({status for status in answers if status != 200}),
        "lost acts (200, not approved)": sum(1 for pk, status in zip(cases, answers, strict=True)
                                             if status == 200 and pk not in decided),
        "committed but answered 5xx": sum(1 for pk, status in zip(cases, answers, strict=True)
                                          if status >= 500 and pk in decided),
        "committed, answered 409 with the approved state": sum(
            1 for pk, status in zip(cases, answers, strict=True) if status == 409 and pk in decided),
        f"approved without certificate or reason after {SETTLE_SECONDS} s": sum(
            1 for pk in decided if pk not in certified and not reasons[pk]),
        "issued": len(certified),
    }


def _status(call) -> int:
    try:
        return call().status_code
    except Exception:  # the connection itself failed: counted as a 5xx (nothing answered)
        return 599


def _unsettled(topology, cases: list[int]) -> bool:
    rows = topology.sql("SELECT count(*) FROM licensing_application a WHERE a.id = ANY(%s) AND a.state = 'approved' "
                        "AND a.issue_error = ''", (cases,))
    return rows[0][0] > 0


def redis_outage(topology, count: int) -> dict:
    who = people(topology, "127.0.0.20")
    certificates = []
    for _ in range(count):
        _pk, certificate = issue_case(applicant=who["applicant"], intake=who["intake"], reviewer=who["reviewer"],
                                      approver=who["approver"])
        certificates.append(certificate)
    pk, number, password = file_case(who["applicant"])
    review(pk, intake=who["intake"], reviewer=who["reviewer"])
    clients = [topology.client(f"127.0.0.{21 + i % 10}") for i in range(count)]
    valid_before = sum(verify_api(c, cert).json()["verdict"] == "valid" for c, cert in zip(clients, certificates,
                                                                                           strict=True))
    statuses, stale = [], 0
    topology.stop_redis()
    started_at = time.monotonic()
    for client, certificate in zip(clients, certificates, strict=True):  # 20 verifications
        statuses.append(_status(lambda c=client, cert=certificate: verify_api(c, cert)))
        statuses.append(_status(lambda c=client, cert=certificate: verify_page(c, cert)))
    for client, certificate in zip(clients, certificates, strict=True):  # 20 suspensions
        statuses.append(_status(lambda cert=certificate: who["approver"].post(
            f"/api/v1/certificates/{cert['id']}/suspend/", json={"reason": "Redis 停止期间暂停"})))
        answer = verify_api(client, certificate)
        statuses.append(answer.status_code)
        stale += answer.json().get("verdict") == "valid"
    statuses.append(_status(lambda: topology.client("127.0.0.40").get(
        "/api/v1/status/", params={"case_number": number, "password": password})))
    statuses.append(_status(lambda: topology.client("127.0.0.40").post(
        "/api/v1/auth/token/", json={"username": "topo-intake", "password": "topology-password-7f3c"})))
    statuses.append(_status(lambda: approve(pk, approver=who["approver"])))
    issued_without_broker = _issued(pk, who["approver"])
    outage = time.monotonic() - started_at
    topology.start_redis()
    time.sleep(6)
    after = [verify_api(c, cert).json()["verdict"] for c, cert in zip(clients, certificates, strict=True)]
    return {
        "certificates": count, "valid before": valid_before, "outage seconds": round(outage, 1),
        "requests during the outage": len(statuses), "5xx": sum(1 for s in statuses if s >= 500),
        "'valid' while suspended (outage)": stale,
        "'valid' while suspended (Redis back)": after.count("valid"),
        "issued with the broker away": issued_without_broker,
    }


def _issued(pk: int, client) -> bool:
    try:
        wait_for_certificate(pk, client, timeout=30)
        return True
    except AssertionError:
        return False


def compromise_during_outage(topology) -> dict:
    who = people(topology, "127.0.0.41")
    _pk, certificate = issue_case(applicant=who["applicant"], intake=who["intake"], reviewer=who["reviewer"],
                                  approver=who["approver"])
    client = topology.client("127.0.0.42")
    before = [verify_api(client, certificate).json()["verdict"] for _ in range(6)]
    topology.stop_redis()
    topology.shell("import json; from certificates.models import SigningKey; "
                   "from certificates.keys import signing_key_mark_compromised; "
                   "key = SigningKey.objects.get(authority__code='yn-kjt', purpose='document', status='active'); "
                   "signing_key_mark_compromised(key=key); print(json.dumps({}))")
    time.sleep(10.5)
    during = [verify_api(client, certificate).json()["verdict"] for _ in range(15)]
    topology.start_redis()
    time.sleep(6)
    after = [verify_api(client, certificate).json()["verdict"] for _ in range(15)]
    return {"valid before": before.count("valid"), "'valid' 10 s after (Redis stopped)": during.count("valid"),
            "'valid' after Redis is back": after.count("valid")}


def rate_limits(topology, certificate: dict, source_base: int) -> dict:
    """Allowed requests of a burst from one address with 6 client threads over the 3 workers."""
    figures = {}
    page = topology.client(f"127.0.1.{source_base}")
    fresh_window()
    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(lambda _: _status(lambda: verify_page(page, certificate)), range(VERIFY_PAGE_LIMIT + 40)))
    figures["/C/ page"] = (codes.count(200), VERIFY_PAGE_LIMIT, sum(c >= 500 for c in codes))
    api = topology.client(f"127.0.1.{source_base + 1}")
    fresh_window()
    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(lambda _: _status(lambda: verify_api(api, certificate)), range(VERIFY_API_LIMIT + 40)))
    figures["verify API"] = (codes.count(200), VERIFY_API_LIMIT, sum(c >= 500 for c in codes))
    status = topology.client(f"127.0.1.{source_base + 2}")
    codes = [_status(lambda: status.get("/api/v1/status/", params={"case_number": "X", "password": "y"}))
             for _ in range(STATUS_API_LIMIT + 10)]
    figures["status API (sequential)"] = (sum(1 for c in codes if c != 429), STATUS_API_LIMIT,
                                          sum(c >= 500 for c in codes))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--only", action="append", choices=["limits", "database", "redis", "compromise"],
                        help="run only these parts (repeatable; default: all)")
    parser.add_argument("--keep", metavar="FOLDER", help="keep the processes' logs in FOLDER (default: removed)")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        if args.keep:
            Path(args.keep).mkdir(parents=True, exist_ok=True)
            folder = args.keep
        else:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="tongban-faults-"))
        topology = stack.enter_context(started(Path(folder)))
        run(topology, args)


def run(topology, args) -> None:
    print(f"topology up: {topology.url}, database {topology.database}, redis :{topology.redis.port}", flush=True)
    wanted = set(args.only or ("limits", "database", "redis", "compromise"))
    limits, report = {}, {}
    if "limits" in wanted:
        who = people(topology)
        _pk, certificate = issue_case(applicant=who["applicant"], intake=who["intake"], reviewer=who["reviewer"],
                                      approver=who["approver"])
        limits["with Redis"] = rate_limits(topology, certificate, 10)
        topology.stop_redis()
        limits["Redis stopped (database cache)"] = rate_limits(topology, certificate, 20)
        topology.start_redis()
        time.sleep(6)
    if "database" in wanted:
        report[f"PostgreSQL backends killed during {args.cases} approvals"] = killed_backends_during_approvals(
            topology, args.cases)
    if "redis" in wanted:
        report[f"Redis stopped during {args.cases} verifications and {args.cases} suspensions"] = redis_outage(
            topology, args.cases)
    if "compromise" in wanted:
        report["signing key compromised while Redis is stopped"] = compromise_during_outage(topology)
    for title, figures in report.items():
        print(f"\n{title}")
        for name, value in figures.items():
            print(f"  {name:<58} {value}")
    print("\nrate limits, 3 gunicorn workers (allowed / configured, 5xx)")
    for mode, figures in limits.items():
        for name, (allowed, configured, errors) in figures.items():
            print(f"  {mode:<32} {name:<26} {allowed:>4} / {configured:<4} 5xx {errors}")
    server_errors = topology.processes["gunicorn"].output().count(" 500 ")
    print(f"\ngunicorn access log lines with status 500: {server_errors}")


if __name__ == "__main__":
    main()
