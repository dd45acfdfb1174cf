"""Login lock-out across gunicorn workers: 3 workers behind a trusted proxy address (X-Forwarded-For names
the client), each request on a new connection so they spread over the workers. Prints what a guesser and
the real users get:

 (a) 8 wrong passwords for `approver` from one client address (the lock-out comes after 5, whichever
     worker answers);
 (b) the right password for `approver` from that address (refused), from another address (accepted),
     and the right password of `intake` from the first address (accepted).

    .venv/bin/python bench/lockout.py

Uses its own PostgreSQL database (BENCH_SECURITY_DATABASE_URL, default .../tongban_bench_security)."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]

import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

from _bulk import ROOT, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tongban_bench_security"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def login(port: int, username: str, password: str, client: str) -> tuple[int, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    start = time.perf_counter()
    connection.request("POST", "/api/v1/auth/token/", json.dumps({"username": username, "password": password}),
                       {"Content-Type": "application/json", "X-Forwarded-For": client})
    status = connection.getresponse().status
    connection.close()
    return status, (time.perf_counter() - start) * 1000


def main() -> None:
    url = setup_django(os.environ.get("BENCH_SECURITY_DATABASE_URL", DEFAULT_URL))
    from axes.models import AccessAttempt

    from django.conf import settings

    AccessAttempt.objects.all().delete()
    password = settings.TONGBAN_DEMO_PASSWORD
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings.test",
               TONGBAN_TRUSTED_PROXIES="127.0.0.1", THROTTLE_LOGIN="1000/min", LOG_LEVEL="WARNING")
    log = open(os.environ.get("BENCH_LOG", os.devnull), "w")  # noqa: SIM115
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", "3", "-b", f"127.0.0.1:{port}",
                               "config.wsgi:application"], cwd=ROOT, env=env,
                              stdout=log, stderr=log)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        for _ in range(9):  # warm every worker up (the first request imports the URLconf)
            warm = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            warm.request("GET", "/api/v1/services/")
            warm.getresponse().read()
            warm.close()
        guesser, other = "203.0.113.7", "198.51.100.9"
        answers = [login(port, "approver", "wrong-guess", guesser) for _ in range(8)]
        print("(a) 8 wrong passwords, approver @", guesser, "->", [status for status, _ms in answers],
              f"(median {sorted(ms for _s, ms in answers)[4]:.0f} ms)")
        print("(b) right password, approver @", guesser, "->", login(port, "approver", password, guesser)[0])
        print("    right password, approver @", other, "  ->", login(port, "approver", password, other)[0])
        print("    right password, intake   @", guesser, "->", login(port, "intake", password, guesser)[0])
        attempts = AccessAttempt.objects.filter(username="approver").values_list("ip_address", "failures_since_start")
        print("    access attempts stored for approver:", list(attempts), "(3 gunicorn workers)")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
