"""Hostile-PDF verification benchmark, all figures from one run on this machine:

 (a) a 300-page blank PDF (~30 KB) through verify_pdf, against one normal verification of a genuine
     signed certificate PDF (token, PAdES signature, QR page rendered and decoded);
 (b) with --before: the same hostile PDF rasterised page by page, as verification did before it was bounded;
 (c) the normal verification while three other worker processes verify a hostile PDF each, at once;
 (d) the same while three processes verify hostile PDFs non-stop (a flood the upload rate limit stops).

    .venv/bin/python bench/hostile_pdf.py [--repeats 5] [--before]

Uses its own PostgreSQL database (BENCH_SECURITY_DATABASE_URL, default .../tongban_bench_security)."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import io  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from _bulk import ROOT, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tongban_bench_security"


def blank_pdf(pages: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def genuine_pdf() -> bytes:
    """A certificate issued now through the real workflow (the test settings keep media in a temporary folder)."""
    import time_machine

    from django.contrib.auth import get_user_model

    from certificates.models import Certificate
    from licensing import workflow
    from licensing.models import Applicant
    from services.selectors import service_type_current

    sys.path.insert(0, str(ROOT))
    from tests.licensing.conftest import fill_materials, lab_data

    users = {u.username: u for u in get_user_model().objects.filter(username__in=["intake", "reviewer", "approver"])}
    applicant = Applicant.objects.get(user__username="applicant")
    day = dt.date(2026, 3, 2)
    with time_machine.travel(dt.datetime(2026, 3, 2, 2, tzinfo=dt.UTC), tick=False):
        app = workflow.application_create(applicant=applicant, service_type=service_type_current(code="lab-animal-use"),
                                          data=lab_data(), actor=applicant.user)
        fill_materials(app, on=day)
        workflow.application_submit(application=app, actor=applicant.user)
        workflow.application_accept(application=app, actor=users["intake"])
        workflow.application_recommend(application=app, actor=users["reviewer"], opinion="符合条件，建议准予许可。")
        workflow.application_approve(application=app, actor=users["approver"], opinion="同意")
    return Certificate.objects.get(application=app).pdf.read()


def timed(fn, repeats: int) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--before", action="store_true", help="also time (b), which takes minutes")
    args = parser.parse_args()
    setup_django(os.environ.get("BENCH_SECURITY_DATABASE_URL", DEFAULT_URL))
    call_init_keys()

    from certificates.core.qrdecode import decode_qr_from_pdf
    from certificates.pdfcheck import verify_pdf

    hostile, genuine = blank_pdf(300), genuine_pdf()
    verify_pdf(genuine)  # warm-up: keys, fonts, imports
    normal_s, normal = timed(lambda: verify_pdf(genuine), args.repeats)
    hostile_s, answer = timed(lambda: verify_pdf(hostile), args.repeats)
    print(f"hostile PDF: {len(hostile) / 1024:.0f} KB, 300 pages; genuine certificate: {len(genuine) / 1024:.0f} KB")
    print(f"(a) verify_pdf, genuine certificate:   {normal_s * 1000:8.1f} ms  verdict={normal['verdict']}")
    print(f"    verify_pdf, 300-page blank PDF:    {hostile_s * 1000:8.1f} ms  verdict={answer['verdict']}"
          f"  ({answer.get('note')})")
    if args.before:
        start = time.perf_counter()
        decode_qr_from_pdf(hostile, timeout=900)  # the unbounded path: every page
        print(f"(b) every page rasterised (before):    {(time.perf_counter() - start) * 1000:8.1f} ms")

    # Three hostile uploads arriving with the genuine one, in three other worker processes (as under gunicorn).
    context = multiprocessing.get_context("fork")
    samples = []
    for _ in range(args.repeats):
        attackers = [context.Process(target=attack, args=(hostile, None)) for _ in range(3)]
        for process in attackers:
            process.start()
        start = time.perf_counter()
        verify_pdf(genuine)
        samples.append(time.perf_counter() - start)
        for process in attackers:
            process.join()
    alongside = statistics.median(samples)
    print(f"(c) genuine, 3 hostile PDFs at once:   {alongside * 1000:8.1f} ms  "
          f"({alongside / normal_s:.2f}x the quiet figure)")
    # A flood: three processes verifying hostile PDFs non-stop (what the upload rate limit prevents).
    stop = context.Event()
    attackers = [context.Process(target=attack, args=(hostile, stop)) for _ in range(3)]
    for process in attackers:
        process.start()
    try:
        time.sleep(0.5)
        flood_s, _answer = timed(lambda: verify_pdf(genuine), args.repeats)
    finally:
        stop.set()
        for process in attackers:
            process.join()
    print(f"(d) genuine, 3 processes flooding:     {flood_s * 1000:8.1f} ms  "
          f"({flood_s / normal_s:.2f}x; {os.cpu_count()} CPUs, no rate limit in the way)")


def attack(hostile: bytes, stop) -> None:
    from certificates.pdfcheck import verify_pdf

    verify_pdf(hostile)
    while stop is not None and not stop.is_set():
        verify_pdf(hostile)


def call_init_keys() -> None:
    from django.core.management import call_command

    call_command("init_keys", stdout=open(os.devnull, "w"))  # noqa: SIM115


if __name__ == "__main__":
    main()
