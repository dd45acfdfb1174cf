"""Certificates benchmark, all figures measured in one run on this machine:

 (a) token verification in-process (URL → digits → COSE → claims → ES256) vs a raw ES256 verify of the
     same bytes — target ≤ 1.3×;
 (b) issuing one certificate (database, number, token, render, QR, PAdES, storage, case update) vs the
     floor of reportlab rendering the same page plus pyHanko signing it — target ≤ 1.2×;
 (c) HTTP verification throughput (POST /api/v1/certificates/verify/, the lean path of config/lean.py)
     vs a bare Django JSON view, both under gunicorn (production settings, Redis) with the same workers
     and client — target ≥ 0.75. Besides, a ladder of ceilings: the bare view with one ES256 verify
     inside (asked with a GET, then with the POST of the token's JSON), and the lean path's own
     middleware and route in front of a view that reads the body and makes one ES256 verify
     (bench/_lean_floor_wsgi.py). Every server runs at once and the load goes round them in rounds.
     --full also measures the endpoint with the lean path turned off (TONGBAN_LEAN_VERIFY=false).

    .venv/bin/python bench/certificates.py [--issue 20] [--seconds 10] [--runs 3] [--full]

With --runs N every figure is measured N times and min / median / max are printed at the end.
Uses its own PostgreSQL database (BENCH_DATABASE_URL, default .../tongban_bench)."""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds files named like standard modules (queue.py, calendar.py): keep it behind the standard
# library before anything (http.client imports calendar) is imported.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from _bulk import ROOT, setup_django  # noqa: E402
from _timing import paired  # noqa: E402


def bench_tokens() -> float:
    import cbor2
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    from certificates.core.cose import raw_to_der
    from certificates.core.tokens import digits_from_url_or_digits, digits_to_token, token_to_digits, verify_token
    from certificates.keys import trusted_keys
    from certificates.models import Certificate

    certificate = Certificate.objects.first()
    url = f"HTTPS://V.EXAMPLE.GOV.CN/C/{token_to_digits(bytes(certificate.token))}"
    keys = trusted_keys()
    protected, _unprotected, payload, signature = cbor2.loads(bytes(certificate.token)).value
    message = cbor2.dumps(["Signature1", protected, b"", payload])
    der = raw_to_der(signature)
    public = keys[bytes.fromhex(certificate.signing_key.kid)][0]
    algorithm = ec.ECDSA(hashes.SHA256())
    ours, _best, raw, _raw_best, ratio = paired(
        lambda: verify_token(digits_to_token(digits_from_url_or_digits(url)), keys_by_kid=keys),
        lambda: public.verify(der, message, algorithm), loops=500, pairs=15)
    print(f"(a) token verify {ours * 1e3:.3f} ms vs raw ES256 {raw * 1e3:.3f} ms: {ratio:.2f}x (target ≤ 1.3; "
          f"the median of 15 ratios of alternating blocks)")
    return ratio


def approved_cases(count: int) -> list:
    import time_machine

    from django.contrib.auth import get_user_model

    from licensing import issuance, workflow
    from licensing.models import Applicant
    from services.selectors import service_type_current
    from tests.licensing.conftest import fill_materials, lab_data

    users = {u.username: u for u in get_user_model().objects.filter(username__in=["intake", "reviewer", "approver"])}
    applicant = Applicant.objects.get(user__username="applicant")
    service = service_type_current(code="lab-animal-use")
    saved = dict(issuance.issuers)
    issuance.issuers.clear()
    issuance.issuers["*"] = lambda **kw: None
    cases = []
    try:
        with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC), tick=False):
            for _ in range(count):
                app = workflow.application_create(applicant=applicant, service_type=service, data=lab_data(),
                                                  actor=applicant.user)
                fill_materials(app, on=dt.date(2026, 3, 2))
                workflow.application_submit(application=app, actor=applicant.user)
                workflow.application_accept(application=app, actor=users["intake"])
                workflow.application_recommend(application=app, actor=users["reviewer"],
                                               opinion="经审查，符合法定条件，建议准予许可。")
                workflow.application_approve(application=app, actor=users["approver"], opinion="同意")
                cases.append(app)
    finally:
        issuance.issuers.clear()
        issuance.issuers.update(saved)
    return cases


