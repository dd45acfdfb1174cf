"""Bounded verification of an uploaded PDF: a hostile 300-page PDF is answered at once with a clear
verdict (it is never rasterised); only the QR code's page of a real certificate is rendered; uploads
have a stricter anonymous rate limit than token checks."""

import io

import pytest
from pypdf import PdfWriter
from rest_framework.test import APIClient

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from certificates import pdfcheck
from certificates.core import qrdecode
from certificates.models import Certificate
from tests.certificates.conftest import issued  # noqa: F401
from tests.licensing.conftest import applicant, file_application, officers  # noqa: F401

VERIFY = "/api/v1/certificates/verify/"


def blank_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def issued_certificate_pdf(issued):  # noqa: F811
    import datetime as dt

    return Certificate.objects.get(application=issued(on=dt.date(2026, 3, 2))).pdf.read()


@pytest.fixture(scope="session")
def hostile_pdf():
    return blank_pdf(300)


def upload(pdf: bytes, api=None, **extra):
    api = api or APIClient()
    return api.post(VERIFY, {"file": SimpleUploadedFile("c.pdf", pdf, content_type="application/pdf")},
                    format="multipart", **extra)


def test_a_300_page_blank_pdf_is_forged_without_rendering_a_page(db, hostile_pdf, monkeypatch):
    assert len(hostile_pdf) < 60_000
    rendered = []
    monkeypatch.setattr(qrdecode.subprocess, "run", lambda *a, **k: rendered.append(a))
    response = upload(hostile_pdf)
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "forged"
    assert "300 pages" in body["note"]
    assert rendered == []


def test_a_short_pdf_has_only_its_first_page_rendered(db, monkeypatch):
    calls = []
    real_run = qrdecode.subprocess.run

    def spy(args, **kwargs):
        calls.append(args)
        return real_run(args, **kwargs)

    monkeypatch.setattr(qrdecode.subprocess, "run", spy)
    assert pdfcheck.qr_pages(blank_pdf(8)) == [1]
    texts = qrdecode.decode_qr_from_pdf(blank_pdf(8), pages=[1], timeout=5)
    assert texts == []
    (args,) = calls
    assert args[args.index("-f") + 1] == "1" and args[args.index("-l") + 1] == "1"


def test_the_page_of_the_signature_widget_is_rendered_too(db, issued_certificate_pdf):
    pages = pdfcheck.qr_pages(issued_certificate_pdf)
    assert pages[0] == 1 and len(pages) <= 2


def test_a_genuine_certificate_pdf_still_verifies(db, issued_certificate_pdf):
    body = upload(issued_certificate_pdf).json()
    assert body["verdict"] == "valid", body
    assert body["qr_found"] is True and body["consistent"] is True


@override_settings(TONGBAN_VERIFY_PDF_SECONDS=0.001)
def test_rendering_past_the_wall_clock_cap_answers_with_a_note(db, issued_certificate_pdf):
    body = upload(issued_certificate_pdf).json()
    assert body["verdict"] == "forged"
    assert body["qr_found"] is False
    assert "QR code not read" in body["note"]


@pytest.mark.parametrize("junk", [b"%PDF-1.7\n garbage", b"not a pdf at all", b""])
def test_junk_uploads_are_answered_not_failed(db, junk):
    response = upload(junk)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["verdict"] == "forged"


def test_uploads_have_a_stricter_rate_than_token_checks(db, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert rates["verify_pdf"] == "10/min"
    small = blank_pdf(1)
    answers = [upload(small, REMOTE_ADDR="192.0.2.50").status_code for _ in range(11)]
    assert answers[:10] == [200] * 10 and answers[10] == 429
    # Token checks from that address are still served (their own, larger budget).
    assert APIClient().post(VERIFY, {"token": "HTTPS://X/C/123"}, format="json",
                            REMOTE_ADDR="192.0.2.50").status_code == 200
