"""The mixed-load test from one command: the production topology as the README deploys it (started by
tests/topology/deploy.py: PostgreSQL database of its own, a private redis-server, gunicorn with 3
workers, a Celery worker and beat), seeded with the accounts and certificates the load needs, then
Locust headless on loopback for a bounded time (bench/locustfile.py: applicants, officers,
supervisors, verifiers). Prints requests per second, p50 / p95 per request kind and the errors, and
stops every process by its PID (the topology's own die with this one if it is killed).

    .venv/bin/python bench/load.py [--time 60] [--users 24] [--spawn-rate 8]

The rate limits are raised for the run (every simulated client comes from 127.0.0.1); everything else
is the production recipe. Exits non-zero when any request failed."""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds files named like standard modules (queue.py, calendar.py): keep it off the path.
_HERE = Path(__file__).resolve().parent
ROOT = _HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import django  # noqa: E402

# This process only drives HTTP and reads Locust's figures; the filing's form data come from the test
# helpers, which need Django's apps loaded (the test settings: nothing here touches a database).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

from tests.licensing.conftest import PDF_BYTES, lab_data  # noqa: E402
from tests.topology import deploy, flows  # noqa: E402
from tests.topology.people import PASSWORD  # noqa: E402

SUPERVISOR = "load-supervisor"
# Every simulated client shares 127.0.0.1: the per-address limits would throttle the load itself.
LOAD_ENV = {
    "THROTTLE_VERIFY": "100000000/min",
    "THROTTLE_STATUS": "100000000/min",
    "TONGBAN_VERIFY_PAGE_LIMIT": "100000000",
    "TONGBAN_SWEEP_INTERVAL_SECONDS": "60",
}
SEED_CERTIFICATES = 3
SEED_QUEUE = 4

_topology_env = deploy.topology_env


def load_env(*args, **kwargs) -> dict:
    """The topology's environment (deploy.topology_env, whatever it takes) with the raised limits."""
    return {**_topology_env(*args, **kwargs), **LOAD_ENV}


def seed(topology: deploy.Topology) -> dict:
    """A supervisor who signs in through the form, a few issued certificates for the verifiers and a
    few submitted cases so the officers' queues have work from the first second."""
    topology.shell(
        "import json\n"
        "from django.contrib.auth import get_user_model\n"
        "from services.models import Authority, Officer, StaffRole\n"
        f"user = get_user_model().objects.create_user(username={SUPERVISOR!r}, password={PASSWORD!r})\n"
        "officer = Officer.objects.create(user=user, authority=Authority.objects.get(code='yn-kjt'))\n"
        "officer.roles.set(StaffRole.objects.filter(code='supervisor'))\n"
        "print(json.dumps({}))")
    people = {name.removeprefix("topo-"): topology.client(user=name) for name in topology.tokens}
    certificates = []
    for _ in range(SEED_CERTIFICATES):
        _pk, certificate = flows.issue_case(applicant=people["applicant"], intake=people["intake"],
                                            reviewer=people["reviewer"], approver=people["approver"])
        certificates.append({"verify_url": certificate["verify_url"]})
    for _ in range(SEED_QUEUE):
        flows.file_case(people["applicant"])
    return {"tokens": topology.tokens, "supervisor": [SUPERVISOR, PASSWORD], "certificates": certificates,
            "pdf": PDF_BYTES.decode("latin1"), "lab_data": lab_data()}


def locust(topology: deploy.Topology, config: Path, args, prefix: Path) -> int:
    command = [deploy.program(".venv/bin/locust"), "-f", str(_HERE / "locustfile.py"), "--headless",
               "--host", topology.url, "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
               "--run-time", f"{args.time}s", "--stop-timeout", "10", "--csv", str(prefix), "--only-summary",
               "--loglevel", "WARNING"]
    env = {**os.environ, "TONGBAN_LOAD_CONFIG": str(config)}
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        return process.wait(timeout=args.time + 120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def report(prefix: Path, seconds: float) -> int:
    """The per-kind table from Locust's CSV; the number of failed requests."""
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    kinds = sorted((r for r in rows if r["Name"] != "Aggregated"), key=lambda r: -int(r["Request Count"]))
    width = max(len(f"{r['Type']} {r['Name']}") for r in kinds)
    print(f"\n{'request kind':<{width}}  {'count':>7}  {'req/s':>7}  {'p50 ms':>7}  {'p95 ms':>7}  {'errors':>6}")
    for r in kinds:
        label = r["Name"] if r["Name"].startswith(r["Type"]) else f"{r['Type']} {r['Name']}"
        print(f"{label:<{width}}  {r['Request Count']:>7}  {float(r['Requests/s']):>7.1f}  {r['50%']:>7}  "
              f"{r['95%']:>7}  {r['Failure Count']:>6}")
    failures = int(total["Failure Count"])
    print(f"\nall: {total['Request Count']} requests in {seconds:.0f} s, {float(total['Requests/s']):.1f} req/s, "
          f"p50 {total['50%']} ms, p95 {total['95%']} ms, errors {failures}")
    if failures:
        with open(f"{prefix}_failures.csv", newline="") as handle:
            for r in csv.DictReader(handle):
                print(f"  {r['Occurrences']} × {r['Method']} {r['Name']}: {r['Error'][:200]}")
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time", type=int, default=60, help="seconds of load (Locust --run-time)")
    parser.add_argument("--users", type=int, default=24, help="simulated users (by weight: half of them verifiers)")
    parser.add_argument("--spawn-rate", type=float, default=8, help="users started per second")
    args = parser.parse_args()
    if args.time < 1 or args.users < 1 or args.spawn_rate <= 0:
        parser.error("--time and --users must be at least 1, --spawn-rate positive")
    deploy.topology_env = load_env
    with tempfile.TemporaryDirectory(prefix="tongban-load-") as folder:
        folder = Path(folder)
        print("starting the topology (migrate, catalog, calendar, keys, gunicorn, Celery) ...", flush=True)
        with deploy.started(folder) as topology:
            print(f"seeding on {topology.url} ...", flush=True)
            config = folder / "load.json"
            config.write_text(json.dumps(seed(topology), ensure_ascii=False))
            print(f"locust: {args.users} users for {args.time} s ...", flush=True)
            started = time.monotonic()
            code = locust(topology, config, args, folder / "locust")
            elapsed = time.monotonic() - started
            failures = report(folder / "locust", min(elapsed, args.time))
            server_errors = topology.processes["gunicorn"].output().count("Traceback")
            print(f"tracebacks in the gunicorn log: {server_errors}")
    sys.exit(1 if failures or server_errors or code not in (0, 1) else 0)


if __name__ == "__main__":
    main()