def bench_issue(count: int) -> float:
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from certificates import keys
    from certificates.core.pades import sign_pdf
    from certificates.core.pdf import render_certificate_pdf
    from certificates.models import Certificate
    from certificates.services import certificate_issue

    approver = get_user_model().objects.get(username="approver")
    cases = approved_cases(count + 1)
    certificate_issue(application=cases.pop(), actor=approver)  # warm-up: font, key decryption paths
    issued = Certificate.objects.order_by("-id").first()
    key, cert, root = keys.chain(issued.signing_key)
    from certificates.core.pdf import CertificatePdfData
    from certificates.links import verify_url

    data = CertificatePdfData(authority_name=issued.authority.name_zh, authority_name_en=issued.authority.name_en,
                              title_zh="实验动物使用许可证", title_en="Laboratory Animal Use Licence",
                              number=issued.number, identifier=issued.identifier,
                              holder_rows=[("单位名称", "Holder", issued.holder_name),
                                           ("统一社会信用代码", "Credit code", issued.holder_code),
                                           ("法定代表人", "Legal representative", "孙所长"),
                                           ("设施地址", "Facility address", issued.facility_address),
                                           ("适用范围", "Scope", issued.scope)],
                              issue_date=issued.valid_from, valid_from=issued.valid_from, valid_to=issued.valid_to,
                              qr_url=verify_url(cose=bytes(issued.token)),
                              seal_text=issued.authority.name_zh, seal_label="行政许可专用章", footer_note="x")

    def floor() -> None:
        pdf = render_certificate_pdf(data, font_path=settings.TONGBAN_CJK_FONT)
        sign_pdf(pdf, signing_key=key, signing_cert=cert, root_cert=root, reason="电子证照签发", location="x")

    floor()
    issue_times, floor_times = [], []
    for app in cases:  # one issue, then one floor: a slow spell of the machine falls on both
        start = time.perf_counter()
        certificate_issue(application=app, actor=approver)
        issue_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        floor()
        floor_times.append(time.perf_counter() - start)
    ours, floor_s = statistics.median(issue_times), statistics.median(floor_times)
    ratio = statistics.median(a / b for a, b in zip(issue_times, floor_times, strict=True))
    print(f"(b) issue {ours * 1e3:.1f} ms vs render+sign floor {floor_s * 1e3:.1f} ms: {ratio:.2f}x "
          f"(target ≤ 1.2; {count} certificates, each followed by the floor: the median of their ratios)")
    return ratio


def _load(port: int, path: str, body: bytes | None, seconds: float, threads: int) -> float:
    counts = [0] * threads
    deadline = time.monotonic() + seconds

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        headers = {"Content-Type": "application/json"} if body else {}
        while time.monotonic() < deadline:
            conn.request("POST" if body else "GET", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path}: HTTP {response.status}")
            counts[i] += 1
        conn.close()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(counts) / seconds


def _serve(app: str, port: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), app, "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning"], cwd=ROOT, env=env)
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{app} did not start")


def bench_http(seconds: float, url: str, *, full: bool = False) -> dict[str, float]:
    from certificates.core.tokens import token_to_digits
    from certificates.models import Certificate

    token = token_to_digits(bytes(Certificate.objects.first().token))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": "bench-" * 10,
           "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "false", "DATABASE_URL": url,
           "THROTTLE_VERIFY": "100000000/min", "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")}
    body = json.dumps({"token": token}).encode()
    # name → (server, path, body): the bare app serves two rungs of the ladder.
    rungs = {
        "bare": ("bare", "/bare/", None),
        "bare+ES256": ("bare", "/bare-verify/", None),
        "bare+POST+ES256": ("bare", "/bare-verify/", body),
        "lean+ES256": ("lean floor", "/api/v1/certificates/verify/", body),
        "verify": ("tongban", "/api/v1/certificates/verify/", body),
    }
    apps = {"bare": ("bench._bare_wsgi:application", env), "lean floor": ("bench._lean_floor_wsgi:application", env),
            "tongban": ("config.wsgi:application", env)}
    if full:
        rungs["verify (full path)"] = ("tongban, full path", "/api/v1/certificates/verify/", body)
        apps["tongban, full path"] = ("config.wsgi:application", {**env, "TONGBAN_LEAN_VERIFY": "false"})
    # Every server runs at once (idle while another is loaded), and the load goes round them in four
    # rounds: a slow spell of a shared machine is spread over every figure instead of falling on one.
    from tests.topology.deploy import free_port

    ports = {name: free_port() for name in apps}
    processes = {}
    results = dict.fromkeys(rungs, 0.0)
    rounds = 4
    try:
        for name, (app, server_env) in apps.items():
            processes[name] = _serve(app, ports[name], server_env)
        for server, path, request_body in rungs.values():
            _load(ports[server], path, request_body, 1.0, 4)  # warm-up
        for _ in range(rounds):
            for rung, (server, path, request_body) in rungs.items():
                results[rung] += _load(ports[server], path, request_body, seconds / rounds, 4) / rounds
    finally:
        for process in processes.values():
            process.terminate()
            process.wait()
    bare, ours = results["bare"], results["verify"]
    print(f"(c) verify {ours:.0f} req/s vs bare Django JSON {bare:.0f} req/s under gunicorn (2 workers, 4 client "
          f"threads): {ours / bare:.2f} (target ≥ 0.75); ceiling, one ES256 verify in the bare view: "
          f"{results['bare+ES256']:.0f} req/s, {results['bare+ES256'] / bare:.2f}")
    print(f"    the bare view with one ES256 verify, asked with the POST of the token's JSON body: "
          f"{results['bare+POST+ES256']:.0f} req/s, {results['bare+POST+ES256'] / bare:.2f}")
    print(f"    the lean path's middleware and route, the body read and one ES256 verify (no token work): "
          f"{results['lean+ES256']:.0f} req/s, {results['lean+ES256'] / bare:.2f}")
    ratios = {"c": ours / bare, "ceiling": results["bare+ES256"] / bare,
              "POST ceiling": results["bare+POST+ES256"] / bare, "lean ceiling": results["lean+ES256"] / bare}
    if full:
        ratios["c, full path"] = results["verify (full path)"] / bare
        print(f"    the same endpoint on the full middleware path: {results['verify (full path)']:.0f} req/s, "
              f"{ratios['c, full path']:.2f}")
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--issue", type=int, default=20, help="certificates issued per run for (b)")
    parser.add_argument("--seconds", type=float, default=10, help="seconds of load per server for (c)")
    parser.add_argument("--runs", type=int, default=1, help="measure every figure this many times")
    parser.add_argument("--full", action="store_true", help="also measure the verify endpoint without the lean path")
    args = parser.parse_args()
    if args.runs < 1 or args.issue < 1 or args.seconds <= 0:
        parser.error("--runs and --issue must be at least 1, --seconds positive")
    url = setup_django()
    from _bulk import reset_applications

    from django.db import connection

    from certificates.keys import keys_init

    figures: dict[str, list[float]] = {}
    for run in range(args.runs):
        if args.runs > 1:
            print(f"--- run {run + 1} of {args.runs}")
        reset_applications()
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE certificates_certificateevent, certificates_certificate, "
                           "certificates_serialcounter RESTART IDENTITY CASCADE")
        keys_init()
        figures.setdefault("b", []).append(bench_issue(args.issue))
        figures.setdefault("a", []).append(bench_tokens())
        for name, ratio in bench_http(args.seconds, url, full=args.full).items():
            figures.setdefault(name, []).append(ratio)
    if args.runs > 1:
        print(f"--- {args.runs} runs, min / median / max")
        for name in ("a", "b", "c", "ceiling", "POST ceiling", "lean ceiling", "c, full path"):
            if name in figures:
                values = figures[name]
                print(f"({name}) {min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}")


if __name__ == "__main__":
    main()
